import type { TaskInfo } from '../model';
import type { Facts } from './facts';
import { ago, duration } from './format';
import { BENIGN_CAUSES, classifyStop, type StopCause } from './stop-causes';
import { plural } from '../../util/text';
import type { DiagnosisInput, Finding } from './types';

/**
 * A bad deploy: tasks of the newest revision fail to start or keep stopping, while the revision before
 * it ran steady. Read from the deployments ECS holds, the stopped and live tasks (each names its
 * revision), and the service's events. A capacity shortfall is never one: tasks that cannot be placed
 * do not stop, and a new revision that merely does not fit is the capacity rules' to answer.
 */

/** Failed tasks of the newest revision before it counts as failing (one crash can be bad luck). */
export const MIN_FAILURES = 2;
/** Stopped tasks this far back are read (ECS keeps them about an hour). */
const WINDOW_MS = 3_600_000;

export interface RevisionStats {
  taskDefinition: string;
  /** Tasks that stopped for a reason in the task itself (not scaling, a user or the infrastructure). */
  failed: number;
  /** Tasks stopped by scaling, a deployment replacing them, or a user. */
  replaced: number;
  running: number;
  firstFailureAt?: number;
  lastFailureAt?: number;
  /** Failure causes, most frequent first. */
  causes: { cause: StopCause; count: number }[];
}

export interface BadDeployment {
  newest: RevisionStats;
  previous: RevisionStats;
  /** When the newest revision's deployment started, when ECS still says. */
  deploymentStartedAt?: number;
  deploymentId?: string;
  /** ECS's own count of the deployment's failed tasks. */
  ecsFailedTasks: number;
  /** Why the previous revision counts as steady, in plain words. */
  steadyBecause: string;
}

const familyOf = (td: string) => td.slice(0, td.lastIndexOf(':'));

function statsOf(td: string, stopped: TaskInfo[], live: TaskInfo[], now: number): RevisionStats {
  const s: RevisionStats = { taskDefinition: td, failed: 0, replaced: 0, running: 0, causes: [] };
  for (const t of live) if (t.taskDefinition === td && t.lastStatus === 'RUNNING') s.running += 1;
  for (const t of stopped) {
    if (t.taskDefinition !== td) continue;
    const at = t.stoppedAt ?? t.createdAt ?? now;
    if (at < now - WINDOW_MS) continue;
    const c = classifyStop(t);
    if (BENIGN_CAUSES.has(c.cause)) {
      s.replaced += 1;
      continue;
    }
    if (c.cause === 'infrastructure') continue;
    s.failed += 1;
    s.firstFailureAt = Math.min(s.firstFailureAt ?? at, at);
    s.lastFailureAt = Math.max(s.lastFailureAt ?? at, at);
    const x = s.causes.find((y) => y.cause === c.cause);
    if (x) x.count += 1;
    else s.causes.push({ cause: c.cause, count: 1 });
  }
  s.causes.sort((a, b) => b.count - a.count);
  return s;
}

/** The revision the service ran before the newest one: the deployment being replaced, else the newest other revision its tasks ran. */
function previousRevision(input: DiagnosisInput, newest: string): string | undefined {
  const replaced = input.service.deployments.find((d) => d.status !== 'PRIMARY' && d.taskDefinition !== newest);
  if (replaced) return replaced.taskDefinition;
  const seen = [...(input.stoppedTasks ?? []), ...(input.tasks ?? [])]
    .filter((t) => t.taskDefinition && t.taskDefinition !== newest)
    .sort((a, b) => (b.startedAt ?? b.createdAt ?? 0) - (a.startedAt ?? a.createdAt ?? 0));
  return seen[0]?.taskDefinition;
}

