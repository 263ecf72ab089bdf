import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../logger';

/** Lets Bolt and the Web API client write through pino, so every line stays structured JSON. */
export function boltLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'bolt' });
  const fmt = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => child.debug(fmt(m)),
    info: (...m: unknown[]) => child.info(fmt(m)),
    warn: (...m: unknown[]) => child.warn(fmt(m)),
    error: (...m: unknown[]) => child.error(fmt(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
