import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type { AppContext } from '../../context';
import { ForbiddenError, UsageError } from '../../errors';
import { ASG_SOURCE_TEXT, AutoScalingReader, type AsgInfo, type CapacityProviderInfo } from '../../aws/autoscaling';
import { EcsReader } from '../../aws/ecs';
import { awsCall } from '../../aws/errors';
import { checkBounds, validateCount } from '../bounds';
import { plural } from '../../util/text';
import type { ChangeExecutor, ChangePlan, ChangeProposal, StateValue } from '../types';

const instances = (n: number): StateValue => ({ value: n, label: plural(n, 'instance') });

/** The sizes UpdateAutoScalingGroup is called with: max raised / min lowered only as far as needed. */
export function groupSizes(
  g: { min: number; max: number },
  desired: number,
): { min: number; max: number; raiseMax: boolean; lowerMin: boolean } {
  return {
    min: Math.min(g.min, desired),
    max: Math.max(g.max, desired),
    raiseMax: desired > g.max,
    lowerMin: desired < g.min,
  };
}

/** Side effects on min/max, stated plainly. Pure. */
export function groupEffects(g: { min: number; max: number }, desired: number): string[] {
  const s = groupSizes(g, desired);
  const out: string[] = [];
  if (s.raiseMax)
    out.push(
      `Max size is raised from ${g.max} to ${desired} so the desired capacity fits (it stays ${desired} afterwards).`,
    );
  if (s.lowerMin)
    out.push(
      `Min size is lowered from ${g.min} to ${desired} so the desired capacity fits (it stays ${desired} afterwards).`,
    );
  return out;
}

/** Warnings about what owns or undoes the group's desired capacity. Pure. */
export function groupWarnings(o: {
  group: AsgInfo;
  requested: number;
  capacityProvider?: CapacityProviderInfo;
  pendingTasks: number;
}): string[] {
  const w: string[] = [];
  const cp = o.capacityProvider;
  if (cp?.managedScaling) {
    w.push(
      `Capacity provider "${cp.name}" has managed scaling on${cp.targetCapacity !== undefined ? ` (target capacity ${cp.targetCapacity}%)` : ''}: ECS owns this group's desired capacity and will set it back to what the tasks need, undoing this change.`,
    );
  }
  if (o.requested < o.group.desired) {
    w.push(
      `Scaling in terminates ${plural(o.group.desired - o.requested, 'instance')}; their tasks stop and ECS places service tasks elsewhere only if there is room.`,
    );
  }
  if (o.requested > o.group.desired && o.pendingTasks === 0) {
    w.push('No task is pending in the cluster right now: the new instances will stand idle until tasks need them.');
  }
  return w;
}

/** scale-instances: UpdateAutoScalingGroup DesiredCapacity (MaxSize raised / MinSize lowered when needed). */
export const scaleInstancesExecutor: ChangeExecutor = {
  validate(p: ChangeProposal) {
    validateCount(p.desired, 'the instance count');
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const ecs = new EcsReader(ctx.aws.ecs);
    const asg = new AutoScalingReader(ctx.aws.autoscaling, ctx.aws.ecs);
    const requested = p.desired as number;
    const cluster = await ecs.getCluster(p.cluster);
    let containerInstances: Awaited<ReturnType<EcsReader['listContainerInstances']>> | undefined;
    const listInstances = async () => (containerInstances ??= await ecs.listContainerInstances(cluster.name));
    const found = await asg.findClusterGroup(
      cluster,
      async () => (await listInstances()).map((i) => i.ec2InstanceId ?? ''),
      ctx.config.asgMapping,
      p.group,
    );
    const g = found.group;
    if (requested === g.desired) {
      throw new UsageError(
        `Auto Scaling group ${g.name} of ${cluster.name} already has a desired capacity of ${requested} (${g.inService} in service); nothing to change`,
      );
    }
    checkBounds(ctx.config.policy, 'instances', g.desired, requested);
    const registered = await listInstances();
    const ids = new Set(g.instances.map((i) => i.id));
    const inCluster = registered.filter((i) => i.ec2InstanceId && ids.has(i.ec2InstanceId)).length;
    const details = [
      `Group ${g.name} (${ASG_SOURCE_TEXT[found.source]}) · min ${g.min} · max ${g.max} · desired ${g.desired}`,
      `Instances: ${g.inService} in service of ${g.instances.length} · ${inCluster} registered in the cluster`,
      `Tasks in the cluster: ${cluster.runningTasks} running · ${cluster.pendingTasks} pending`,
    ];
    const sizes = groupSizes(g, requested);
    return {
      action: 'scale-instances',
      cluster: cluster.name,
      target: `${cluster.name} · group ${g.name}`,
      summary: `Scale the instances of ${cluster.name} (group ${g.name}) from ${g.desired} to ${plural(requested, 'instance')}`,
      current: instances(g.desired),
      requested: instances(requested),
      details,
      effects: groupEffects(g, requested),
      warnings: groupWarnings({
        group: g,
        requested,
        capacityProvider: found.capacityProvider,
        pendingTasks: cluster.pendingTasks,
      }),
      data: { group: g.name, source: found.source, min: g.min, max: g.max, newMin: sizes.min, newMax: sizes.max },
    };
  },

  async readCurrent(ctx, plan) {
    const g = await new AutoScalingReader(ctx.aws.autoscaling, ctx.aws.ecs).describeGroup(String(plan.data.group));
    return instances(g.desired);
  },

  async execute(ctx, plan) {
    const name = String(plan.data.group);
    const desired = plan.requested.value as number;
    if (desired > ctx.config.policy.maxInstances)
      throw new ForbiddenError(`${desired} is above MAX_INSTANCES (${ctx.config.policy.maxInstances})`);
    // Sizes from the group as it is now: max is only ever raised and min only lowered, as far as needed.
    const g = await new AutoScalingReader(ctx.aws.autoscaling, ctx.aws.ecs).describeGroup(name);
    const sizes = groupSizes(g, desired);
    const out = await awsCall('autoscaling:UpdateAutoScalingGroup', () =>
      ctx.aws.autoscaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          DesiredCapacity: desired,
          ...(sizes.raiseMax ? { MaxSize: sizes.max } : {}),
          ...(sizes.lowerMin ? { MinSize: sizes.min } : {}),
        }),
      ),
    );
    const changed = [
      sizes.raiseMax ? `max size ${g.max} → ${sizes.max}` : '',
      sizes.lowerMin ? `min size ${g.min} → ${sizes.min}` : '',
    ].filter(Boolean);
    return {
      after: { desired, min: sizes.min, max: sizes.max },
      awsRequestId: out.$metadata?.requestId,
      summary: `Desired capacity of ${name} is now ${desired}${changed.length ? ` (${changed.join(', ')})` : ''}.`,
      followUp: { kind: 'instances', cluster: plan.cluster, group: name, desired },
    };
  },
};
