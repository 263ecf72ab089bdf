import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
  ListTaskDefinitionsCommand,
  type Cluster,
  type ContainerInstance,
  type ECSClient,
  type Service,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { NotFoundError } from '../errors';
import {
  arnName,
  taskDefRef,
  type ClusterSummary,
  type ContainerInstanceInfo,
  type InsightsSetting,
  type ServiceSummary,
  type TaskDefinitionInfo,
  type TaskInfo,
} from '../ecs/model';
import { closestNames } from '../ecs/names';
import { chunk, mapLimit } from './batch';
import { awsCall } from './errors';

const ms = (d?: Date) => (d ? new Date(d).getTime() : undefined);

/**
 * Read-only ECS adapter: paginates every list, batches every describe at the API's limit
 * (services 10, container instances and tasks 100, clusters 100), runs batches in parallel under a
 * concurrency cap, and maps SDK shapes into the domain model. Task definitions are immutable per
 * revision, so they are cached.
 */
export class EcsReader {
  private readonly taskDefs = new Map<string, Promise<TaskDefinitionInfo>>();

  constructor(
    private readonly ecs: ECSClient,
    private readonly concurrency = 5,
  ) {}

  async listClusterArns(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall('ecs:ListClusters', () =>
        this.ecs.send(new ListClustersCommand({ nextToken, maxResults: 100 })),
      );
      arns.push(...(out.clusterArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  async listClusterNames(): Promise<string[]> {
    return (await this.listClusterArns()).map(arnName);
  }

  /** Describes clusters (all of them when `names` is omitted) with settings and statistics. */
  async describeClusters(names?: string[]): Promise<{ clusters: ClusterSummary[]; missing: string[] }> {
    const wanted = names ?? (await this.listClusterArns());
    const batches = await mapLimit(chunk(wanted, 100), this.concurrency, (batch) =>
      awsCall('ecs:DescribeClusters', () =>
        this.ecs.send(new DescribeClustersCommand({ clusters: batch, include: ['SETTINGS', 'STATISTICS'] })),
      ),
    );
    return {
      clusters: batches.flatMap((b) => (b.clusters ?? []).filter((c) => c.status !== 'INACTIVE').map(toCluster)),
      missing: batches.flatMap((b) => (b.failures ?? []).map((f) => arnName(f.arn ?? ''))),
    };
  }

  /** One cluster, or NotFoundError naming the closest existing clusters. */
  async getCluster(name: string): Promise<ClusterSummary> {
    const { clusters } = await this.describeClusters([name]);
    if (clusters.length === 0) {
      const all = await this.listClusterNames();
      throw new NotFoundError(`cluster "${name}" does not exist in this region`, closestNames(name, all));
    }
    return clusters[0];
  }

  async listServiceArns(cluster: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall('ecs:ListServices', () =>
        this.ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 })),
      );
      arns.push(...(out.serviceArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  /** Describes services in batches of 10 (the API limit), in parallel. All services when `names` is omitted. */
  async describeServices(
    cluster: string,
    names?: string[],
  ): Promise<{ services: ServiceSummary[]; missing: string[] }> {
    const wanted = names ?? (await this.listServiceArns(cluster));
    const batches = await mapLimit(chunk(wanted, 10), this.concurrency, (batch) =>
      awsCall('ecs:DescribeServices', () => this.ecs.send(new DescribeServicesCommand({ cluster, services: batch }))),
    );
    return {
      services: batches.flatMap((b) =>
        (b.services ?? []).filter((s) => s.status !== 'INACTIVE').map((s) => toService(s, cluster)),
      ),
      missing: batches.flatMap((b) => (b.failures ?? []).map((f) => arnName(f.arn ?? ''))),
    };
  }

  /** One service, or NotFoundError naming the closest services of that cluster. */
  async getService(cluster: string, name: string): Promise<ServiceSummary> {
    const { services } = await this.describeServices(cluster, [name]);
    if (services.length === 0) {
      const all = (await this.listServiceArns(cluster)).map(arnName);
      throw new NotFoundError(`service "${name}" does not exist in cluster "${cluster}"`, closestNames(name, all));
    }
    return services[0];
  }

  async listContainerInstances(cluster: string): Promise<ContainerInstanceInfo[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall('ecs:ListContainerInstances', () =>
        this.ecs.send(new ListContainerInstancesCommand({ cluster, nextToken, maxResults: 100 })),
      );
      arns.push(...(out.containerInstanceArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    const batches = await mapLimit(chunk(arns, 100), this.concurrency, (batch) =>
      awsCall('ecs:DescribeContainerInstances', () =>
        this.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch })),
      ),
    );
    return batches.flatMap((b) => (b.containerInstances ?? []).map(toInstance));
  }

  /** Tasks of a cluster (optionally one service), RUNNING by default or STOPPED, described in batches of 100. */
  async listTasks(
    cluster: string,
    o: { service?: string; desiredStatus?: 'RUNNING' | 'STOPPED'; max?: number } = {},
  ): Promise<TaskInfo[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall('ecs:ListTasks', () =>
        this.ecs.send(
          new ListTasksCommand({
            cluster,
            serviceName: o.service,
            desiredStatus: o.desiredStatus ?? 'RUNNING',
            nextToken,
            maxResults: 100,
          }),
        ),
      );
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken && (o.max === undefined || arns.length < o.max));
    const wanted = o.max === undefined ? arns : arns.slice(0, o.max);
    const batches = await mapLimit(chunk(wanted, 100), this.concurrency, (batch) =>
      awsCall('ecs:DescribeTasks', () => this.ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }))),
    );
    return batches.flatMap((b) => (b.tasks ?? []).map(toTask));
  }

  /**
   * Revisions (family:N) of one family with the given status, newest first, up to `max`. ListTaskDefinitions'
   * familyPrefix matches every family that starts with it, so other families are filtered out here. `enough`
   * stops the paging early once the revisions read so far (newest first) answer the caller's question.
   */
  async listRevisions(
    family: string,
    o: { status?: 'ACTIVE' | 'INACTIVE'; max?: number; enough?: (newestFirst: readonly number[]) => boolean } = {},
  ): Promise<{ revisions: number[]; more: boolean }> {
    const max = o.max ?? 1000;
    const revisions: number[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      pages += 1;
      const out = await awsCall('ecs:ListTaskDefinitions', () =>
        this.ecs.send(
          new ListTaskDefinitionsCommand({
            familyPrefix: family,
            status: o.status ?? 'ACTIVE',
            sort: 'DESC',
            maxResults: 100,
            nextToken,
          }),
        ),
      );
      for (const arn of out.taskDefinitionArns ?? []) {
        const ref = taskDefRef(arn);
        const at = ref.lastIndexOf(':');
        if (ref.slice(0, at) === family) revisions.push(Number(ref.slice(at + 1)));
      }
      nextToken = out.nextToken;
      // Families that share the prefix come in the same listing: a bounded number of pages, whatever they hold.
    } while (nextToken && revisions.length < max && pages < 20 && !o.enough?.(revisions));
    return { revisions: revisions.slice(0, max), more: !!nextToken || revisions.length > max };
  }

  /** A task definition by ARN or family:revision; cached, since a revision never changes. */
  describeTaskDefinition(ref: string): Promise<TaskDefinitionInfo> {
    const key = taskDefRef(ref);
    let p = this.taskDefs.get(key);
    if (!p) {
      p = awsCall('ecs:DescribeTaskDefinition', () =>
        this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: key })),
      ).then((o) => toTaskDef(o.taskDefinition ?? {}));
      p.catch(() => this.taskDefs.delete(key));
      if (this.taskDefs.size > 500) this.taskDefs.clear();
      this.taskDefs.set(key, p);
    }
    return p;
  }
}

