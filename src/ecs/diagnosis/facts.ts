import { isFargate, placedPendingTasks, planServiceCapacity, type CapacityPlan } from '../capacity';
import type { TaskInfo } from '../model';
import { parseEvents, sinceSteady, type ParsedEvent, type PlacementReason } from './events';
import { summariseStops, type StopSummary } from './stop-causes';
import { chooseGroup, type GroupChoice } from './groups';
import type { AsgInfo, DiagnosisInput } from './types';

/** Facts several rules share, computed once from the input. */
export interface Facts {
  fargate: boolean;
  /** Every parsed service event, newest first. */
  events: ParsedEvent[];
  /** Events since the last steady state. */
  recent: ParsedEvent[];
  lastSteadyAt?: number;
  /** Live tasks not yet RUNNING (PROVISIONING, PENDING, ACTIVATING). */
  pendingTasks: TaskInfo[];
  /** Pending tasks already placed on a container instance (starting, not waiting for room). */
  placedPending: number;
  /** When the service fell short of its desired count, when that can be told. */
  shortfallSince?: number;
  placement: PlacementSummary;
  capacity?: CapacityPlan;
  stops: StopSummary;
  /** The Auto Scaling group more instances come from: the cluster's only one, or the one chosen among several. */
  asg?: AsgInfo;
  /** How the group was chosen, when the cluster has several. */
  groupChoice?: GroupChoice;
}

export interface PlacementGroup {
  reason: PlacementReason;
  count: number;
  firstAt: number;
  lastAt: number;
  /** Closest-matching container instances named by the events. */
  instances: string[];
}

export interface PlacementSummary {
  total: number;
  firstAt?: number;
  lastAt?: number;
  /** Most frequent first. */
  groups: PlacementGroup[];
}

const NOT_YET_RUNNING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export function summarisePlacement(events: ParsedEvent[]): PlacementSummary {
  const groups = new Map<PlacementReason, PlacementGroup>();
  for (const e of events) {
    if (e.kind !== 'placement') continue;
    const g = groups.get(e.reason) ?? { reason: e.reason, count: 0, firstAt: e.at, lastAt: e.at, instances: [] };
    g.count += 1;
    g.firstAt = Math.min(g.firstAt, e.at);
    g.lastAt = Math.max(g.lastAt, e.at);
    if (e.instance && !g.instances.includes(e.instance)) g.instances.push(e.instance);
    groups.set(e.reason, g);
  }
  const list = [...groups.values()].sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
  const total = list.reduce((a, g) => a + g.count, 0);
  return {
    total,
    firstAt: total ? Math.min(...list.map((g) => g.firstAt)) : undefined,
    lastAt: total ? Math.max(...list.map((g) => g.lastAt)) : undefined,
    groups: list,
  };
}

export function computeFacts(input: DiagnosisInput): Facts {
  const { service, now } = input;
  const fargate = isFargate(service);
  const events = parseEvents(service.events);
  const { since: recent, lastSteadyAt } = sinceSteady(events, now);
  const live = (input.tasks ?? []).filter((t) => t.desiredStatus === 'RUNNING');
  const pendingTasks = live.filter((t) => NOT_YET_RUNNING.has(t.lastStatus));
  const placedPending = fargate ? pendingTasks.length : placedPendingTasks(live);
  const placement = summarisePlacement(recent);
  const short = service.running < service.desired;
  const starts = [
    ...pendingTasks.map((t) => t.createdAt).filter((x): x is number => x !== undefined),
    ...(placement.firstAt !== undefined ? [placement.firstAt] : []),
  ];
  const shortfallSince = short && starts.length > 0 ? Math.min(...starts) : undefined;

  const groupChoice = fargate ? undefined : chooseGroup(input);
  const asg = input.asg ?? groupChoice?.chosen;
  let capacity: CapacityPlan | undefined;
  if (!fargate && input.instances && input.taskDefinition) {
    capacity = planServiceCapacity({
      service,
      taskDefinition: input.taskDefinition,
      instances: input.instances,
      tasks: input.tasks,
      newInstanceType: asg?.instanceType,
    });
  }
  return {
    fargate,
    events,
    recent,
    lastSteadyAt,
    pendingTasks,
    placedPending,
    shortfallSince,
    placement,
    capacity,
    stops: summariseStops(input.stoppedTasks ?? [], now),
    asg,
    groupChoice,
  };
}
