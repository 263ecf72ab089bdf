import { EcsReader } from '../aws/ecs';
import { LogEventsReader } from '../aws/log-events';
import { scopeKey, type AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import type { Logger } from '../logger';
import { locateCluster } from '../slack/commands/scope-flags';
import { uploadWhereAnswered } from '../slack/files';
import { code, mentionUser } from '../slack/mrkdwn';
import { LOGS_USAGE, type LogsRequest } from './args';
import { gatherLogs, type LogsDeps, type LogsView } from './gather';
import { logsFile, renderLogs, type Attachment, type LogsMessage, type RenderOptions } from './render';
import { uploadProblem } from '../slack/errors';

/** Readers per account and region, made once: the task-definition cache outlives one answer. */
export class LogsSources {
  private readonly ecs = new Map<string, EcsReader>();
  private readonly logs = new Map<string, LogEventsReader>();

  constructor(private readonly ctx: AppContext) {}

  deps(scope: AwsScope): LogsDeps {
    let ecs = this.ecs.get(scopeKey(scope));
    if (!ecs) {
      ecs = new EcsReader(this.ctx.accounts.read(scope).ecs, 5);
      this.ecs.set(scopeKey(scope), ecs);
    }
    return {
      ecs,
      region: scope.region,
      now: () => this.ctx.clock.now(),
      logsIn: (region) => {
        const s = { account: scope.account, region };
        let r = this.logs.get(scopeKey(s));
        if (!r) {
          r = new LogEventsReader(this.ctx.accounts.read(s).logs, region);
          this.logs.set(scopeKey(s), r);
        }
        return r;
      },
    };
  }
}

export interface Destination {
  channelId?: string;
  threadTs?: string;
  userId: string;
  /** The answer is ephemeral: its file goes to the asker alone (their direct messages with the bot). */
  private: boolean;
}

/**
 * Renders the view, attaching the whole result as a .log file first when the message cannot hold it:
 * beside a public answer, or in the asker's direct messages for an ephemeral one (uploadWhereAnswered).
 * An upload that fails is said in the answer; the answer itself still goes out.
 */
export async function composeLogsAnswer(
  ctx: AppContext,
  view: LogsView,
  dest: Destination,
  opts: Omit<RenderOptions, 'attachment'>,
  log: Logger,
): Promise<LogsMessage> {
  const first = renderLogs(view, opts);
  if (first.complete || !dest.channelId) return first;
  const file = logsFile(view);
  let attachment: Attachment;
  const target = code(`${view.cluster}/${view.service}`);
  try {
    const place = await uploadWhereAnswered(ctx.slack, {
      private: dest.private,
      channelId: dest.channelId,
      threadTs: dest.threadTs,
      userId: dest.userId,
      comment: dest.private
        ? `Logs of ${target}: the full result, for you only`
        : `Logs of ${target} for ${mentionUser(dest.userId)}`,
      files: [file],
    });
    attachment = { kind: 'attached', place };
  } catch (err) {
    attachment = { kind: 'failed', reason: uploadProblem(err) };
    log.warn({ err }, 'logs file upload failed');
  }
  return renderLogs(view, { ...opts, attachment });
}

export async function readLogs(
  ctx: AppContext,
  sources: LogsSources,
  req: LogsRequest,
  o: { words?: string[]; flags?: Record<string, string | boolean>; endMs?: number; scope?: AwsScope },
): Promise<LogsView> {
  const scope =
    o.scope ?? (await locateCluster(ctx, req.cluster, { words: o.words, flags: o.flags, usage: LOGS_USAGE }));
  return gatherLogs(sources.deps(scope), req, o.endMs);
}
