import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AppContext } from '../../context';
import { UsageError } from '../../errors';
import { EcsReader } from '../../aws/ecs';
import { awsCall } from '../../aws/errors';
import type { ServiceSummary } from '../../ecs/model';
import { plural } from '../../util/text';
import type { ChangeExecutor, ChangePlan, ChangeProposal, StateValue } from '../types';

/** The revision a restart deploys again: the card names it, and a different one at approval time stops the change. */
const revision = (svc: ServiceSummary): StateValue => ({ value: svc.taskDefinition, label: svc.taskDefinition });

/** What may make the restart go wrong or not do what the requester expects. Pure, for tests. */
export function restartWarnings(svc: ServiceSummary): string[] {
  const w: string[] = [];
  const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
  if (svc.deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS')
    w.push(
      `A deployment is already in progress (${plural(svc.deployments.length, 'deployment')}); the restart starts another one that replaces it.`,
    );
  if (!svc.circuitBreaker?.enable)
    w.push(
      'The deployment circuit breaker is off: if the new tasks fail to start, ECS keeps retrying and does not roll back.',
    );
  else if (!svc.circuitBreaker.rollback)
    w.push('The deployment circuit breaker stops a failing deployment but does not roll it back (rollback is off).');
  if (svc.pending > 0)
    w.push(
      `${plural(svc.pending, 'task is', 'tasks are')} PENDING now: a restart does not add capacity, and the new tasks need room beside the old ones until they run.`,
    );
  return w;
}

/** restart-service: UpdateService forceNewDeployment on the same task definition. */
export const restartServiceExecutor: ChangeExecutor = {
  validate(p: ChangeProposal) {
    if (!p.service) throw new UsageError('a service is required: /ecs restart <cluster>/<service>');
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const reader = new EcsReader(ctx.aws.ecs);
    await reader.getCluster(p.cluster);
    const svc = await reader.getService(p.cluster, p.service as string);
    if (svc.status !== 'ACTIVE')
      throw new UsageError(
        `service ${svc.cluster}/${svc.name} is ${svc.status}; only an ACTIVE service can be restarted`,
      );
    if (svc.desired === 0)
      throw new UsageError(
        `${svc.cluster}/${svc.name} has a desired count of 0: there are no tasks to restart (scale it up instead)`,
      );
    const cb = svc.circuitBreaker;
    return {
      action: 'restart-service',
      cluster: svc.cluster,
      service: svc.name,
      target: `${svc.cluster}/${svc.name}`,
      summary: `Restart service ${svc.cluster}/${svc.name}: a new deployment of ${svc.taskDefinition}`,
      current: revision(svc),
      requested: { value: svc.taskDefinition, label: `new deployment of ${svc.taskDefinition}` },
      details: [
        `Running ${svc.running} · pending ${svc.pending} · desired ${svc.desired}`,
        `Task definition ${svc.taskDefinition} (unchanged)`,
        `Deployment circuit breaker: ${cb?.enable ? `on, rollback ${cb.rollback ? 'on' : 'off'}` : 'off'}`,
      ],
      effects: [
        `Every task of the service is replaced by a new task of ${svc.taskDefinition}, as the deployment configuration allows (old tasks stop once new ones run).`,
      ],
      warnings: restartWarnings(svc),
      data: {},
    };
  },

  async readCurrent(ctx, plan) {
    return revision(await new EcsReader(ctx.aws.ecs).getService(plan.cluster, plan.service as string));
  },

  async execute(ctx, plan) {
    const taskDefinition = plan.current.value as string;
    // No taskDefinition in the call: ECS redeploys the service's own, which readCurrent just compared.
    const out = await awsCall('ecs:UpdateService', () =>
      ctx.aws.ecs.send(
        new UpdateServiceCommand({ cluster: plan.cluster, service: plan.service, forceNewDeployment: true }),
      ),
    );
    const primary = out.service?.deployments?.find((d) => d.status === 'PRIMARY');
    const deploymentId = primary?.id;
    return {
      after: { deploymentId, taskDefinition },
      awsRequestId: out.$metadata?.requestId,
      summary: deploymentId
        ? `New deployment ${deploymentId} of ${taskDefinition} started.`
        : `A new deployment of ${taskDefinition} started.`,
      followUp: deploymentId
        ? { kind: 'deployment', cluster: plan.cluster, service: plan.service as string, deploymentId, taskDefinition }
        : undefined,
    };
  },
};
