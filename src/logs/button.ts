import type { BlockButtonAction, RespondArguments, RespondFn } from '@slack/bolt';
import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import { ACTIONS, decodeValue } from '../slack/actions';
import { renderError } from '../slack/commands/help';
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

export async function handleLogsButton(
  ctx: AppContext,
  sources: LogsSources,
  body: BlockButtonAction,
  respond: RespondFn,
): Promise<void> {
  const ref = ctx.newId(4);
  const log = ctx.logger.child({ ref, user: body.user.id, action: ACTIONS.alarmLogs });
  const reply = (m: RespondArguments) =>
    respond({ response_type: 'ephemeral', replace_original: false, ...m }).then(() => undefined);
  const v = parseLogsButtonValue(body.actions[0]?.value, ctx.clock.now());
  if (!v) {
    log.warn('malformed logs button value');
    await reply({
      text: `:x: This Logs button carries no valid service or time. Use ${code('/ecs logs <cluster>/<service>')} instead.`,
    });
    return;
  }
  const endMs = v.t * 1000;
  const base: LogsRequest = {
    cluster: v.c,
    service: v.s,
    windowMs: DEFAULT_WINDOW_MS,
    windowLabel: '15m',
    limit: DEFAULT_LINES,
  };
  const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean } | undefined;
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const channelId = body.channel?.id ?? container?.channel_id;
  const threadTs = container?.is_ephemeral ? undefined : (message?.thread_ts ?? container?.message_ts ?? message?.ts);
  try {
    const scope = await locateCluster(ctx, v.c, { usage: LOGS_USAGE, filter: await alarmScopeFilter(ctx, v) });
    const deps = sources.deps(scope);
    let view: LogsView = await gatherLogs(deps, { ...base, pattern: ERROR_PATTERN, grep: ERROR_PATTERN }, endMs);
    const errorLines = view.containers.reduce((a, c) => a + c.lines.length, 0);
    let title = `Error lines of ${code(`${v.c}/${v.s}`)}`;
    let note = `The 15 minutes up to the alarm's state change, lines with ${ERROR_WORDS.join(', ')}. ${code(`/ecs logs ${v.c}/${v.s} --since 1h`)} for more.`;
    if (errorLines === 0 && view.containers.some((c) => !c.problem)) {
      view = await gatherLogs(deps, base, endMs);
      title = `Logs of ${code(`${v.c}/${v.s}`)}`;
      note = `No error lines (${ERROR_WORDS.join(', ')}) in the 15 minutes up to the alarm's state change: its last lines instead.`;
    }
    const msg = await composeLogsAnswer(ctx, view, { channelId, threadTs, userId: body.user.id }, { title, note }, log);
    await reply({ text: msg.text, blocks: msg.blocks });
    log.info({ cluster: v.c, service: v.s, errorLines, calls: view.calls }, 'logs button answered');
  } catch (err) {
    if (err instanceof UserFacingError) {
      log.info({ err: { code: err.code, message: err.message } }, 'logs button refused');
      await reply(renderError(err, undefined));
    } else {
      log.error({ err }, 'logs button failed');
      await reply({
        text: `:warning: Something went wrong reading the logs of ${code(`${v.c}/${v.s}`)} (ref ${ref}). The error is logged; try ${code(`/ecs logs ${v.c}/${v.s}`)}.`,
      });
    }
  }
}
