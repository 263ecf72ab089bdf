import { Writable } from 'node:stream';
import { createBot, type Bot, type BotOptions } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { openStore, type Store } from '../src/store';
import type { FakeSlack } from '../test/helpers/fake-slack';
import { refusingAwsClients, testEnv } from '../test/helpers/test-bot';

/** Formats every log line the way production does, then drops it: the cost of logging is measured, not the disk. */
export class NullSink extends Writable {
  lines = 0;
  override _write(_chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines += 1;
    cb();
  }
}

export interface BenchBot {
  bot: Bot;
  url: string;
  store: Store;
  sink: NullSink;
  stop(): Promise<void>;
}

/**
 * The real app as production runs it — LOG_LEVEL info, real clock, workers running, a temp SQLite
 * file — but logging into a sink (unlike startTestBot, which keeps every line in memory, which would
 * skew a throughput or memory figure).
 */
export async function startBenchBot(
  slack: Pick<FakeSlack, 'apiUrl'>,
  o: Partial<Omit<BotOptions, 'config'>> & { env?: Record<string, string | undefined> } = {},
): Promise<BenchBot> {
  const config = loadConfig(testEnv(slack, { LOG_LEVEL: 'info', ...o.env }));
  const sink = new NullSink();
  const store = o.store ?? (await openStore(config.database));
  const bot = await createBot({
    ...o,
    config,
    store,
    logger: createLogger(config.logLevel, sink),
    aws: o.aws ?? refusingAwsClients(),
    slackRetries: 0,
  });
  const port = await bot.start(0, '127.0.0.1');
  return { bot, url: `http://127.0.0.1:${port}`, store, sink, stop: () => bot.stop() };
}

/** Resolves once `pred` holds (polling every `everyMs`), or with false after `timeoutMs`. */
export async function until(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
