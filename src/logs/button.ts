import type { AppContext } from '../context';
import { decodeValue } from '../slack/actions';
import { malformedButton, type Click, type ClickAnswer } from '../slack/clicks';
import { isEcsName } from '../slack/commands/parse';
import { alarmScopeFilter, locateCluster, parseAlarmOrigin, type AlarmOrigin } from '../slack/commands/scope-flags';
import { code } from '../slack/mrkdwn';
import { DEFAULT_LINES, DEFAULT_WINDOW_MS, LOGS_USAGE, type LogsRequest } from './args';
import { composeLogsAnswer, type LogsSources } from './answer';
import { gatherLogs, type LogsView } from './gather';

/**
 * The Logs button of alarm and ECS-event cards that name a service: the 15 minutes up to the state
 * change, error lines first (when there are none, the last lines of the window), answered only to
 * whoever clicked. It runs in the click's own tracked promise, never in the outbox, so a click during
 * an alarm storm does not hold back a card.
 */

/** What counts as an error line: a CloudWatch filter pattern matching any of the words. */
export const ERROR_WORDS = ['ERROR', 'Exception', 'FATAL', 'panic', 'Traceback', 'OOM'];
export const ERROR_PATTERN = ERROR_WORDS.map((w) => `?${w}`).join(' ');

export interface LogsButtonValue extends AlarmOrigin {
  c: string;
  s: string;
  /** The state change, epoch seconds. */
  t: number;
}

/** Validates a Logs button value; undefined when it is not one the bot wrote. */
export function parseLogsButtonValue(raw: string | undefined, nowMs: number): LogsButtonValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  const { c, s, t } = v;
  if (typeof c !== 'string' || !isEcsName(c) || typeof s !== 'string' || !isEcsName(s)) return undefined;
  // A time in the future or before ECS existed is not one the bot wrote.
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1_400_000_000 || t * 1000 > nowMs + 3_600_000)
    return undefined;
  const origin = parseAlarmOrigin(v);
  if (origin === false) return undefined;
  return { ...origin, c, s, t };
}

export async function handleLogsButton(ctx: AppContext, sources: LogsSources, c: Click): Promise<ClickAnswer> {
  const v = parseLogsButtonValue(c.value, ctx.clock.now());
  if (!v) throw malformedButton('it names no valid service or time', 'logs <cluster>/<service>');
  const endMs = v.t * 1000;
  const base: LogsRequest = {
    cluster: v.c,
    service: v.s,
    windowMs: DEFAULT_WINDOW_MS,
    windowLabel: '15m',
    limit: DEFAULT_LINES,
  };
  // A click on a reply in the thread answers into the same thread; a click on the card starts it.
  const threadTs = c.threadTs ?? c.messageTs;
  const scope = await locateCluster(ctx, v.c, { usage: LOGS_USAGE, filter: await alarmScopeFilter(ctx, v) });
  const deps = sources.deps(scope);
  let view: LogsView = await gatherLogs(deps, { ...base, pattern: ERROR_PATTERN, grep: ERROR_PATTERN }, endMs);
  const errorLines = view.containers.reduce((a, x) => a + x.lines.length, 0);
  let title = `Error lines of ${code(`${v.c}/${v.s}`)}`;
  let note = `The 15 minutes up to the alarm's state change, lines with ${ERROR_WORDS.join(', ')}. ${code(`/ecs logs ${v.c}/${v.s} --since 1h`)} for more.`;
  if (errorLines === 0 && view.containers.some((x) => !x.problem)) {
    view = await gatherLogs(deps, base, endMs);
    title = `Logs of ${code(`${v.c}/${v.s}`)}`;
    note = `No error lines (${ERROR_WORDS.join(', ')}) in the 15 minutes up to the alarm's state change: its last lines instead.`;
  }
  const msg = await composeLogsAnswer(
    ctx,
    view,
    // The click is answered to the clicker alone, so is its file.
    { channelId: c.channelId, threadTs, userId: c.userId, private: true },
    { title, note },
    c.log,
  );
  c.log.info({ cluster: v.c, service: v.s, errorLines, calls: view.calls }, 'logs button answered');
  return { text: msg.text, blocks: msg.blocks };
}
