import type { ContainerDefinitionInfo, ServiceSummary, TaskDefinitionInfo } from './model';

/**
 * What a rollback changes: the difference between the task-definition revision a service runs and the one
 * it would go back to, as plain JSON (it is stored with the change request and rendered on its card).
 * Environment variables and secrets appear by NAME only: the model never holds their values.
 */

/** A value before and after; only present when it differs. */
export interface Change<T> {
  from?: T;
  to?: T;
}

export interface ContainerDiff {
  name: string;
  /** added: only in the target; removed: only in the current revision. */
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** The image the container runs after the rollback (or ran, when removed). */
  image?: string;
  imageChange?: Change<string>;
  cpu?: Change<number>;
  memory?: Change<number>;
  memoryReservation?: Change<number>;
  essential?: Change<boolean>;
  envAdded: string[];
  envRemoved: string[];
  secretsAdded: string[];
  secretsRemoved: string[];
  /** Port mappings as `8080/tcp` or `8080/tcp on host 80`. */
  portsAdded: string[];
  portsRemoved: string[];
}

export interface RevisionDiff {
  /** family:revision the service runs now, and the one it goes to. */
  from: string;
  to: string;
  task: {
    cpu?: Change<number>;
    memory?: Change<number>;
    networkMode?: Change<string>;
    taskRole?: Change<string>;
    executionRole?: Change<string>;
  };
  containers: ContainerDiff[];
  /** The service's deployment configuration: a rollback keeps it, but it decides how the rollback goes. */
  deployment: {
    circuitBreaker?: { enable: boolean; rollback: boolean };
    minimumHealthyPercent?: number;
    maximumPercent?: number;
  };
}

function change<T>(from: T | undefined, to: T | undefined): Change<T> | undefined {
  return from === to ? undefined : { from, to };
}

const port = (p: { containerPort?: number; hostPort?: number; protocol?: string }): string =>
  `${p.containerPort ?? '?'}/${p.protocol ?? 'tcp'}${p.hostPort ? ` on host ${p.hostPort}` : ''}`;

/** Items of `b` not in `a`, in b's order, without repeats. */
function minus(b: readonly string[], a: readonly string[]): string[] {
  const seen = new Set(a);
  return [...new Set(b)].filter((x) => !seen.has(x));
}

function containerDiff(
  from: ContainerDefinitionInfo | undefined,
  to: ContainerDefinitionInfo | undefined,
): ContainerDiff {
  const envFrom = from?.environmentNames ?? [];
  const envTo = to?.environmentNames ?? [];
  const secFrom = from?.secretNames ?? [];
  const secTo = to?.secretNames ?? [];
  const portsFrom = (from?.portMappings ?? []).map(port);
  const portsTo = (to?.portMappings ?? []).map(port);
  const d: ContainerDiff = {
    name: (to ?? from)!.name,
    change: !from ? 'added' : !to ? 'removed' : 'unchanged',
    image: (to ?? from)!.image,
    imageChange: from && to ? change(from.image, to.image) : undefined,
    cpu: from && to ? change(from.cpu, to.cpu) : undefined,
    memory: from && to ? change(from.memory, to.memory) : undefined,
    memoryReservation: from && to ? change(from.memoryReservation, to.memoryReservation) : undefined,
    essential: from && to ? change(from.essential, to.essential) : undefined,
    envAdded: minus(envTo, envFrom),
    envRemoved: minus(envFrom, envTo),
    secretsAdded: minus(secTo, secFrom),
    secretsRemoved: minus(secFrom, secTo),
    portsAdded: minus(portsTo, portsFrom),
    portsRemoved: minus(portsFrom, portsTo),
  };
  const changed =
    d.imageChange ||
    d.cpu ||
    d.memory ||
    d.memoryReservation ||
    d.essential ||
    d.envAdded.length ||
    d.envRemoved.length ||
    d.secretsAdded.length ||
    d.secretsRemoved.length ||
    d.portsAdded.length ||
    d.portsRemoved.length;
  if (d.change === 'unchanged' && changed) d.change = 'changed';
  // Undefined members are dropped so the stored JSON stays small and compares equal after a round trip.
  return JSON.parse(JSON.stringify(d)) as ContainerDiff;
}