export function findBadDeployment(input: DiagnosisInput, f: Facts): BadDeployment | undefined {
  const { service, now } = input;
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  const newestTd = primary?.taskDefinition ?? service.taskDefinition;
  if (!newestTd) return undefined;
  // The circuit breaker already went back: there is nothing left to roll back.
  if (f.events.some((e) => e.kind === 'rollback' && e.at >= now - WINDOW_MS)) return undefined;
  const previousTd = previousRevision(input, newestTd);
  if (!previousTd || familyOf(previousTd) !== familyOf(newestTd)) return undefined;
  const stopped = input.stoppedTasks ?? [];
  const live = (input.tasks ?? []).filter((t) => t.desiredStatus === 'RUNNING');
  const newest = statsOf(newestTd, stopped, live, now);
  const previous = statsOf(previousTd, stopped, live, now);
  const ecsFailed = primary?.failedTasks ?? 0;
  const failures = Math.max(newest.failed, ecsFailed);
  if (failures < MIN_FAILURES && !(primary?.rolloutState === 'FAILED' && failures > 0)) return undefined;
  const started = primary?.createdAt;
  // Failures before this deployment started are another story (the revision was deployed before).
  if (started !== undefined && newest.firstFailureAt !== undefined && newest.firstFailureAt < started) return undefined;
  if (previous.failed > 0) return undefined;
  const replacedDeployment = service.deployments.find((d) => d.status !== 'PRIMARY' && d.taskDefinition === previousTd);
  const steadyBefore = f.events.find((e) => e.kind === 'steady' && (started === undefined || e.at < started));
  let steadyBecause: string;
  if (replacedDeployment?.rolloutState === 'COMPLETED')
    steadyBecause = `its deployment completed and it still runs ${plural(previous.running, 'task')}`;
  else if (previous.running > 0) steadyBecause = `${plural(previous.running, 'task')} of it still run, none failed`;
  else if (steadyBefore) steadyBecause = `the service reached a steady state on it ${ago(steadyBefore.at, now)}`;
  else if (previous.replaced > 0)
    steadyBecause = `its ${plural(previous.replaced, 'task')} stopped only when the new deployment replaced them`;
  else return undefined;
  return {
    newest,
    previous,
    deploymentStartedAt: started,
    deploymentId: primary?.id,
    ecsFailedTasks: ecsFailed,
    steadyBecause,
  };
}

const CAUSE_WORDS: Partial<Record<StopCause, string>> = {
  oom: 'killed for memory',
  killed: 'killed (exit 137)',
  'image-pull': 'image pull failed',
  init: 'failed to initialise',
  'health-check': 'failed health checks',
  'failed-to-start': 'failed to start',
  'essential-exit': 'essential container exited',
  other: 'stopped',
};

function causesText(s: RevisionStats): string {
  return s.causes.map((c) => `${CAUSE_WORDS[c.cause] ?? c.cause} ×${c.count}`).join(', ');
}

/** The evidence of a bad deploy, as a finding: failed tasks per revision, and the first failure after the deployment began. */
export function revisionFinding(input: DiagnosisInput, f: Facts): Finding | undefined {
  const b = findBadDeployment(input, f);
  if (!b) return undefined;
  const { newest, previous } = b;
  const now = input.now;
  const failed = Math.max(newest.failed, b.ecsFailedTasks);
  const first =
    newest.firstFailureAt !== undefined && b.deploymentStartedAt !== undefined
      ? `, the first ${duration(Math.max(0, newest.firstFailureAt - b.deploymentStartedAt))} after its deployment started ${ago(b.deploymentStartedAt, now)}`
      : b.deploymentStartedAt !== undefined
        ? `; its deployment started ${ago(b.deploymentStartedAt, now)}`
        : '';
  const evidence = [
    `${newest.taskDefinition}: ${plural(newest.failed, 'task')} failed in the last hour${newest.causes.length ? ` (${causesText(newest)})` : ''}, ${newest.running} running${first}`,
    ...(b.ecsFailedTasks > newest.failed
      ? [
          `ECS counts ${plural(b.ecsFailedTasks, 'failed task')} for deployment ${b.deploymentId ?? 'of ' + newest.taskDefinition}`,
        ]
      : []),
    `${previous.taskDefinition}: 0 failed, ${previous.running} running${previous.replaced ? `, ${previous.replaced} replaced by the new deployment` : ''}; ${b.steadyBecause}`,
  ];
  return {
    id: 'revision',
    severity: 'critical',
    title: `Tasks of ${newest.taskDefinition} keep failing (${plural(failed, 'failed task')}) where ${previous.taskDefinition} ran steady`,
    detail: `The new revision is the problem, not the capacity: rolling back to ${previous.taskDefinition} restores what ran, and the new revision can be fixed (its stopped tasks and logs say why) before it is deployed again.`,
    evidence,
  };
}
