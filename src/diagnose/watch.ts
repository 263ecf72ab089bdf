import { intervalWorker } from '../interval-worker';
import type { EcsReader } from '../aws/ecs';
import type { AppContext, Worker } from '../context';
import type { Diagnosis } from '../ecs/diagnosis/types';
import { NotFoundError } from '../errors';
import { renderRecoveredLine, renderWatchExpiredLine, renderWatchUnconfiguredLine } from './render';
import type { DiagnosisWatch } from '../store/diagnosis-watches';
import { ScopeError, type AwsScope } from '../aws/scope';

/**
 * After a Diagnose click finds the service short of its desired count, the bot watches it and says in
 * the alarm thread when it runs its desired count again, whatever fixed it (more instances, a smaller
 * desired count, a deployment). Read-only: one DescribeServices per poll. Watches are rows in the
 * store, leased to one replica per poll, so a restart or a second replica neither loses nor repeats
 * the line. A watch remembers the account and region of its service and is read there, with that
 * account's read session; a watch without them (older rows, a single-account install) reads the
 * bot's default account and region.
 */

export const WATCH_INTERVAL_MS = 30_000;
/** How long the bot watches before saying the service is still short and stopping. */
const WATCH_FOR_MS = 2 * 3_600_000;
const WATCH_LEASE_MS = 60_000;

/** How often watches are polled and who leases them; tests fix both. */
export interface DiagnoseOptions {
  watchIntervalMs?: number;
  /** Lease owner id (default a random id per process). */
  instanceId?: string;
}

/** Whether a diagnosis leaves something to watch: the service runs fewer tasks than it should. */
export function needsWatch(d: Pick<Diagnosis, 'counts'>): boolean {
  return d.counts.running < d.counts.desired || d.counts.pending > 0;
}

/** The reader of the account and region a watch is in (undefined: the default ones). */
export type WatchReaders = (scope: AwsScope | undefined) => EcsReader;

/** Where a watch reads: its own account and region, or the default ones when it names none. */
function scopeOf(w: DiagnosisWatch): AwsScope | undefined {
  return w.account && w.region ? { account: w.account, region: w.region } : undefined;
}

export async function startWatch(
  ctx: AppContext,
  d: Diagnosis,
  where: { channel: string; threadTs: string; scope?: AwsScope },
  intervalMs: number,
): Promise<string> {
  const now = ctx.clock.now();
  return ctx.store.diagnosisWatches.watch({
    cluster: d.cluster,
    service: d.service,
    ...(where.scope ? { account: where.scope.account, region: where.scope.region } : {}),
    channel: where.channel,
    threadTs: where.threadTs,
    desired: d.counts.desired,
    startedAt: now,
    deadlineAt: now + WATCH_FOR_MS,
    nextPollAt: now + intervalMs,
  });
}

async function post(ctx: AppContext, w: DiagnosisWatch, text: string): Promise<void> {
  try {
    await ctx.slack.chat.postMessage({ channel: w.channel, thread_ts: w.threadTs, text, unfurl_links: false });
  } catch (err) {
    ctx.logger.warn({ watch: w.id, err }, 'watch line could not be posted');
  }
}

/** One poll of one leased watch. */
async function pollWatch(
  ctx: AppContext,
  readers: WatchReaders,
  w: DiagnosisWatch,
  owner: string,
  intervalMs: number,
): Promise<void> {
  const now = ctx.clock.now();
  const scope = scopeOf(w);
  let ecs: EcsReader;
  try {
    ecs = readers(scope);
  } catch (err) {
    // The account or region was removed from the configuration since the watch began: nothing to read.
    if (!(err instanceof ScopeError)) throw err;
    if (await ctx.store.diagnosisWatches.finish(w.id, owner, 'gone', now))
      await post(ctx, w, renderWatchUnconfiguredLine({ cluster: w.cluster, service: w.service, reason: err.message }));
    ctx.logger.info({ watch: w.id, err: err.message }, 'watched service is no longer in a configured account');
    return;
  }
  let s;
  try {
    s = await ecs.getService(w.cluster, w.service);
  } catch (err) {
    if (err instanceof NotFoundError) {
      await ctx.store.diagnosisWatches.finish(w.id, owner, 'gone', now);
      ctx.logger.info({ watch: w.id }, 'watched service is gone; stopped watching');
      return;
    }
    ctx.logger.warn({ watch: w.id, err }, 'watch poll failed');
    await ctx.store.diagnosisWatches.reschedule(w.id, owner, now + intervalMs, w.lastSeen ?? 'unknown');
    return;
  }
  const seen = `${s.running} of ${s.desired} running, ${s.pending} pending`;
  const view = {
    cluster: w.cluster,
    service: w.service,
    desired: s.desired,
    running: s.running,
    pending: s.pending,
    elapsedMs: now - w.startedAt,
    ...(scope ? { scope } : {}),
  };
  if (s.running >= s.desired && s.pending === 0) {
    if (await ctx.store.diagnosisWatches.finish(w.id, owner, 'recovered', now, seen))
      await post(ctx, w, renderRecoveredLine(view));
    return;
  }
  if (now >= w.deadlineAt) {
    if (await ctx.store.diagnosisWatches.finish(w.id, owner, 'expired', now, seen))
      await post(ctx, w, renderWatchExpiredLine(view));
    return;
  }
  await ctx.store.diagnosisWatches.reschedule(w.id, owner, now + intervalMs, seen);
}

export function diagnosisWatcher(
  ctx: AppContext,
  readers: WatchReaders,
  o: { owner: string; intervalMs: number },
): Worker {
  return intervalWorker('diagnosis-watcher', o.intervalMs, ctx.logger, async () => {
    const due = await ctx.store.diagnosisWatches.claimDue(o.owner, ctx.clock.now(), WATCH_LEASE_MS);
    for (const w of due) {
      try {
        await pollWatch(ctx, readers, w, o.owner, o.intervalMs);
      } catch (err) {
        ctx.logger.error({ err, watch: w.id }, 'watch poll failed');
      }
    }
    return due.length;
  });
}
