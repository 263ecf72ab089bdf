import type { EcsReader } from '../aws/ecs';
import { LogEventsReader } from '../aws/log-events';
import { scopeKey, type AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import type { TaskInfo } from '../ecs/model';
import { UserFacingError } from '../errors';
import { elsewhere } from './gather';
import { cleanLogText } from './render';

/** The last lines one container of a stopped task wrote: what the diagnosis shows beside its stop reason. */
export interface ContainerLastLines {
  /** Plain text, escape sequences and control characters removed (renderers escape it). */
  lines: string[];
  /** Why there are none to show (another driver, a missing group, a missing grant). */
  problem?: string;
}

/** How far back before the stop the bot looks for the container's last words. */
export const LAST_LINES_WINDOW_MS = 60 * 60_000;

export type LastLinesReader = (task: TaskInfo, container: string, n?: number) => Promise<ContainerLastLines>;

/**
 * Reads the last `n` lines of a task's container from its awslogs stream (in the task's own task
 * definition revision), in the hour up to a minute after it stopped. Problems are returned, not thrown.
 */
export function lastLinesReader(ctx: AppContext, ecs: EcsReader, where?: AwsScope): LastLinesReader {
  const readers = new Map<string, LogEventsReader>();
  // The task's logs are in its own account (the one `ecs` reads), in the region its log configuration names.
  const home = where ?? ctx.accounts.defaultScope;
  const logsIn = (region: string) => {
    const scope = { account: home.account, region };
    let r = readers.get(scopeKey(scope));
    if (!r) {
      r = new LogEventsReader(ctx.accounts.read(scope).logs, region);
      readers.set(scopeKey(scope), r);
    }
    return r;
  };
  return async (task, container, n = 10) => {
    try {
      const td = await ecs.describeTaskDefinition(task.taskDefinition);
      const c = td.containers.find((x) => x.name === container);
      if (!c) return { lines: [], problem: `container ${container} is not in ${task.taskDefinition}` };
      const other = elsewhere(c);
      if (other) return { lines: [], problem: `its logs are not in CloudWatch Logs: ${other.where}` };
      const o = c.log!.options;
      const endMs = (task.stoppedAt ?? ctx.clock.now()) + 60_000;
      const r = await logsIn(o['awslogs-region'] ?? home.region).read({
        group: o['awslogs-group'],
        streams: [`${o['awslogs-stream-prefix']}/${container}/${task.id}`],
        startMs: endMs - LAST_LINES_WINDOW_MS,
        endMs,
        keep: n,
      });
      return { lines: r.events.map((e) => cleanLogText(e.message)) };
    } catch (err) {
      if (err instanceof UserFacingError) return { lines: [], problem: err.message };
      throw err;
    }
  };
}
