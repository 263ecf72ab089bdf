import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { type AsgSource, type AutoScalingReader, type ClusterGroup } from '../aws/autoscaling';
import type { EcsReader } from '../aws/ecs';
import type { EcsMetrics } from '../aws/metrics';
import { describeServiceScaling } from '../aws/service-scaling';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { isFargate } from '../ecs/capacity';
import { classifyStop, pickStoppedContainer } from '../ecs/diagnosis/stop-causes';
import type {
  AsgInfo,
  DiagnosisInput,
  MemoryKillInfo,
  ServiceScalingInfo,
  StoppedContainerLogs,
  UtilisationInfo,
} from '../ecs/diagnosis/types';
import type { ContainerInstanceInfo, TaskDefinitionInfo, TaskInfo } from '../ecs/model';
import { UserFacingError } from '../errors';
import type { Logger } from '../logger';
import type { LastLinesReader } from '../logs/api';

/**
 * Gathers a service's evidence for the diagnosis rules through the read-only adapters: the cluster and
 * service first (they name what else to read), then task definition, container instances, live and
 * stopped tasks, utilisation, service auto scaling and the Auto Scaling group, all in parallel. Only
 * the cluster and service are required; anything else that fails becomes a gap the diagnosis names.
 * Nothing here calls a mutating AWS API.
 */

export interface DiagnoseDeps {
  ecs: EcsReader;
  metrics: EcsMetrics;
  autoscaling: AutoScalingReader;
  appautoscaling: ApplicationAutoScalingClient;
  clock: Clock;
  config: Pick<Config, 'asgMapping' | 'policy'>;
  log: Logger;
  /** Reads a stopped container's last log lines (the logs feature); without it the diagnosis shows none. */
  lastLines?: LastLinesReader;
  /** The approval policy's bounds for a cluster of this account (default: the settings' bounds). */
  bounds?: (cluster: string) => DiagnosisInput['limits'];
}

/** Live tasks described per diagnosis (pending ages, ports taken); stopped tasks the same. */
export const MAX_TASKS = 100;

const FOUND_BY: Record<AsgSource, AsgInfo['foundBy']> = {
  'capacity-provider': 'capacity provider',
  'container-instances': 'instance lookup',
  mapping: 'ASG_MAPPING',
};

