import type { ServiceEvent } from '../model';

/**
 * Service event messages (DescribeServices `events`, newest first) read into what they say. ECS writes
 * them in English with the ids in parentheses (older messages without); both forms are accepted.
 */
export type PlacementReason =
  'memory' | 'cpu' | 'port' | 'attribute' | 'agent' | 'no-instances' | 'capacity-unavailable' | 'other';

export type EventKind =
  | { kind: 'placement'; reason: PlacementReason; instance?: string }
  | { kind: 'steady' }
  | { kind: 'cannot-start' }
  | { kind: 'deployment-failed'; deployment?: string; why?: string }
  | { kind: 'rollback'; to?: string }
  | { kind: 'deployment-completed' }
  | { kind: 'unhealthy'; task?: string; target?: string }
  | { kind: 'throttled' }
  | { kind: 'other' };

export type ParsedEvent = ServiceEvent & EventKind;

const INSUFFICIENT = /closest matching \(?container-instance (\S+?)\)? has insufficient (memory|CPU units) available/i;
const PORT = /closest matching \(?container-instance (\S+?)\)? is already using a port required by your task/i;
const ATTRIBUTE = /closest matching \(?container-instance (\S+?)\)? is missing an attribute required by your task/i;
const AGENT = /closest matching \(?container-instance (\S+?)\)? encountered error "?AGENT"?/i;
const NO_INSTANCES = /no container instances were found/i;
const CAPACITY = /unable to place a task\.? Reason: Capacity is unavailable/i;
const UNABLE = /was unable to place a task/i;
const STEADY = /has reached a steady state/i;
const CANNOT_START = /is unable to consistently start tasks successfully/i;
const DEPLOY_FAILED = /\(?deployment (ecs-svc\/\S+?)\)? deployment failed:?\s*([^.]*)/i;
const ROLLBACK = /rolling back to (?:deployment )?\(?(ecs-svc\/[^\s).]+)?/i;
const DEPLOY_DONE = /deployment (?:\(?ecs-svc\/\S+?\)? )?(?:deployment )?completed/i;
const UNHEALTHY = /\(task (\S+?)\)\s+failed (?:container|ELB) health checks|is unhealthy in \(?target-group (\S+?)\)?/i;
const THROTTLED = /operations are being throttled/i;

export function parseEvent(e: ServiceEvent): ParsedEvent {
  const m = e.message;
  let r: RegExpExecArray | null;
  if ((r = INSUFFICIENT.exec(m)))
    return { ...e, kind: 'placement', reason: /memory/i.test(r[2]) ? 'memory' : 'cpu', instance: r[1] };
  if ((r = PORT.exec(m))) return { ...e, kind: 'placement', reason: 'port', instance: r[1] };
  if ((r = ATTRIBUTE.exec(m))) return { ...e, kind: 'placement', reason: 'attribute', instance: r[1] };
  if ((r = AGENT.exec(m))) return { ...e, kind: 'placement', reason: 'agent', instance: r[1] };
  if (NO_INSTANCES.test(m)) return { ...e, kind: 'placement', reason: 'no-instances' };
  if (CAPACITY.test(m)) return { ...e, kind: 'placement', reason: 'capacity-unavailable' };
  if (UNABLE.test(m)) return { ...e, kind: 'placement', reason: 'other' };
  if (STEADY.test(m)) return { ...e, kind: 'steady' };
  if (CANNOT_START.test(m)) return { ...e, kind: 'cannot-start' };
  if ((r = DEPLOY_FAILED.exec(m)))
    return { ...e, kind: 'deployment-failed', deployment: r[1], why: r[2]?.trim() || undefined };
  if ((r = ROLLBACK.exec(m))) return { ...e, kind: 'rollback', to: r[1] };
  if (DEPLOY_DONE.test(m)) return { ...e, kind: 'deployment-completed' };
  if ((r = UNHEALTHY.exec(m))) return { ...e, kind: 'unhealthy', task: r[1], target: r[2] };
  if (THROTTLED.test(m)) return { ...e, kind: 'throttled' };
  return { ...e, kind: 'other' };
}

/** Newest first, as ECS returns them. */
export function parseEvents(events: ServiceEvent[]): ParsedEvent[] {
  return [...events].sort((a, b) => b.at - a.at).map(parseEvent);
}

/** Events since the service was last in a steady state (all of them when it never was), within `windowMs`. */
export function sinceSteady(
  events: ParsedEvent[],
  now: number,
  windowMs = 24 * 3_600_000,
): { since: ParsedEvent[]; lastSteadyAt?: number } {
  const lastSteadyAt = events.find((e) => e.kind === 'steady')?.at;
  const since = events.filter((e) => e.at >= now - windowMs && (lastSteadyAt === undefined || e.at > lastSteadyAt));
  return { since, lastSteadyAt };
}
