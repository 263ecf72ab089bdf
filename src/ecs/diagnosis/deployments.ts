import type { DeploymentInfo } from '../model';
import type { Facts } from './facts';
import { ago, duration, oneLine } from './format';
import { plural } from '../../util/text';
import type { DiagnosisInput, Finding } from './types';

/** A rolling deployment still in progress after this long is stuck. */
export const DEPLOYMENT_STUCK_MS = 15 * 60_000;
/** Circuit-breaker failures older than this are history, not the incident. */
const FAILURE_WINDOW_MS = 24 * 3_600_000;

function describe(d: DeploymentInfo, now: number): string {
  const age = d.createdAt !== undefined ? `, started ${ago(d.createdAt, now)}` : '';
  const state = d.rolloutState ? ` ${d.rolloutState}` : '';
  const failed = d.failedTasks > 0 ? `, ${plural(d.failedTasks, 'failed task')}` : '';
  return `${d.status}${state} ${d.id}: ${d.taskDefinition}, ${d.running}/${d.desired} running, ${d.pending} pending${failed}${age}`;
}

/** What the circuit breaker did lately: the failed deployment and the events that say so. */
export function circuitBreakerActivity(input: DiagnosisInput, f: Facts) {
  const { service, now } = input;
  const recentEvents = f.events.filter((e) => e.at >= now - FAILURE_WINDOW_MS);
  const failedEvent = recentEvents.find((e) => e.kind === 'deployment-failed');
  const rollback = recentEvents.find((e) => e.kind === 'rollback');
  const failed = service.deployments.find(
    (d) => d.rolloutState === 'FAILED' && (d.updatedAt ?? d.createdAt ?? now) >= now - FAILURE_WINDOW_MS,
  );
  return { failed, failedEvent, rollback, any: !!(failed || failedEvent) };
}

/** Deployments stuck, failed, or rolled back by the circuit breaker. */
export function deploymentFinding(input: DiagnosisInput, f: Facts): Finding | undefined {
  const { service, now } = input;
  const deployments = service.deployments;
  if (deployments.length === 0) return undefined;
  const primary = deployments.find((d) => d.status === 'PRIMARY') ?? deployments[0];
  const evidence = deployments.slice(0, 4).map((d) => describe(d, now));
  const { failed, failedEvent, rollback } = circuitBreakerActivity(input, f);
  for (const e of [failedEvent, rollback]) if (e) evidence.push(`${ago(e.at, now)}: "${oneLine(e.message, 200)}"`);

  if (failed || failedEvent) {
    const why = oneLine(
      failed?.rolloutStateReason ??
        (failedEvent?.kind === 'deployment-failed' ? failedEvent.why : undefined) ??
        'no reason given',
      200,
    );
    if (rollback || (failed && failed !== primary)) {
      const back = primary.status === 'PRIMARY' && failed !== primary ? ` to ${primary.taskDefinition}` : '';
      return {
        id: 'deployment',
        severity: primary.rolloutState === 'COMPLETED' ? 'warning' : 'critical',
        title: `The deployment circuit breaker rolled back${failed ? ` ${failed.taskDefinition}` : ''}${back}: ${why}`,
        detail:
          'The new revision never became healthy, so ECS went back to the last working one. Fix the revision (see the stopped tasks) before deploying again.',
        evidence,
      };
    }
    return {
      id: 'deployment',
      severity: 'critical',
      title: `Deployment of ${primary.taskDefinition} failed: ${why}`,
      detail: service.circuitBreaker?.rollback
        ? 'The circuit breaker stopped the deployment.'
        : 'The circuit breaker stopped the deployment and rollback is off: the service stays on the failed revision until a new deployment.',
      evidence,
    };
  }
  if (primary.rolloutState === 'IN_PROGRESS') {
    const age = primary.createdAt !== undefined ? now - primary.createdAt : undefined;
    const stuck = age !== undefined && age >= DEPLOYMENT_STUCK_MS;
    const others = deployments.filter((d) => d !== primary && d.running > 0);
    return {
      id: 'deployment',
      severity: stuck ? 'warning' : 'info',
      title: `Deployment of ${primary.taskDefinition} in progress${age !== undefined ? ` for ${duration(age)}` : ''}: ${primary.running} of ${primary.desired} new tasks running`,
      detail: stuck
        ? `It is taking longer than ${duration(DEPLOYMENT_STUCK_MS)}${
            others.length
              ? `, and the previous deployment still runs ${plural(
                  others.reduce((a, d) => a + d.running, 0),
                  'task',
                )}`
              : ''
          }: new tasks are not becoming healthy or cannot be placed.${service.circuitBreaker?.enable ? '' : ' The circuit breaker is off, so ECS will keep trying.'}`
        : 'ECS is replacing tasks; give it a few minutes.',
      evidence,
    };
  }
  return {
    id: 'deployment',
    severity: 'ok',
    title: `No deployment in progress (${primary.taskDefinition} deployed${primary.createdAt !== undefined ? ` ${ago(primary.createdAt, now)}` : ''})`,
    detail: 'No deployment is in progress or failing.',
    evidence,
  };
}