/** First rejection wins, so "cluster not found" beats the "service not found" that follows from it. */
function firstRejection(results: PromiseSettledResult<unknown>[]): void {
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

function problem(err: unknown, what: string, log: Logger): string {
  if (err instanceof UserFacingError) {
    log.info({ err }, `diagnose: ${what} unavailable`);
    return `${what}: ${err.message}`;
  }
  log.error({ err }, `diagnose: reading ${what} failed`);
  return `${what}: an unexpected error (logged)`;
}

function toAsgInfo(g: ClusterGroup, instances: ContainerInstanceInfo[] | undefined): AsgInfo {
  const ids = new Set(g.group.instances.map((i) => i.id));
  const types = (instances ?? [])
    .filter((i) => i.ec2InstanceId && ids.has(i.ec2InstanceId))
    .map((i) => i.instanceType)
    .filter((t): t is string => !!t);
  return {
    name: g.group.name,
    min: g.group.min,
    max: g.group.max,
    desired: g.group.desired,
    instanceType: types[0] ?? g.group.instances.find((i) => i.instanceType)?.instanceType,
    launching: g.group.instances.filter((i) => /^Pending/.test(i.lifecycle)).length,
    foundBy: FOUND_BY[g.source],
    managedScaling: g.capacityProvider?.managedScaling || undefined,
  };
}

/** Stopped tasks this far back count (ECS keeps them about an hour). */
const STOPPED_WINDOW_MS = 3_600_000;

/**
 * The most recent memory kill among the stopped tasks: the container's limits from its own revision,
 * and the highest memory use the service's tasks reached in the hour (Container Insights), when on.
 */
async function memoryKillOf(
  d: DiagnoseDeps,
  cluster: string,
  service: string,
  stopped: TaskInfo[],
  insights: boolean,
  now: number,
): Promise<MemoryKillInfo | undefined> {
  const kills = stopped
    .filter((t) => (t.stoppedAt ?? t.createdAt ?? now) >= now - STOPPED_WINDOW_MS)
    .map(classifyStop)
    .filter((c) => c.cause === 'oom')
    .sort((a, b) => (b.task.stoppedAt ?? 0) - (a.task.stoppedAt ?? 0));
  const k = kills[0];
  if (!k) return undefined;
  const exit =
    k.exits.find((e) => /memory|OOM/i.test(e.reason ?? '')) ?? k.exits.find((e) => e.exitCode === 137) ?? k.exits[0];
  const container = exit?.name ?? k.task.containers[0]?.name ?? 'the container';
  const td = await d.ecs.describeTaskDefinition(k.task.taskDefinition).catch((err: unknown) => {
    d.log.info({ err }, 'diagnose: task definition of the memory kill unavailable');
    return undefined;
  });
  const def = td?.containers.find((c) => c.name === container);
  const out: MemoryKillInfo = {
    taskId: k.task.id,
    taskDefinition: k.task.taskDefinition,
    container,
    containerLimit: def?.memory,
    containerReservation: def?.memoryReservation,
    taskMemory: td?.memory ?? k.task.memory,
    exitCode: exit?.exitCode,
    reason: exit?.reason || k.reason,
    stoppedAt: k.task.stoppedAt,
    kills: kills.length,
  };
  if (!insights) return { ...out, peakMissing: `Container Insights is off on cluster ${cluster}` };
  try {
    const h = await d.metrics.history({ cluster, service, insights: true }, now);
    const top = h.memory.reduce<{ at: number; value: number } | undefined>(
      (m, p) => (!m || p.value > m.value ? p : m),
      undefined,
    );
    if (!top) return { ...out, peakMissing: 'no Container Insights datapoint in the last hour' };
    return { ...out, peakPct: top.value, peakAt: top.at };
  } catch (err) {
    if (!(err instanceof UserFacingError)) d.log.error({ err }, 'diagnose: reading the memory peak failed');
    return {
      ...out,
      peakMissing: err instanceof UserFacingError ? `CloudWatch: ${err.message}` : 'CloudWatch could not be read',
    };
  }
}

export async function gatherEvidence(
  d: DiagnoseDeps,
  clusterName: string,
  serviceName: string,
): Promise<DiagnosisInput> {
  const now = d.clock.now();
  const first = await Promise.allSettled([
    d.ecs.getCluster(clusterName),
    d.ecs.getService(clusterName, serviceName),
  ] as const);
  firstRejection(first);
  const cluster = (first[0] as PromiseFulfilledResult<Awaited<ReturnType<EcsReader['getCluster']>>>).value;
  const service = (first[1] as PromiseFulfilledResult<Awaited<ReturnType<EcsReader['getService']>>>).value;
  const gaps: string[] = [];
  const optional = <T>(what: string, p: Promise<T>): Promise<T | undefined> =>
    p.catch((err: unknown) => {
      gaps.push(problem(err, what, d.log));
      return undefined;
    });

  const fargate = isFargate(service);
  const insights = cluster.containerInsights === 'enabled' || cluster.containerInsights === 'enhanced';
  const instancesP: Promise<ContainerInstanceInfo[] | undefined> = fargate
    ? Promise.resolve(undefined)
    : optional('container instances', d.ecs.listContainerInstances(cluster.name));
  const [taskDefinition, instances, tasks, stoppedTasks, utilisation, serviceScaling, groups] = await Promise.all([
    optional<TaskDefinitionInfo>('task definition', d.ecs.describeTaskDefinition(service.taskDefinition)),
    instancesP,
    optional<TaskInfo[]>('tasks', d.ecs.listTasks(cluster.name, { service: service.name, max: MAX_TASKS })),
    optional<TaskInfo[]>(
      'stopped tasks',
      d.ecs.listTasks(cluster.name, { service: service.name, desiredStatus: 'STOPPED', max: MAX_TASKS }),
    ),
    optional<UtilisationInfo | undefined>(
      'utilisation',
      d.metrics.latest([{ cluster: cluster.name, service: service.name, insights }], now).then((m) => {
        const u = m.get(`${cluster.name}/${service.name}`);
        return u ? { source: u.source, cpu: u.cpu, memory: u.memory } : undefined;
      }),
    ),
    optional<ServiceScalingInfo | undefined>(
      'service auto scaling',
      describeServiceScaling(d.appautoscaling, cluster.name, service.name).then((s) =>
        s ? { min: s.min, max: s.max, policies: s.suspended ? [] : s.policies.map((p) => p.name) } : undefined,
      ),
    ),
    fargate
      ? Promise.resolve(undefined)
      : optional<ClusterGroup[]>(
          'Auto Scaling group',
          d.autoscaling.clusterGroups(
            cluster,
            async () => ((await instancesP) ?? []).map((i) => i.ec2InstanceId ?? '').filter(Boolean),
            d.config.asgMapping,
          ),
        ),
  ]);
  // The failed container's own last words, beside its stop reason and exit code; a memory kill's limits and peak.
  const failed = stoppedTasks && d.lastLines ? pickStoppedContainer(stoppedTasks, now) : undefined;
  let stoppedLogs: StoppedContainerLogs | undefined;
  const memoryKillP = stoppedTasks
    ? memoryKillOf(d, cluster.name, service.name, stoppedTasks, insights, now)
    : Promise.resolve(undefined);
  if (failed && d.lastLines) {
    const read = await optional(
      `last log lines of ${failed.container}`,
      d.lastLines(failed.task, failed.container, 10),
    );
    if (read)
      stoppedLogs = {
        taskId: failed.task.id,
        container: failed.container,
        exitCode: failed.exitCode,
        reason: failed.reason,
        lines: read.lines,
        problem: read.problem,
      };
  }
  const memoryKill = await memoryKillP;
  return {
    now,
    cluster,
    service,
    stoppedLogs,
    memoryKill,
    taskDefinition,
    instances,
    tasks,
    stoppedTasks,
    utilisation,
    asg: groups?.length === 1 ? toAsgInfo(groups[0], instances) : undefined,
    asgs: groups && groups.length > 1 ? groups.map((g) => toAsgInfo(g, instances)) : undefined,
    serviceScaling,
    limits: d.bounds?.(clusterName) ?? { tasks: d.config.policy, instances: d.config.policy },
    gaps,
  };
}