function insights(c: Cluster): InsightsSetting {
  const v = c.settings?.find((s) => s.name === 'containerInsights')?.value;
  return v === 'enabled' || v === 'enhanced' || v === 'disabled' ? v : 'unknown';
}

function toCluster(c: Cluster): ClusterSummary {
  return {
    name: c.clusterName ?? arnName(c.clusterArn ?? ''),
    arn: c.clusterArn ?? '',
    status: c.status ?? 'UNKNOWN',
    containerInsights: insights(c),
    registeredInstances: c.registeredContainerInstancesCount ?? 0,
    runningTasks: c.runningTasksCount ?? 0,
    pendingTasks: c.pendingTasksCount ?? 0,
    activeServices: c.activeServicesCount ?? 0,
    capacityProviders: c.capacityProviders ?? [],
  };
}

function toService(s: Service, cluster: string): ServiceSummary {
  return {
    name: s.serviceName ?? arnName(s.serviceArn ?? ''),
    arn: s.serviceArn ?? '',
    cluster: s.clusterArn ? arnName(s.clusterArn) : cluster,
    status: s.status ?? 'UNKNOWN',
    desired: s.desiredCount ?? 0,
    running: s.runningCount ?? 0,
    pending: s.pendingCount ?? 0,
    launchType: s.launchType,
    capacityProviderStrategy: (s.capacityProviderStrategy ?? []).map((c) => ({
      capacityProvider: c.capacityProvider ?? '',
      weight: c.weight,
      base: c.base,
    })),
    taskDefinition: taskDefRef(s.taskDefinition ?? ''),
    deployments: (s.deployments ?? []).map((d) => ({
      id: d.id ?? '',
      status: d.status ?? '',
      taskDefinition: taskDefRef(d.taskDefinition ?? ''),
      desired: d.desiredCount ?? 0,
      running: d.runningCount ?? 0,
      pending: d.pendingCount ?? 0,
      failedTasks: d.failedTasks ?? 0,
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      createdAt: ms(d.createdAt),
      updatedAt: ms(d.updatedAt),
    })),
    events: (s.events ?? []).map((e) => ({ id: e.id ?? '', at: ms(e.createdAt) ?? 0, message: e.message ?? '' })),
    createdAt: ms(s.createdAt),
    circuitBreaker: s.deploymentConfiguration?.deploymentCircuitBreaker
      ? {
          enable: !!s.deploymentConfiguration.deploymentCircuitBreaker.enable,
          rollback: !!s.deploymentConfiguration.deploymentCircuitBreaker.rollback,
        }
      : undefined,
    minimumHealthyPercent: s.deploymentConfiguration?.minimumHealthyPercent,
    maximumPercent: s.deploymentConfiguration?.maximumPercent,
  };
}

