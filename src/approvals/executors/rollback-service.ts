import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AppContext } from '../../context';
import { AwsError, UsageError } from '../../errors';
import { EcsReader } from '../../aws/ecs';
import { awsCall } from '../../aws/errors';
import type { ServiceSummary, TaskDefinitionInfo } from '../../ecs/model';
import {
  diffRevisions,
  nearbyRevisions,
  parseRevisionRef,
  previousSteadyRevision,
  revisionsDiffer,
  splitTaskDefRef,
  type RevisionDiff,
  type RollbackBasis,
} from '../../ecs/revision-diff';
import { plural } from '../../util/text';
import type { ChangeExecutor, ChangePlan, ChangeProposal, StateValue } from '../types';

export const ROLLBACK_REVISION_FORMS = '`family:N`, `N` or a task-definition ARN';

/** The revision the service runs: the card names it, and another one at approval time stops the change. */
const revision = (svc: ServiceSummary): StateValue => ({ value: svc.taskDefinition, label: svc.taskDefinition });

/** "1, 2, 3 (current)": revision numbers of a family, the current one marked. */
function revisionList(revisions: number[], current: number): string {
  return revisions.map((r) => (r === current ? `${r} (current)` : String(r))).join(', ');
}

/** Revisions read newest first name the 5 nearest `wanted` once 6 at or below it are among them. */
const nearbyKnown = (wanted: number) => (seen: readonly number[]) => seen.filter((r) => r <= wanted).length > 5;

/** ECS answers DescribeTaskDefinition for a revision that never existed (or was deleted) with a ClientException. */
function isMissingRevision(err: unknown): boolean {
  const cause = (err as { cause?: { name?: string } })?.cause;
  return err instanceof AwsError && cause?.name === 'ClientException';
}

/**
 * ECS refuses a deployment whose task or execution role the bot may not pass ("… is not authorized to
 * perform: iam:PassRole on resource: ROLE"): say which role and which statement grants it.
 */
export function passRoleError(err: unknown, taskDefinition: string): AwsError | undefined {
  const cause = (err as { cause?: { message?: string } })?.cause;
  const text = `${cause?.message ?? ''} ${(err as Error)?.message ?? ''}`;
  if (!/iam:PassRole/i.test(text)) return undefined;
  const role = /iam:PassRole on resource:?\s*(arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+)/i.exec(text)?.[1];
  return new AwsError(
    `ECS refused to deploy ${taskDefinition}: the bot may not pass its ${role ? `role ${role}` : 'task or execution role'} to ECS tasks (iam:PassRole). Grant it as the ApprovedRollbackPassRole statement of iam-policy.json does; nothing was changed.`,
    'ecs:UpdateService',
    { cause: err },
  );
}

