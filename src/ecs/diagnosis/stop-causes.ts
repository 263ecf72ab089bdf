import type { TaskInfo } from '../model';

/**
 * Why a task stopped, read from its stopCode, stoppedReason and containers' exit codes and reasons.
 * The checks run in order: an OOM kill is also an essential container exiting, and a failed health
 * check is also a scheduler-initiated stop, so the more specific cause wins.
 */
export type StopCause =
  | 'oom'
  | 'killed'
  | 'image-pull'
  | 'init'
  | 'health-check'
  | 'failed-to-start'
  | 'essential-exit'
  | 'infrastructure'
  | 'scaling'
  | 'user'
  | 'other';

/** Stops that are the service doing its job (scaling, deployments, someone stopping a task). */
export const BENIGN_CAUSES: ReadonlySet<StopCause> = new Set(['scaling', 'user']);

const OOM = /OutOfMemory|out of memory|\bOOM\b/i;
const PULL =
  /CannotPullContainerError|pull image|pull access denied|manifest (?:for \S+ )?(?:unknown|not found)|ImagePull/i;
const INIT = /ResourceInitializationError/i;
const HEALTH = /health ?checks?/i;
const START =
  /CannotStartContainerError|CannotCreateContainerError|CannotInspectContainerError|ContainerRuntimeError|ContainerRuntimeTimeoutError/i;
const ESSENTIAL = /Essential container in task exited/i;
const INFRA = /terminat|spot interruption|draining|Host EC2|instance .*(?:stopped|retired)/i;

export interface ClassifiedStop {
  task: TaskInfo;
  cause: StopCause;
  /** Containers that exited non-zero (or were killed), with their codes. */
  exits: { name: string; exitCode?: number; reason?: string }[];
  /** The most telling reason text (container reason for pull/OOM, else stoppedReason). */
  reason: string;
}

export function classifyStop(t: TaskInfo): ClassifiedStop {
  const stopped = t.stoppedReason ?? '';
  const containerReasons = t.containers.map((c) => c.reason ?? '').filter(Boolean);
  const all = [stopped, ...containerReasons].join(' | ');
  const exits = t.containers
    .filter((c) => (c.exitCode !== undefined && c.exitCode !== 0) || !!c.reason)
    .map((c) => ({ name: c.name, exitCode: c.exitCode, reason: c.reason }));
  const pick = (re: RegExp) => containerReasons.find((r) => re.test(r)) ?? (re.test(stopped) ? stopped : undefined);
  const code = t.stopCode ?? '';
  let cause: StopCause;
  let reason = stopped;
  if (OOM.test(all)) {
    cause = 'oom';
    reason = pick(OOM) ?? stopped;
  } else if (PULL.test(all)) {
    cause = 'image-pull';
    reason = pick(PULL) ?? stopped;
  } else if (INIT.test(all)) {
    cause = 'init';
    reason = pick(INIT) ?? stopped;
  } else if (HEALTH.test(stopped)) {
    cause = 'health-check';
  } else if (START.test(all)) {
    cause = 'failed-to-start';
    reason = pick(START) ?? stopped;
  } else if (t.containers.some((c) => c.exitCode === 137)) {
    cause = 'killed';
  } else if (code === 'EssentialContainerExited' || ESSENTIAL.test(stopped)) {
    cause = 'essential-exit';
  } else if (code === 'TaskFailedToStart') {
    cause = 'failed-to-start';
  } else if (
    code === 'SpotInterruption' ||
    code === 'TerminationNotice' ||
    code === 'InfrastructureHealth' ||
    INFRA.test(stopped)
  ) {
    cause = 'infrastructure';
  } else if (code === 'ServiceSchedulerInitiated') {
    cause = 'scaling';
  } else if (code === 'UserInitiated') {
    cause = 'user';
  } else {
    cause = 'other';
  }
  return { task: t, cause, exits, reason: reason || code || 'no reason given' };
}

export interface StopGroup {
  cause: StopCause;
  count: number;
  lastAt: number;
  /** Distinct reasons, most frequent first. */
  reasons: { text: string; count: number }[];
  /** Distinct container exit codes seen ("api exit 137"). */
  exits: string[];
}

export interface StopSummary {
  /** Tasks that stopped for a reason worth acting on (not scaling, not a user, not the infrastructure). */
  failures: number;
  infrastructure: number;
  benign: number;
  /** Largest group first. */
  groups: StopGroup[];
  windowMs: number;
}

export function summariseStops(tasks: TaskInfo[], now: number, windowMs = 3_600_000): StopSummary {
  const recent = tasks.filter((t) => (t.stoppedAt ?? t.createdAt ?? now) >= now - windowMs).map(classifyStop);
  const groups = new Map<StopCause, StopGroup>();
  for (const c of recent) {
    const at = c.task.stoppedAt ?? c.task.createdAt ?? now;
    const g = groups.get(c.cause) ?? { cause: c.cause, count: 0, lastAt: 0, reasons: [], exits: [] };
    g.count += 1;
    g.lastAt = Math.max(g.lastAt, at);
    const r = g.reasons.find((x) => x.text === c.reason);
    if (r) r.count += 1;
    else g.reasons.push({ text: c.reason, count: 1 });
    for (const e of c.exits) {
      if (e.exitCode === undefined) continue;
      const label = `${e.name} exit ${e.exitCode}`;
      if (!g.exits.includes(label)) g.exits.push(label);
    }
    groups.set(c.cause, g);
  }
  for (const g of groups.values()) g.reasons.sort((a, b) => b.count - a.count);
  const list = [...groups.values()].sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
  const count = (pred: (c: StopCause) => boolean) => list.filter((g) => pred(g.cause)).reduce((a, g) => a + g.count, 0);
  return {
    failures: count((c) => !BENIGN_CAUSES.has(c) && c !== 'infrastructure'),
    infrastructure: count((c) => c === 'infrastructure'),
    benign: count((c) => BENIGN_CAUSES.has(c)),
    groups: list,
    windowMs,
  };
}

/** Causes whose container wrote something worth reading before it stopped. */
const LOGGED_FAILURES = new Set<StopCause>([
  'oom',
  'killed',
  'health-check',
  'failed-to-start',
  'essential-exit',
  'other',
]);

/**
 * The container to show the last log lines of: in the most recent stop that failed in the container
 * itself (not an image pull, not scaling, a user or the infrastructure), the container the stop names —
 * the one killed for memory, else one that exited non-zero, else the first with a reason.
 */
export function pickStoppedContainer(
  tasks: TaskInfo[],
  now: number,
  windowMs = 3_600_000,
): { task: TaskInfo; container: string; exitCode?: number; reason: string } | undefined {
  const failed = tasks
    .filter((t) => (t.stoppedAt ?? t.createdAt ?? now) >= now - windowMs)
    .map(classifyStop)
    .filter((c) => LOGGED_FAILURES.has(c.cause))
    .sort((a, b) => (b.task.stoppedAt ?? 0) - (a.task.stoppedAt ?? 0));
  const c = failed[0];
  if (!c) return undefined;
  const exit =
    c.exits.find((e) => OOM.test(e.reason ?? '')) ??
    c.exits.find((e) => e.exitCode !== undefined && e.exitCode !== 0) ??
    c.exits[0];
  const name = exit?.name ?? c.task.containers[0]?.name;
  if (!name) return undefined;
  return { task: c.task, container: name, exitCode: exit?.exitCode, reason: exit?.reason || c.reason };
}