function resource(list: ContainerInstance['registeredResources'], name: string): number {
  return list?.find((r) => r.name === name)?.integerValue ?? 0;
}

function toInstance(i: ContainerInstance): ContainerInstanceInfo {
  const attr = (n: string) => i.attributes?.find((a) => a.name === n)?.value;
  return {
    id: arnName(i.containerInstanceArn ?? ''),
    arn: i.containerInstanceArn ?? '',
    ec2InstanceId: i.ec2InstanceId,
    instanceType: attr('ecs.instance-type'),
    status: i.status ?? 'UNKNOWN',
    agentConnected: i.agentConnected ?? false,
    registered: { cpu: resource(i.registeredResources, 'CPU'), memory: resource(i.registeredResources, 'MEMORY') },
    remaining: { cpu: resource(i.remainingResources, 'CPU'), memory: resource(i.remainingResources, 'MEMORY') },
    runningTasks: i.runningTasksCount ?? 0,
    pendingTasks: i.pendingTasksCount ?? 0,
    asgName: attr('ecs.autoscaling-group'),
  };
}

function toTask(t: Task): TaskInfo {
  const group = t.group ?? '';
  return {
    id: arnName(t.taskArn ?? ''),
    arn: t.taskArn ?? '',
    taskDefinition: taskDefRef(t.taskDefinitionArn ?? ''),
    service: group.startsWith('service:') ? group.slice('service:'.length) : undefined,
    lastStatus: t.lastStatus ?? 'UNKNOWN',
    desiredStatus: t.desiredStatus ?? 'UNKNOWN',
    health: t.healthStatus,
    launchType: t.launchType,
    cpu: t.cpu ? Number(t.cpu) : undefined,
    memory: t.memory ? Number(t.memory) : undefined,
    createdAt: ms(t.createdAt),
    startedAt: ms(t.startedAt),
    stoppedAt: ms(t.stoppedAt),
    stopCode: t.stopCode,
    stoppedReason: t.stoppedReason,
    containers: (t.containers ?? []).map((c) => ({
      name: c.name ?? '',
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
      health: c.healthStatus,
    })),
    containerInstanceId: t.containerInstanceArn ? arnName(t.containerInstanceArn) : undefined,
    startedBy: t.startedBy,
  };
}

function toTaskDef(td: TaskDefinition): TaskDefinitionInfo {
  const containers = (td.containerDefinitions ?? []).map((c) => ({
    name: c.name ?? '',
    image: c.image,
    cpu: c.cpu,
    memory: c.memory,
    memoryReservation: c.memoryReservation,
    essential: c.essential ?? true,
    hostPorts: (c.portMappings ?? []).map((p) => p.hostPort ?? 0).filter((p) => p > 0),
    log: c.logConfiguration?.logDriver
      ? { driver: c.logConfiguration.logDriver, options: { ...(c.logConfiguration.options ?? {}) } }
      : undefined,
    // Names only: environment values and secret sources stay out of the model.
    environmentNames: (c.environment ?? []).map((e) => e.name ?? '').filter((n) => n !== ''),
    secretNames: (c.secrets ?? []).map((e) => e.name ?? '').filter((n) => n !== ''),
    portMappings: (c.portMappings ?? []).map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      protocol: p.protocol,
    })),
  }));
  const sumCpu = containers.reduce((a, c) => a + (c.cpu ?? 0), 0);
  const sumMem = containers.reduce((a, c) => a + (c.memory ?? c.memoryReservation ?? 0), 0);
  return {
    family: td.family ?? '',
    revision: td.revision ?? 0,
    cpu: td.cpu ? Number(td.cpu) : sumCpu,
    memory: td.memory ? Number(td.memory) : sumMem,
    networkMode: td.networkMode,
    requiresCompatibilities: td.requiresCompatibilities ?? [],
    containers,
    status: td.status,
    taskCpu: td.cpu ? Number(td.cpu) : undefined,
    taskMemory: td.memory ? Number(td.memory) : undefined,
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
  };
}
