import type { BotServiceChange } from '../approvals/api';
import type { ServiceSummary, TaskInfo } from '../ecs/model';

/**
 * A service's recent deployments, put back together. DescribeServices lists only the deployments ECS
 * still holds (the primary, and any it is replacing); older ones survive only in the service's events
 * ("has started N tasks: (task …)", "(deployment ecs-svc/…) deployment completed", "… deployment
 * failed"), in the tasks ECS still describes (each names the deployment that started it), and — for
 * those the bot made — in its change requests. Pure: the reads are gather.ts's.
 */

export type HistorySource = 'ecs' | 'events' | 'tasks' | 'bot';

export interface DeploymentRow {
  /** `ecs-svc/…`; undefined only for a bot change whose deployment id AWS did not return. */
  id?: string;
  /** family:revision, when any source names it. */
  taskDefinition?: string;
  /** PRIMARY or ACTIVE while ECS still holds it; undefined for history. */
  status?: string;
  /** IN_PROGRESS, COMPLETED or FAILED, when known. */
  rolloutState?: string;
  rolloutStateReason?: string;
  /** Counts while ECS still holds it. */
  counts?: { desired: number; running: number; pending: number; failed: number };
  /** When it started: ECS's createdAt, the bot's execution, or its first task start from the events. */
  createdAt?: number;
  /** ECS's updatedAt, or when the events say it completed or failed. */
  updatedAt?: number;
  /** Tasks the events say it started (those ECS still remembers). */
  startedTasks: number;
  /** Where what is shown comes from. */
  sources: HistorySource[];
  /** Set when the bot made it: who asked and who approved. */
  bot?: BotServiceChange;
  /** No source says how it ended, but a later deployment replaced it. */
  replaced?: boolean;
}

export interface DeploymentHistory {
  rows: DeploymentRow[];
  /** Rows beyond the limit. */
  more: number;
  /** Approved bot changes that started no deployment (scaling), newest first. */
  otherChanges: BotServiceChange[];
  /** Every source that contributed, in the order a reader trusts them. */
  sources: HistorySource[];
  /** The oldest event ECS still returns (history before it is gone). */
  oldestEventAt?: number;
}

export interface HistoryInput {
  service: ServiceSummary;
  /** Running and recently stopped tasks of the service (each names the deployment that started it). */
  tasks: TaskInfo[];
  /** The bot's approved changes of the service, newest first. */
  changes: BotServiceChange[];
  limit: number;
}

const DEPLOYMENT_ID = 'ecs-svc\\/[0-9A-Za-z]+';
const COMPLETED = new RegExp(`\\(?deployment (${DEPLOYMENT_ID})\\)? deployment completed`, 'i');
const FAILED = new RegExp(`\\(?deployment (${DEPLOYMENT_ID})\\)? deployment failed:?\\s*([^]*)`, 'i');
const STARTED = /has started (\d+) tasks?:?((?:\s*\(?task [0-9a-zA-Z-]+\)?)*)/i;
const TASK_IN_EVENT = /task ([0-9a-zA-Z-]+)/g;

/** Change kinds that start a new deployment of the service. */
const DEPLOYING: ReadonlySet<string> = new Set(['restart-service', 'rollback-service']);

const ORDER: HistorySource[] = ['ecs', 'events', 'tasks', 'bot'];

function at(r: DeploymentRow): number {
  return r.createdAt ?? r.updatedAt ?? 0;
}