/** What may make the rollback go wrong or not do what the requester expects. Pure, for tests. */
export function rollbackWarnings(
  svc: ServiceSummary,
  o: { basis?: RollbackBasis; diff: RevisionDiff; newer: boolean },
): string[] {
  const w: string[] = [];
  const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
  // A FAILED current deployment is the usual reason for a rollback: the details say so, it is no warning.
  if (primary?.rolloutState !== 'FAILED' && (svc.deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS'))
    w.push(
      `A deployment is in progress (${plural(svc.deployments.length, 'deployment')}); the rollback starts another one that replaces it.`,
    );
  if (o.basis === 'earlier-revision')
    w.push(
      `ECS no longer lists an earlier deployment of this service, so the bot cannot tell that ${o.diff.to} ran steady: it is the newest earlier ACTIVE revision of the family. Check the differences below, or name the revision.`,
    );
  if (o.newer) w.push(`${o.diff.to} is newer than ${o.diff.from}: this deploys a later revision, not an earlier one.`);
  if (!revisionsDiffer(o.diff))
    w.push(
      `${o.diff.from} and ${o.diff.to} define the same images, sizes, variable names and ports: the rollback may change nothing that matters (values are not compared).`,
    );
  if (!svc.circuitBreaker?.enable)
    w.push(
      `The deployment circuit breaker is off: if the tasks of ${o.diff.to} fail to start, ECS keeps retrying and does not roll back.`,
    );
  else if (!svc.circuitBreaker.rollback)
    w.push('The deployment circuit breaker stops a failing deployment but does not roll it back (rollback is off).');
  return w;
}

/**
 * Which revision to deploy: the one named (same family, existing, ACTIVE) or the previous one that ran
 * steady. Refuses with a UsageError that says what exists instead.
 */
async function chooseTarget(
  reader: EcsReader,
  svc: ServiceSummary,
  p: ChangeProposal,
): Promise<{ target: TaskDefinitionInfo; basis?: RollbackBasis }> {
  const where = `${svc.cluster}/${svc.name}`;
  const current = splitTaskDefRef(svc.taskDefinition);
  if (!current) throw new UsageError(`${where} runs ${svc.taskDefinition}, which is not a family:revision`);
  const { family } = current;
  const usage = `/ecs rollback ${where} <revision>`;
  if (p.revision === undefined) {
    // Enough once the listing (newest first) reached below the current revision and every earlier deployment's.
    const floor = Math.min(
      current.revision - 1,
      ...svc.deployments.map((d) => splitTaskDefRef(d.taskDefinition)?.revision ?? current.revision),
    );
    const active = await reader.listRevisions(family, { enough: (seen) => seen.some((r) => r <= floor) });
    const choice = previousSteadyRevision(svc, active.revisions);
    if (!choice) {
      const others = active.revisions.filter((r) => r !== current.revision);
      throw new UsageError(
        `there is no earlier revision of ${family} that ran steady to roll ${where} back to: it runs ${svc.taskDefinition}, ECS lists no earlier completed deployment, and the family has no earlier ACTIVE revision${
          others.length ? ` (ACTIVE: ${revisionList(nearbyRevisions(others, current.revision), current.revision)})` : ''
        }. Name a revision: ${usage}`,
      );
    }
    return { target: await reader.describeTaskDefinition(choice.taskDefinition), basis: choice.basis };
  }
  const ref = parseRevisionRef(p.revision);
  if (!ref) throw new UsageError(`"${p.revision}" is not a revision: use ${ROLLBACK_REVISION_FORMS}`);
  const fam = ref.family ?? family;
  if (fam !== family)
    throw new UsageError(
      `${fam}:${ref.revision} is of family ${fam}, but ${where} runs family ${family} (${svc.taskDefinition}): a rollback deploys a revision of the same family, e.g. ${family}:${Math.max(1, current.revision - 1)}`,
    );
  const [, , , region, account] = svc.arn.split(':');
  if ((ref.region && region && ref.region !== region) || (ref.account && account && ref.account !== account))
    throw new UsageError(
      `that task-definition ARN is in account ${ref.account} · ${ref.region}, but ${where} is in ${account} · ${region}: a service deploys only its own account's revisions`,
    );
  const wanted = `${family}:${ref.revision}`;
  if (ref.revision === current.revision)
    throw new UsageError(
      `${where} already runs ${wanted}: nothing to roll back to. For a new deployment of it, use /ecs restart ${where}`,
    );
  let target: TaskDefinitionInfo;
  try {
    target = await reader.describeTaskDefinition(wanted);
  } catch (err) {
    if (!isMissingRevision(err)) throw err;
    const active = await reader.listRevisions(family, { enough: nearbyKnown(ref.revision) });
    const near = nearbyRevisions(active.revisions, ref.revision);
    throw new UsageError(
      `${wanted} does not exist. ${near.length ? `Revisions of ${family} nearby: ${revisionList(near, current.revision)}.` : `${family} has no ACTIVE revisions.`} Try ${usage}`,
    );
  }
  if (target.status && target.status !== 'ACTIVE') {
    const active = await reader.listRevisions(family, { enough: nearbyKnown(ref.revision) });
    const near = nearbyRevisions(
      active.revisions.filter((r) => r !== current.revision),
      ref.revision,
    );
    throw new UsageError(
      `${wanted} is ${target.status} (deregistered): ECS does not deploy it again.${near.length ? ` ACTIVE revisions of ${family} nearby: ${near.join(', ')}.` : ''}`,
    );
  }
  return { target };
}

/** rollback-service: UpdateService with the task definition of an earlier (or the named) revision. */
export const rollbackServiceExecutor: ChangeExecutor = {
  validate(p: ChangeProposal) {
    if (!p.service) throw new UsageError('a service is required: /ecs rollback <cluster>/<service> [revision]');
    if (p.revision !== undefined && (typeof p.revision !== 'string' || !parseRevisionRef(p.revision)))
      throw new UsageError(`"${String(p.revision)}" is not a revision: use ${ROLLBACK_REVISION_FORMS}`);
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const reader = new EcsReader(ctx.aws.ecs);
    await reader.getCluster(p.cluster);
    const svc = await reader.getService(p.cluster, p.service as string);
    const where = `${svc.cluster}/${svc.name}`;
    if (svc.status !== 'ACTIVE')
      throw new UsageError(`service ${where} is ${svc.status}; only an ACTIVE service can be rolled back`);
    const { target, basis } = await chooseTarget(reader, svc, p);
    const current = await reader.describeTaskDefinition(svc.taskDefinition);
    const diff = diffRevisions(current, target, svc);
    const to = diff.to;
    const failed = svc.deployments.find((d) => d.status === 'PRIMARY' && d.rolloutState === 'FAILED');
    const chosen =
      basis === 'previous-deployment'
        ? `Target ${to}: the revision of the service's previous deployment, which completed (none was named)`
        : basis === 'earlier-revision'
          ? `Target ${to}: the newest earlier ACTIVE revision of ${target.family} (none was named)`
          : `Target ${to}: named by the requester`;
    return {
      action: 'rollback-service',
      cluster: svc.cluster,
      service: svc.name,
      target: where,
      summary: `Roll back service ${where} from ${svc.taskDefinition} to ${to}`,
      current: revision(svc),
      requested: { value: to, label: to },
      details: [
        `Running ${svc.running} · pending ${svc.pending} · desired ${svc.desired}`,
        ...(failed
          ? [
              `The current deployment of ${failed.taskDefinition} FAILED (${plural(failed.failedTasks, 'task')} failed)${failed.rolloutStateReason ? `: ${failed.rolloutStateReason}` : ''}`,
            ]
          : []),
        chosen,
      ],
      effects: [
        `A new deployment of ${to} replaces every task of ${svc.taskDefinition}, as the deployment configuration allows (old tasks stop once new ones run).`,
      ],
      warnings: rollbackWarnings(svc, {
        basis,
        diff,
        newer: target.revision > (splitTaskDefRef(svc.taskDefinition)?.revision ?? 0),
      }),
      data: { taskDefinition: to },
      revisionDiff: diff,
    };
  },

  async readCurrent(ctx, plan) {
    return revision(await new EcsReader(ctx.aws.ecs).getService(plan.cluster, plan.service as string));
  },

  async execute(ctx, plan) {
    const taskDefinition = plan.data.taskDefinition as string;
    const out = await awsCall('ecs:UpdateService', () =>
      ctx.aws.ecs.send(new UpdateServiceCommand({ cluster: plan.cluster, service: plan.service, taskDefinition })),
    ).catch((err: unknown) => {
      throw passRoleError(err, taskDefinition) ?? err;
    });
    const primary = out.service?.deployments?.find((d) => d.status === 'PRIMARY');
    const deploymentId = primary?.id;
    return {
      after: { deploymentId, taskDefinition, from: plan.current.value },
      awsRequestId: out.$metadata?.requestId,
      summary: deploymentId
        ? `Deployment ${deploymentId} of ${taskDefinition} started (was ${plan.current.label}).`
        : `A deployment of ${taskDefinition} started (was ${plan.current.label}).`,
      followUp: deploymentId
        ? { kind: 'deployment', cluster: plan.cluster, service: plan.service as string, deploymentId, taskDefinition }
        : undefined,
    };
  },
};
