import type { PlacementReason } from './events';
import type { Facts, PlacementGroup } from './facts';
import { ago, shortId } from './format';
import { plural } from '../../util/text';
import type { DiagnosisInput, Finding } from './types';

const WHAT: Record<PlacementReason, string> = {
  memory: 'insufficient memory',
  cpu: 'insufficient CPU',
  port: 'a host port already in use',
  attribute: 'a missing attribute (placement constraint or platform requirement)',
  agent: 'a disconnected ECS agent',
  'no-instances': 'no container instances in the cluster',
  'capacity-unavailable': 'no Fargate capacity in the Availability Zone',
  other: 'no instance meeting the task’s requirements',
};

const ADVICE: Record<PlacementReason, string> = {
  memory: 'More instances (or larger ones) give the tasks room; so does a smaller desired count.',
  cpu: 'More instances (or larger ones) give the tasks room; so does a smaller desired count.',
  port: 'The task maps a fixed host port, so one instance runs at most one task: use dynamic host ports (hostPort 0) or awsvpc, or add instances.',
  attribute:
    'Check the service’s placement constraints and the task definition’s requirements (instance type, OS, attributes) against the instances.',
  agent: 'An instance’s ECS agent is disconnected: restart the agent or replace the instance.',
  'no-instances':
    'The cluster has no registered container instance: check the Auto Scaling group and that its instances join this cluster (ECS_CLUSTER in user data).',
  'capacity-unavailable':
    'AWS has no Fargate capacity for this task size in the subnets’ zones right now: add subnets in other zones or retry later.',
  other: 'Read the service events in the console for the full reason.',
};

function line(g: PlacementGroup, now: number): string {
  const where =
    g.instances.length > 0
      ? ` (closest: container-instance ${g.instances.slice(0, 3).map(shortId).join(', ')}${g.instances.length > 3 ? ` and ${g.instances.length - 3} more` : ''})`
      : '';
  const when = g.count > 1 ? `, first ${ago(g.firstAt, now)}, last ${ago(g.lastAt, now)}` : `, ${ago(g.lastAt, now)}`;
  return `${g.count} × ${WHAT[g.reason]}${where}${when}`;
}

/** Placement failures from the service events since the last steady state: counted, summarised, not pasted. */
export function placementFinding(input: DiagnosisInput, f: Facts): Finding | undefined {
  const p = f.placement;
  if (p.total === 0) {
    if (input.service.running >= input.service.desired) return undefined;
    return {
      id: 'placement',
      severity: 'ok',
      title: 'No placement failures in the service events',
      detail: 'ECS has not reported a task it could not place since the service was last steady.',
      evidence: [],
    };
  }
  const top = p.groups[0];
  const resolved = input.service.running >= input.service.desired && input.service.pending === 0;
  return {
    id: 'placement',
    severity: resolved ? 'info' : 'critical',
    title: `ECS could not place tasks: ${WHAT[top.reason]} (${plural(p.total, 'placement failure')} since the last steady state)`,
    detail: resolved ? 'The service has caught up since; these failures are history.' : ADVICE[top.reason],
    evidence: p.groups.map((g) => line(g, input.now)),
  };
}