export function buildHistory(input: HistoryInput): DeploymentHistory {
  const rows = new Map<string, DeploymentRow>();
  const row = (id: string, source: HistorySource): DeploymentRow => {
    let r = rows.get(id);
    if (!r) {
      r = { id, startedTasks: 0, sources: [] };
      rows.set(id, r);
    }
    if (!r.sources.includes(source)) r.sources.push(source);
    return r;
  };

  // 1. What ECS holds now: authoritative for everything it says.
  for (const d of input.service.deployments) {
    if (!d.id) continue;
    Object.assign(row(d.id, 'ecs'), {
      taskDefinition: d.taskDefinition || undefined,
      status: d.status,
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      counts: { desired: d.desired, running: d.running, pending: d.pending, failed: d.failedTasks },
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    });
  }

  // 2. The tasks ECS still describes: each names its deployment and runs its revision.
  const taskById = new Map(input.tasks.map((t) => [t.id, t]));
  for (const t of input.tasks) {
    if (!t.startedBy?.startsWith('ecs-svc/')) continue;
    const r = row(t.startedBy, 'tasks');
    r.taskDefinition ??= t.taskDefinition || undefined;
  }

  // 3. The events, oldest first: completions, failures, and the tasks each start launched.
  const events = [...input.service.events].sort((a, b) => a.at - b.at);
  const ends: { id: string; at: number }[] = [];
  const starts: { at: number; taskIds: string[]; n: number }[] = [];
  for (const e of events) {
    let m: RegExpExecArray | null;
    if ((m = COMPLETED.exec(e.message))) {
      const r = row(m[1], 'events');
      r.rolloutState ??= 'COMPLETED';
      if (!r.sources.includes('ecs')) r.updatedAt = e.at;
      ends.push({ id: m[1], at: e.at });
    } else if ((m = FAILED.exec(e.message))) {
      const r = row(m[1], 'events');
      if (!r.sources.includes('ecs')) {
        r.rolloutState = 'FAILED';
        r.rolloutStateReason ??= m[2].trim().replace(/\.$/, '') || undefined;
        r.updatedAt = e.at;
      }
      ends.push({ id: m[1], at: e.at });
    } else if ((m = STARTED.exec(e.message))) {
      starts.push({ at: e.at, n: Number(m[1]), taskIds: [...m[2].matchAll(TASK_IN_EVENT)].map((x) => x[1]) });
    }
  }
  // A start belongs to the deployment its tasks name; else to the next deployment that ended after it,
  // else (after the last end) to the primary.
  const primaryId = input.service.deployments.find((d) => d.status === 'PRIMARY')?.id;
  for (const s of starts) {
    const named = s.taskIds.map((id) => taskById.get(id)?.startedBy).find((b) => b?.startsWith('ecs-svc/'));
    const id = named ?? ends.find((x) => x.at >= s.at)?.id ?? primaryId;
    if (!id) continue;
    const r = row(id, 'events');
    r.startedTasks += s.n;
    if (!r.sources.includes('ecs') && !r.bot) r.createdAt = Math.min(r.createdAt ?? s.at, s.at);
  }

  // 4. The bot's changes: who asked and who approved; a deployment ECS has forgotten is still named.
  const otherChanges: BotServiceChange[] = [];
  const extra: DeploymentRow[] = [];
  for (const c of input.changes) {
    if (!c.deploymentId) {
      if (DEPLOYING.has(c.action)) {
        extra.push({
          taskDefinition: c.taskDefinition,
          createdAt: c.executedAt,
          startedTasks: 0,
          sources: ['bot'],
          bot: c,
          rolloutState: c.status === 'failed' ? 'FAILED' : undefined,
        });
      } else otherChanges.push(c);
      continue;
    }
    const r = row(c.deploymentId, 'bot');
    r.bot = c;
    r.taskDefinition ??= c.taskDefinition;
    if (!r.sources.includes('ecs')) r.createdAt = c.executedAt ?? r.createdAt;
  }

  const all = [...rows.values(), ...extra].sort((a, b) => at(b) - at(a) || (a.status === 'PRIMARY' ? -1 : 0));
  all.forEach((r, i) => {
    if (i > 0 && !r.rolloutState && !r.status) r.replaced = true;
  });
  const used = new Set(all.flatMap((r) => r.sources));
  if (otherChanges.length) used.add('bot');
  return {
    rows: all.slice(0, input.limit),
    more: Math.max(0, all.length - input.limit),
    otherChanges,
    sources: ORDER.filter((s) => used.has(s)),
    oldestEventAt: events[0]?.at,
  };
}
