import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AppContext } from '../../context';
import { ForbiddenError, UsageError } from '../../errors';
import { EcsReader } from '../../aws/ecs';
import { awsCall } from '../../aws/errors';
import { describeServiceScaling, type ServiceScaling } from '../../aws/service-scaling';
import { isFargate, planServiceCapacity, type CapacityPlan } from '../../ecs/capacity';
import type { ServiceSummary } from '../../ecs/model';
import { checkBounds, plural, validateCount } from '../bounds';
import type { ChangeExecutor, ChangePlan, ChangeProposal, StateValue } from '../types';

const tasks = (n: number): StateValue => ({ value: n, label: plural(n, 'task') });

/** Live tasks read to see where the service runs; the diagnosis reads as many. */
const MAX_TASKS = 100;

/** Warnings about what will undo or defeat a manual desired count. Pure, for tests. */
export function serviceWarnings(o: {
  svc: ServiceSummary;
  requested: number;
  scaling?: ServiceScaling;
  scalingError?: string;
  /** The cluster's capacity planned for the requested count (EC2 only): the same plan the diagnosis reads. */
  capacity?: CapacityPlan;
}): string[] {
  const w: string[] = [];
  const { svc, requested, scaling } = o;
  if (o.scalingError) w.push(`Could not check service auto scaling: ${o.scalingError}`);
  if (scaling) {
    if (requested < scaling.min) {
      w.push(
        `Service auto scaling keeps the desired count between ${scaling.min} and ${scaling.max}: it will raise ${requested} back to ${scaling.min}.`,
      );
    } else if (requested > scaling.max) {
      w.push(
        `Service auto scaling keeps the desired count between ${scaling.min} and ${scaling.max}: it will lower ${requested} back to ${scaling.max}.`,
      );
    }
    if (!scaling.suspended) {
      for (const p of scaling.policies) {
        if (p.type === 'TargetTrackingScaling')
          w.push(
            `Target tracking policy "${p.name}" adjusts the desired count to its target and may undo this change.`,
          );
        else w.push(`Scaling policy "${p.name}" (${p.type}) may change the desired count again when its alarm fires.`);
      }
    }
  }
  const active = svc.running + svc.pending;
  const plan = o.capacity;
  if (plan && plan.unplaceable > 0 && !isFargate(svc)) {
    const ports = plan.task.hostPorts.length ? `, host port ${plan.task.hostPorts.join(', ')} (one per instance)` : '';
    w.push(
      `The cluster's instances have room for ${plural(plan.room, 'more task')} of ${plan.task.cpu} CPU units / ${plan.task.memory} MiB${ports}; about ${plural(plan.unplaceable, 'task')} will stay PENDING until instances are added (capacity provider managed scaling or \`/ecs scale instances ${svc.cluster} N\`).`,
    );
  }
  if (requested === 0 && active > 0) w.push('A desired count of 0 stops every task of the service.');
  return w;
}

/** scale-service: UpdateService desiredCount. */
export const scaleServiceExecutor: ChangeExecutor = {
  validate(p: ChangeProposal) {
    if (!p.service) throw new UsageError('a service is required: /ecs scale service <cluster>/<service> <count>');
    validateCount(p.desired, 'the desired count');
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const reader = new EcsReader(ctx.aws.ecs);
    const requested = p.desired as number;
    await reader.getCluster(p.cluster);
    const svc = await reader.getService(p.cluster, p.service as string);
    if (svc.status !== 'ACTIVE')
      throw new UsageError(`service ${svc.cluster}/${svc.name} is ${svc.status}; only an ACTIVE service can be scaled`);
    if (requested === svc.desired) {
      throw new UsageError(
        `${svc.cluster}/${svc.name} already has a desired count of ${requested} (running ${svc.running}, pending ${svc.pending}); nothing to change`,
      );
    }
    checkBounds(ctx.config.policy, 'tasks', svc.desired, requested);
    const growsOnEc2 = requested > svc.running && !isFargate(svc);
    const [taskDef, scaling, instances, liveTasks] = await Promise.all([
      reader.describeTaskDefinition(svc.taskDefinition).catch(() => undefined),
      describeServiceScaling(ctx.aws.appautoscaling, svc.cluster, svc.name).then(
        (s) => ({ s, err: undefined as string | undefined }),
        (e: Error) => ({ s: undefined, err: e.message }),
      ),
      growsOnEc2 ? reader.listContainerInstances(svc.cluster).catch(() => undefined) : Promise.resolve(undefined),
      // Where the service's tasks run: a fixed host port they hold leaves no room on that instance.
      growsOnEc2
        ? reader.listTasks(svc.cluster, { service: svc.name, max: MAX_TASKS }).catch(() => undefined)
        : Promise.resolve(undefined),
    ]);
    const capacity =
      taskDef && instances
        ? planServiceCapacity({
            service: svc,
            taskDefinition: taskDef,
            instances,
            tasks: liveTasks,
            desired: requested,
          })
        : undefined;
    const details = [
      `Running ${svc.running} · pending ${svc.pending} · desired ${svc.desired}`,
      taskDef
        ? `Task size ${taskDef.cpu} CPU units / ${taskDef.memory} MiB (${svc.taskDefinition})`
        : `Task definition ${svc.taskDefinition}`,
    ];
    if (scaling.s)
      details.push(
        `Service auto scaling: min ${scaling.s.min} · max ${scaling.s.max}${scaling.s.policies.length ? ` · ${plural(scaling.s.policies.length, 'policy', 'policies')}` : ''}`,
      );
    return {
      action: 'scale-service',
      cluster: svc.cluster,
      service: svc.name,
      target: `${svc.cluster}/${svc.name}`,
      summary: `Scale service ${svc.cluster}/${svc.name} from ${svc.desired} to ${plural(requested, 'task')}`,
      current: tasks(svc.desired),
      requested: tasks(requested),
      details,
      effects: [],
      warnings: serviceWarnings({ svc, requested, scaling: scaling.s, scalingError: scaling.err, capacity }),
      data: { running: svc.running, pending: svc.pending },
    };
  },

  async readCurrent(ctx, plan) {
    const svc = await new EcsReader(ctx.aws.ecs).getService(plan.cluster, plan.service as string);
    return tasks(svc.desired);
  },

  async execute(ctx, plan) {
    const desired = plan.requested.value as number;
    if (desired > ctx.config.policy.maxDesiredTasks)
      throw new ForbiddenError(`${desired} is above MAX_DESIRED_TASKS (${ctx.config.policy.maxDesiredTasks})`);
    const out = await awsCall('ecs:UpdateService', () =>
      ctx.aws.ecs.send(
        new UpdateServiceCommand({ cluster: plan.cluster, service: plan.service, desiredCount: desired }),
      ),
    );
    const now = out.service?.desiredCount ?? desired;
    return {
      after: { desired: now },
      awsRequestId: out.$metadata?.requestId,
      summary: `Desired count of ${plan.target} is now ${now}.`,
      followUp: { kind: 'service', cluster: plan.cluster, service: plan.service as string, desired: now },
    };
  },
};
