import type { AppContext, Worker } from '../context';
import { AutoScalingReader } from '../aws/autoscaling';
import { EcsReader } from '../aws/ecs';
import {
  rolloutProgressLine,
  rolloutReachedLine,
  rolloutStoppedLine,
  rolloutTimeoutLine,
  type RolloutProgress,
} from './render/change-request';
import type { Rollout } from '../store/rollouts';
import { postInThread } from './card';
import { followUpGraph } from './rollout-graph';
import type { FollowUp } from './types';
import { intervalWorker } from '../interval-worker';

export const DEFAULT_POLL_INTERVAL_MS = 15_000;
/** A follower holds a rollout this long per poll; another replica takes over only after it lapses. */
export const ROLLOUT_LEASE_MS = 60_000;

/** Reads where a rollout stands now. */
export async function readProgress(ctx: AppContext, f: FollowUp): Promise<RolloutProgress> {
  // A change in another account or region is followed there, with that account's read session.
  const aws = f.where ? ctx.accounts.read(f.where) : ctx.aws;
  const ecs = new EcsReader(aws.ecs);
  if (f.kind === 'deployment') {
    const s = await ecs.getService(f.cluster, f.service);
    const d = s.deployments.find((x) => x.id === f.deploymentId);
    const primary = s.deployments.find((x) => x.status === 'PRIMARY');
    // ECS drops a failed deployment once the circuit breaker's rollback completes; its events still tell.
    const gone = d ? undefined : endedInEvents(s.events, f.deploymentId);
    return {
      kind: 'deployment',
      target: `${f.cluster}/${f.service}`,
      deploymentId: f.deploymentId,
      taskDefinition: f.taskDefinition,
      rolloutState: d?.rolloutState ?? gone?.rolloutState,
      rolloutStateReason: d?.rolloutStateReason ?? gone?.reason,
      status: d?.status,
      desired: d?.desired ?? s.desired,
      running: d?.running ?? 0,
      pending: d?.pending ?? 0,
      failedTasks: d?.failedTasks ?? 0,
      replacedBy:
        primary && primary.id !== f.deploymentId
          ? { id: primary.id, taskDefinition: primary.taskDefinition }
          : undefined,
    };
  }
  if (f.kind === 'service') {
    const s = await ecs.getService(f.cluster, f.service);
    return {
      kind: 'service',
      target: `${f.cluster}/${f.service}`,
      desired: f.desired,
      desiredNow: s.desired,
      running: s.running,
      pending: s.pending,
    };
  }
  const [group, cluster, instances] = await Promise.all([
    new AutoScalingReader(aws.autoscaling, aws.ecs).describeGroup(f.group),
    ecs.getCluster(f.cluster),
    ecs.listContainerInstances(f.cluster),
  ]);
  const ids = new Set(group.instances.map((i) => i.id));
  return {
    kind: 'instances',
    target: `${f.cluster} · group ${f.group}`,
    desired: f.desired,
    desiredNow: group.desired,
    inService: group.inService,
    registered: instances.filter((i) => i.ec2InstanceId && ids.has(i.ec2InstanceId) && i.status === 'ACTIVE').length,
    pendingTasks: cluster.pendingTasks,
  };
}

/**
 * How a deployment ECS no longer lists ended, from the service's events: ECS writes "(service S) (deployment
 * ID) deployment failed: REASON." when the circuit breaker fails it, "… deployment completed." when it
 * completes. Undefined when the events do not say (they are kept for a while only).
 */
export function endedInEvents(
  events: readonly { message: string }[],
  deploymentId: string,
): { rolloutState: 'FAILED' | 'COMPLETED'; reason?: string } | undefined {
  const tag = `(deployment ${deploymentId}) deployment `;
  for (const e of events) {
    const at = e.message.indexOf(tag);
    if (at < 0) continue;
    const rest = e.message.slice(at + tag.length);
    if (rest.startsWith('failed'))
      return { rolloutState: 'FAILED', reason: rest.replace(/^failed:?\s*/, '').trim() || undefined };
    if (rest.startsWith('completed')) return { rolloutState: 'COMPLETED' };
  }
  return undefined;
}

/** Reached: the count the request set is running (tasks) or in service and registered (instances). */
export function isReached(p: RolloutProgress): boolean {
  if (p.kind === 'deployment') return p.rolloutState === 'COMPLETED';
  if (p.kind === 'service') return p.running === p.desired && p.pending === 0;
  return p.inService === p.desired && p.registered === p.desired;
}