/** The diff from the revision a service runs (`from`) to the one a rollback deploys (`to`). Pure. */
export function diffRevisions(
  from: TaskDefinitionInfo,
  to: TaskDefinitionInfo,
  svc: Pick<ServiceSummary, 'circuitBreaker' | 'minimumHealthyPercent' | 'maximumPercent'>,
): RevisionDiff {
  const names = [...new Set([...to.containers.map((c) => c.name), ...from.containers.map((c) => c.name)])];
  const diff: RevisionDiff = {
    from: `${from.family}:${from.revision}`,
    to: `${to.family}:${to.revision}`,
    task: {
      cpu: change(from.taskCpu, to.taskCpu),
      memory: change(from.taskMemory, to.taskMemory),
      networkMode: change(from.networkMode, to.networkMode),
      taskRole: change(from.taskRoleArn, to.taskRoleArn),
      executionRole: change(from.executionRoleArn, to.executionRoleArn),
    },
    containers: names.map((n) =>
      containerDiff(
        from.containers.find((c) => c.name === n),
        to.containers.find((c) => c.name === n),
      ),
    ),
    deployment: {
      circuitBreaker: svc.circuitBreaker,
      minimumHealthyPercent: svc.minimumHealthyPercent,
      maximumPercent: svc.maximumPercent,
    },
  };
  return JSON.parse(JSON.stringify(diff)) as RevisionDiff;
}

/** True when the two revisions differ in anything the diff shows. */
export function revisionsDiffer(d: RevisionDiff): boolean {
  return Object.keys(d.task).length > 0 || d.containers.some((c) => c.change !== 'unchanged');
}

// ---------------------------------------------------------------------------------------------
// Which revision a rollback names or goes back to

/** A task-definition revision as the requester named it: `family:N`, `N` (the service's family) or an ARN. */
export interface RevisionRef {
  family?: string;
  revision: number;
  /** From an ARN: where the revision lives (a service deploys only revisions of its own account and region). */
  region?: string;
  account?: string;
}

const FAMILY = '[A-Za-z0-9_-]{1,255}';
const REVISION = '([1-9][0-9]{0,8})';
const ARN_RE = new RegExp(`^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\\d{12}):task-definition/(${FAMILY}):${REVISION}$`);
const REF_RE = new RegExp(`^(${FAMILY}):${REVISION}$`);
const NUM_RE = new RegExp(`^${REVISION}$`);

/** Parses a revision the requester typed; undefined when it is none of the three forms. */
export function parseRevisionRef(text: string): RevisionRef | undefined {
  const arn = ARN_RE.exec(text);
  if (arn) return { region: arn[1], account: arn[2], family: arn[3], revision: Number(arn[4]) };
  const ref = REF_RE.exec(text);
  if (ref) return { family: ref[1], revision: Number(ref[2]) };
  const num = NUM_RE.exec(text);
  return num ? { revision: Number(num[1]) } : undefined;
}

/** `family:3` → { family, revision }; undefined when it is not that form. */
export function splitTaskDefRef(ref: string): { family: string; revision: number } | undefined {
  const m = REF_RE.exec(ref);
  return m ? { family: m[1], revision: Number(m[2]) } : undefined;
}

/** Why a default rollback target was chosen. */
export type RollbackBasis =
  /** The service still lists the earlier deployment of it, which had completed. */
  | 'previous-deployment'
  /** ECS no longer lists an earlier deployment: the newest earlier ACTIVE revision of the family. */
  | 'earlier-revision';

export interface RollbackTarget {
  /** family:revision */
  taskDefinition: string;
  basis: RollbackBasis;
}

/**
 * The revision a rollback goes back to when none is named: the revision of the service's newest earlier
 * deployment that completed (ECS lists it while a newer deployment is under way or failed), else the
 * newest ACTIVE revision of the family older than the current one. Revisions whose deployment failed
 * are never chosen. `activeRevisions` are the family's ACTIVE revision numbers. Pure.
 */
export function previousSteadyRevision(
  svc: Pick<ServiceSummary, 'taskDefinition' | 'deployments'>,
  activeRevisions: readonly number[],
): RollbackTarget | undefined {
  const current = splitTaskDefRef(svc.taskDefinition);
  if (!current) return undefined;
  const active = new Set(activeRevisions);
  const failed = new Set(svc.deployments.filter((d) => d.rolloutState === 'FAILED').map((d) => d.taskDefinition));
  const earlier = svc.deployments
    .filter((d) => d.status !== 'PRIMARY' && d.rolloutState === 'COMPLETED')
    .filter((d) => d.taskDefinition !== svc.taskDefinition && !failed.has(d.taskDefinition))
    .filter((d) => {
      const r = splitTaskDefRef(d.taskDefinition);
      return r?.family === current.family && active.has(r.revision);
    })
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
  if (earlier) return { taskDefinition: earlier.taskDefinition, basis: 'previous-deployment' };
  const older = [...active]
    .filter((r) => r < current.revision && !failed.has(`${current.family}:${r}`))
    .sort((a, b) => b - a)[0];
  return older === undefined ? undefined : { taskDefinition: `${current.family}:${older}`, basis: 'earlier-revision' };
}

/** Up to `n` revisions closest to `wanted`, in order: what to name when the one asked for does not exist. */
export function nearbyRevisions(revisions: readonly number[], wanted: number, n = 5): number[] {
  return [...new Set(revisions)]
    .sort((a, b) => Math.abs(a - wanted) - Math.abs(b - wanted) || b - a)
    .slice(0, n)
    .sort((a, b) => a - b);
}