/**
 * Whether the followed thing stopped short of its goal for good: another desired count, or a
 * deployment that failed (the circuit breaker) or that another deployment replaced.
 */
function isStopped(p: RolloutProgress): boolean {
  if (p.kind === 'deployment')
    return (
      p.rolloutState === 'FAILED' || (p.rolloutState !== 'COMPLETED' && (p.status === undefined || !!p.replacedBy))
    );
  return p.desiredNow !== p.desired;
}

function timeoutHint(f: FollowUp): string {
  if (f.kind === 'deployment')
    return `New tasks that keep stopping usually fail their health checks or cannot pull the image: check \`/ecs status ${f.cluster}/${f.service}\`, the service events and \`/ecs logs ${f.cluster}/${f.service}\`.`;
  return f.kind === 'service'
    ? `Tasks that stay PENDING usually lack CPU or memory on the instances: check \`/ecs status ${f.cluster}/${f.service}\` and the service events.`
    : "Instances that do not register usually lack the ECS agent config (ECS_CLUSTER in user data) or the instance role: check the group's activity history.";
}

/** One poll of one leased rollout: posts a line when progress changed, and the final line when it ends. */
export async function followOnce(ctx: AppContext, r: Rollout, owner: string, intervalMs: number): Promise<void> {
  const where = { channel: r.channel, threadTs: r.threadTs };
  const now = () => ctx.clock.now();
  let p: RolloutProgress;
  try {
    p = await readProgress(ctx, r.target);
  } catch (err) {
    ctx.logger.warn({ rolloutId: r.id, err }, 'rollout poll failed');
    if (now() >= r.deadlineAt) {
      if (await ctx.store.rollouts.finish(r.id, owner, 'timed-out', now())) {
        await postInThread(
          ctx,
          where,
          rolloutTimeoutLine(undefined, r.deadlineAt - r.startedAt, `The last check failed: ${(err as Error).message}`),
        );
      }
    } else {
      await ctx.store.rollouts.progress(r.id, owner, { nextPollAt: now() + intervalMs });
    }
    return;
  }
  // The line that ends the rollout, then (in the background) its graph of desired against running.
  const finalLine = async (text: string, outcome: string) => {
    const ts = await postInThread(ctx, where, text);
    if (ts) followUpGraph(ctx, r, p, { ts, text, outcome });
  };
  if (isReached(p) && !isStopped(p)) {
    if (await ctx.store.rollouts.finish(r.id, owner, 'reached', now(), rolloutProgressLine(p))) {
      await finalLine(rolloutReachedLine(p, now() - r.startedAt), 'reached');
    }
    return;
  }
  if (isStopped(p)) {
    if (await ctx.store.rollouts.finish(r.id, owner, 'stopped', now(), rolloutProgressLine(p))) {
      await finalLine(rolloutStoppedLine(p), p.kind === 'deployment' ? 'ended' : 'changed elsewhere');
    }
    return;
  }
  if (now() >= r.deadlineAt) {
    if (await ctx.store.rollouts.finish(r.id, owner, 'timed-out', now(), rolloutProgressLine(p))) {
      await finalLine(rolloutTimeoutLine(p, r.deadlineAt - r.startedAt, timeoutHint(r.target)), 'timed out');
    }
    return;
  }
  const line = rolloutProgressLine(p);
  const changed = line !== r.lastProgress;
  if (
    await ctx.store.rollouts.progress(r.id, owner, {
      lastProgress: changed ? line : undefined,
      nextPollAt: now() + intervalMs,
    })
  ) {
    if (changed) await postInThread(ctx, where, line);
  }
}

/**
 * The rollout follower: every interval, leases the due rollouts (one replica each) and polls them.
 * Rows are persisted, so after a restart the follower simply picks them up again.
 */
export function rolloutFollower(ctx: AppContext, o: { owner: string; intervalMs?: number; leaseMs?: number }): Worker {
  const intervalMs = o.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  return intervalWorker('rollout-follower', intervalMs, ctx.logger, async () => {
    const due = await ctx.store.rollouts.claimDue(o.owner, ctx.clock.now(), o.leaseMs ?? ROLLOUT_LEASE_MS);
    for (const r of due) {
      try {
        await followOnce(ctx, r, o.owner, intervalMs);
      } catch (err) {
        ctx.logger.error({ err, rolloutId: r.id }, 'rollout follow failed');
      }
    }
    return due.length;
  });
}
