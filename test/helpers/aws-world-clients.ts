import * as AAS from '@aws-sdk/client-application-auto-scaling';
import * as ASG from '@aws-sdk/client-auto-scaling';
import * as CW from '@aws-sdk/client-cloudwatch';
import * as LOGS from '@aws-sdk/client-cloudwatch-logs';
import * as ECS from '@aws-sdk/client-ecs';
import * as SNS from '@aws-sdk/client-sns';
import * as SQS from '@aws-sdk/client-sqs';
import * as STS from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients';
import { ACCOUNT, AwsWorld, REGION, WorldError, type WInstance, type WService, type WTask } from './aws-world';

type Handler = (input: any) => any;

/**
 * Real SDK v3 clients whose `send` the world answers (aws-sdk-client-mock). Every call is recorded in
 * `world.calls`; the SDK's API limits are enforced (DescribeServices ≤ 10, DescribeTasks and
 * DescribeContainerInstances ≤ 100, GetMetricData ≤ 500 queries) so batching bugs fail tests.
 * Logs Insights is not part of the world: pass `logs` to use another fake, else it refuses.
 */
export function awsClientsFor(world: AwsWorld, o: { logs?: LOGS.CloudWatchLogsClient } = {}): AwsClients {
  const cfg = { region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 };
  const clients: AwsClients = {
    ecs: new ECS.ECSClient(cfg),
    cloudwatch: new CW.CloudWatchClient(cfg),
    logs: o.logs ?? new LOGS.CloudWatchLogsClient(cfg),
    sns: new SNS.SNSClient(cfg),
    sqs: new SQS.SQSClient(cfg),
    autoscaling: new ASG.AutoScalingClient(cfg),
    appautoscaling: new AAS.ApplicationAutoScalingClient(cfg),
    sts: new STS.STSClient(cfg),
  };
  const wire = (client: any, service: string, handlers: [any, string, Handler][]) => {
    const m = mockClient(client);
    m.onAnyCommand().callsFake((input: unknown) => {
      throw new Error(
        `the fake AWS world has no handler for this ${service} call: ${JSON.stringify(input).slice(0, 200)}`,
      );
    });
    for (const [Cmd, op, h] of handlers) {
      m.on(Cmd).callsFake(async (input: any) => {
        if (world.latencyMs > 0) await new Promise((r) => setTimeout(r, world.latencyMs));
        world.record(service, op, input);
        const out = await h(input);
        return { $metadata: { httpStatusCode: 200, requestId: `req-${world.calls.length}` }, ...out };
      });
    }
  };
  const h = worldHandlers(world);
  wire(clients.ecs, 'ecs', h.ecs);
  wire(clients.cloudwatch, 'cloudwatch', h.cloudwatch);
  wire(clients.autoscaling, 'autoscaling', h.autoscaling);
  wire(clients.appautoscaling, 'application-autoscaling', h['application-autoscaling']);
  wire(clients.sns, 'sns', h.sns);
  wire(clients.sqs, 'sqs', h.sqs);
  wire(clients.sts, 'sts', [
    [
      STS.GetCallerIdentityCommand,
      'GetCallerIdentity',
      () => ({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ecs-chatops/bot`, UserId: 'AROATEST:bot' }),
    ],
  ]);
  if (!o.logs) {
    mockClient(clients.logs).onAnyCommand().rejects(new Error('Logs Insights is not part of this fake world'));
  }
  return clients;
}

export type WorldHandlers = Record<
  'ecs' | 'cloudwatch' | 'autoscaling' | 'application-autoscaling' | 'sns' | 'sqs',
  [any, string, Handler][]
>;

/** The world's answers per service: [SDK command class, operation, handler]. */
export function worldHandlers(world: AwsWorld): WorldHandlers {
  return {
    ecs: ecsHandlers(world),
    cloudwatch: cloudwatchHandlers(world),
    autoscaling: asgHandlers(world),
    'application-autoscaling': aasHandlers(world),
    sns: snsHandlers(world),
    sqs: sqsHandlers(world),
  };
}

function page<T>(
  items: T[],
  input: { nextToken?: string; maxResults?: number },
  dflt: number,
  max: number,
): { items: T[]; nextToken?: string } {
  const size = input.maxResults ?? dflt;
  if (size < 1 || size > max)
    throw new WorldError('InvalidParameterException', `maxResults must be between 1 and ${max}`);
  const start = input.nextToken ? Number(input.nextToken) : 0;
  const slice = items.slice(start, start + size);
  return { items: slice, nextToken: start + size < items.length ? String(start + size) : undefined };
}

const shortName = (nameOrArn: string) => nameOrArn.split('/').pop() as string;
const clusterOf = (world: AwsWorld, c?: string) => world.cluster(shortName(c ?? 'default'));

function ecsHandlers(world: AwsWorld): [any, string, Handler][] {
  const svcOut = (s: WService): ECS.Service => {
    const c = world.counts(s.cluster, s.name);
    const td = world.taskDefs.get(s.taskDef)!;
    return {
      serviceArn: s.arn,
      serviceName: s.name,
      clusterArn: world.cluster(s.cluster).arn,
      status: s.status,
      desiredCount: s.desiredCount,
      runningCount: c.running,
      pendingCount: c.pending,
      launchType: s.capacityProviderStrategy ? undefined : s.launchType,
      capacityProviderStrategy: s.capacityProviderStrategy,
      taskDefinition: `arn:aws:ecs:${world.region}:${world.account}:task-definition/${td.family}:${td.revision}`,
      deploymentConfiguration: {
        deploymentCircuitBreaker: s.circuitBreaker,
        maximumPercent: s.maximumPercent ?? 200,
        minimumHealthyPercent: s.minimumHealthyPercent ?? 100,
      },
      deployments: s.deployments.map((d) => ({
        id: d.id,
        status: d.status,
        taskDefinition: `arn:aws:ecs:${world.region}:${world.account}:task-definition/${d.taskDef}`,
        desiredCount: d.desiredCount,
        runningCount: world.deploymentCounts(s, d).running,
        pendingCount: world.deploymentCounts(s, d).pending,
        failedTasks: d.failedTasks,
        rolloutState: d.rolloutState,
        rolloutStateReason: d.rolloutStateReason,
        createdAt: new Date(d.createdAt),
        updatedAt: new Date(d.updatedAt),
      })),
      events: s.events.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
      createdAt: new Date(s.createdAt),
      schedulingStrategy: 'REPLICA',
    };
  };
  const instOut = (i: WInstance): ECS.ContainerInstance => {
    const r = world.remaining(i);
    const running = [...world.tasks.values()].filter((t) => t.containerInstanceId === i.id);
    return {
      containerInstanceArn: i.arn,
      ec2InstanceId: i.ec2InstanceId,
      status: i.status,
      agentConnected: i.agentConnected,
      runningTasksCount: running.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: running.filter((t) => t.lastStatus === 'PENDING').length,
      registeredAt: new Date(i.registeredAt),
      registeredResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: i.cpu },
        { name: 'MEMORY', type: 'INTEGER', integerValue: i.memory },
        { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
      ],
      remainingResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: r.cpu },
        { name: 'MEMORY', type: 'INTEGER', integerValue: r.memory },
        { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
      ],
      attributes: [
        { name: 'ecs.instance-type', value: i.instanceType },
        { name: 'ecs.availability-zone', value: `${world.region}a` },
        ...(i.asgName ? [{ name: 'ecs.autoscaling-group', value: i.asgName }] : []),
      ],
    };
  };
  const taskOut = (t: WTask): ECS.Task => ({
    taskArn: t.arn,
    clusterArn: world.cluster(t.cluster).arn,
    taskDefinitionArn: `arn:aws:ecs:${world.region}:${world.account}:task-definition/${t.taskDef}`,
    containerInstanceArn: t.containerInstanceId ? world.instances.get(t.containerInstanceId)?.arn : undefined,
    group: t.service ? `service:${t.service}` : 'family:standalone',
    startedBy: t.service ? (t.deploymentId ?? 'ecs-svc/0000000000000000000') : undefined,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    healthStatus: t.healthStatus,
    launchType: t.launchType,
    cpu: String(t.cpu),
    memory: String(t.memory),
    createdAt: new Date(t.createdAt),
    startedAt: t.startedAt ? new Date(t.startedAt) : undefined,
    stoppedAt: t.stoppedAt ? new Date(t.stoppedAt) : undefined,
    stopCode: t.stopCode as ECS.TaskStopCode | undefined,
    stoppedReason: t.stoppedReason,
    containers: t.containers.map((c) => ({
      name: c.name,
      image: c.image,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
      healthStatus: c.healthStatus,
    })),
  });
  const clusterOut = (name: string, include: string[] = []): ECS.Cluster => {
    const c = world.cluster(name);
    const tasks = world.tasksOf(c.name);
    return {
      clusterArn: c.arn,
      clusterName: c.name,
      status: c.status,
      registeredContainerInstancesCount: world.instancesOf(c.name).length,
      runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
      activeServicesCount: world.servicesOf(c.name).length,
      capacityProviders: c.capacityProviders,
      settings: include.includes('SETTINGS') ? [{ name: 'containerInsights', value: c.containerInsights }] : undefined,
    };
  };
  return [
    [
      ECS.ListClustersCommand,
      'ListClusters',
      (i) => {
        const p = page(
          [...world.clusters.values()].map((c) => c.arn),
          i,
          100,
          100,
        );
        return { clusterArns: p.items, nextToken: p.nextToken };
      },
    ],
    [
      ECS.DescribeClustersCommand,
      'DescribeClusters',
      (i: ECS.DescribeClustersCommandInput) => {
        const names = i.clusters ?? ['default'];
        if (names.length > 100)
          throw new WorldError('InvalidParameterException', 'clusters can have at most 100 items');
        const clusters: ECS.Cluster[] = [];
        const failures: ECS.Failure[] = [];
        for (const n of names) {
          if (world.clusters.has(shortName(n))) clusters.push(clusterOut(shortName(n), i.include));
          else
            failures.push({
              arn: `arn:aws:ecs:${world.region}:${world.account}:cluster/${shortName(n)}`,
              reason: 'MISSING',
            });
        }
        return { clusters, failures };
      },
    ],
    [
      ECS.ListServicesCommand,
      'ListServices',
      (i: ECS.ListServicesCommandInput) => {
        const c = clusterOf(world, i.cluster);
        const p = page(
          world.servicesOf(c.name).map((s) => s.arn),
          i,
          10,
          100,
        );
        return { serviceArns: p.items, nextToken: p.nextToken };
      },
    ],
    [
      ECS.DescribeServicesCommand,
      'DescribeServices',
      (i: ECS.DescribeServicesCommandInput) => {
        const c = clusterOf(world, i.cluster);
        if ((i.services ?? []).length > 10)
          throw new WorldError('InvalidParameterException', 'services can have at most 10 items');
        const services: ECS.Service[] = [];
        const failures: ECS.Failure[] = [];
        for (const n of i.services ?? []) {
          const s = world.services.get(`${c.name}/${shortName(n)}`);
          if (s) services.push(svcOut(s));
          else
            failures.push({
              arn: `arn:aws:ecs:${world.region}:${world.account}:service/${c.name}/${shortName(n)}`,
              reason: 'MISSING',
            });
        }
        return { services, failures };
      },
    ],
    [
      ECS.ListContainerInstancesCommand,
      'ListContainerInstances',
      (i: ECS.ListContainerInstancesCommandInput) => {
        const c = clusterOf(world, i.cluster);
        const p = page(
          world.instancesOf(c.name).map((x) => x.arn),
          i,
          100,
          100,
        );
        return { containerInstanceArns: p.items, nextToken: p.nextToken };
      },
    ],
    [
      ECS.DescribeContainerInstancesCommand,
      'DescribeContainerInstances',
      (i: ECS.DescribeContainerInstancesCommandInput) => {
        clusterOf(world, i.cluster);
        if ((i.containerInstances ?? []).length > 100)
          throw new WorldError('InvalidParameterException', 'containerInstances can have at most 100 items');
        const found = (i.containerInstances ?? []).map((a) => world.instances.get(shortName(a)));
        return {
          containerInstances: found.filter((x): x is WInstance => !!x).map(instOut),
          failures: (i.containerInstances ?? [])
            .filter((_a, k) => !found[k])
            .map((arn) => ({ arn, reason: 'MISSING' })),
        };
      },
    ],
    [
      ECS.ListTasksCommand,
      'ListTasks',
      (i: ECS.ListTasksCommandInput) => {
        const c = clusterOf(world, i.cluster);
        let tasks = world.tasksOf(c.name, i.serviceName ? shortName(i.serviceName) : undefined);
        const desired = i.desiredStatus ?? 'RUNNING';
        tasks = tasks.filter((t) => t.desiredStatus === desired);
        if (i.containerInstance) tasks = tasks.filter((t) => t.containerInstanceId === shortName(i.containerInstance!));
        if (i.family) tasks = tasks.filter((t) => t.taskDef.split(':')[0] === i.family);
        const p = page(
          tasks.map((t) => t.arn),
          i,
          100,
          100,
        );
        return { taskArns: p.items, nextToken: p.nextToken };
      },
    ],
    [
      ECS.DescribeTasksCommand,
      'DescribeTasks',
      (i: ECS.DescribeTasksCommandInput) => {
        clusterOf(world, i.cluster);
        if ((i.tasks ?? []).length > 100)
          throw new WorldError('InvalidParameterException', 'tasks can have at most 100 items');
        const found = (i.tasks ?? []).map((a) => world.tasks.get(shortName(a)));
        return { tasks: found.filter((x): x is WTask => !!x).map(taskOut), failures: [] };
      },
    ],
    [
      ECS.DescribeTaskDefinitionCommand,
      'DescribeTaskDefinition',
      (i: ECS.DescribeTaskDefinitionCommandInput) => {
        const key = shortName(i.taskDefinition ?? '');
        const td =
          world.taskDefs.get(key) ??
          [...world.taskDefs.values()].filter((t) => t.family === key).sort((a, b) => b.revision - a.revision)[0];
        if (!td) throw new WorldError('ClientException', 'Unable to describe task definition.');
        return {
          taskDefinition: {
            taskDefinitionArn: `arn:aws:ecs:${world.region}:${world.account}:task-definition/${td.family}:${td.revision}`,
            family: td.family,
            revision: td.revision,
            cpu: td.cpu !== undefined ? String(td.cpu) : undefined,
            memory: td.memory !== undefined ? String(td.memory) : undefined,
            networkMode: td.networkMode as ECS.NetworkMode | undefined,
            requiresCompatibilities: td.requiresCompatibilities as ECS.Compatibility[] | undefined,
            status: td.status ?? 'ACTIVE',
            taskRoleArn: td.taskRoleArn,
            executionRoleArn: td.executionRoleArn,
            containerDefinitions: td.containers.map((c) => ({
              name: c.name,
              image: c.image,
              cpu: c.cpu,
              memory: c.memory,
              essential: c.essential ?? true,
              portMappings: c.portMappings?.map((m) => ({ ...m, protocol: m.protocol ?? 'tcp' })),
              logConfiguration: c.logConfiguration as ECS.LogConfiguration | undefined,
              environment: c.environment,
              secrets: c.secrets,
            })),
          },
        };
      },
    ],
    [
      ECS.ListTaskDefinitionsCommand,
      'ListTaskDefinitions',
      (i: ECS.ListTaskDefinitionsCommandInput) => {
        // familyPrefix matches the start of the family name, as ECS does; status defaults to ACTIVE.
        const status = i.status ?? 'ACTIVE';
        const arns = [...world.taskDefs.values()]
          .filter((t) => !i.familyPrefix || t.family.startsWith(i.familyPrefix))
          .filter((t) => (t.status ?? 'ACTIVE') === status)
          .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision)
          .map((t) => `arn:aws:ecs:${world.region}:${world.account}:task-definition/${t.family}:${t.revision}`);
        if (i.sort === 'DESC') arns.reverse();
        const p = page(arns, i, 100, 100);
        return { taskDefinitionArns: p.items, nextToken: p.nextToken };
      },
    ],
    [
      ECS.DescribeCapacityProvidersCommand,
      'DescribeCapacityProviders',
      (i: ECS.DescribeCapacityProvidersCommandInput) => {
        const names = i.capacityProviders ?? [...world.capacityProviders.keys()];
        return {
          capacityProviders: names
            .map((n) => world.capacityProviders.get(shortName(n)))
            .filter((x) => !!x)
            .map((cp) => ({
              name: cp!.name,
              capacityProviderArn: cp!.arn,
              status: 'ACTIVE',
              autoScalingGroupProvider: {
                autoScalingGroupArn: cp!.asgArn,
                managedScaling: { status: cp!.managedScaling, targetCapacity: 100 },
                managedTerminationProtection: cp!.managedTerminationProtection,
              },
            })),
        };
      },
    ],
    [
      ECS.UpdateServiceCommand,
      'UpdateService',
      (i: ECS.UpdateServiceCommandInput) => {
        const c = clusterOf(world, i.cluster);
        const s = world.services.get(`${c.name}/${shortName(i.service ?? '')}`);
        if (!s) throw new WorldError('ServiceNotFoundException', 'Service not found.');
        if (i.desiredCount !== undefined) world.updateServiceDesired(c.name, s.name, i.desiredCount);
        if (i.taskDefinition) world.updateServiceTaskDef(c.name, s.name, i.taskDefinition, !!i.forceNewDeployment);
        else if (i.forceNewDeployment) world.forceNewDeployment(c.name, s.name);
        return { service: svcOut(s) };
      },
    ],
    [
      ECS.UpdateClusterSettingsCommand,
      'UpdateClusterSettings',
      (i: ECS.UpdateClusterSettingsCommandInput) => {
        const c = clusterOf(world, i.cluster);
        for (const st of i.settings ?? []) {
          if (st.name === 'containerInsights') {
            if (!['enabled', 'enhanced', 'disabled'].includes(String(st.value)))
              throw new WorldError('InvalidParameterException', 'invalid containerInsights value');
            c.containerInsights = st.value as 'enabled' | 'enhanced' | 'disabled';
          }
        }
        return { cluster: clusterOut(c.name, ['SETTINGS']) };
      },
    ],
  ];
}

function cloudwatchHandlers(world: AwsWorld): [any, string, Handler][] {
  const alarmOut = (a: ReturnType<AwsWorld['alarms']['get']> & {}): CW.MetricAlarm => ({
    AlarmName: a.name,
    AlarmArn: a.arn,
    AlarmDescription: a.description,
    Namespace: a.namespace,
    MetricName: a.metricName,
    Dimensions: a.dimensions,
    Statistic: a.statistic as CW.Statistic | undefined,
    Period: a.period,
    EvaluationPeriods: a.evaluationPeriods,
    Threshold: a.threshold,
    ComparisonOperator: a.comparisonOperator as CW.ComparisonOperator | undefined,
    AlarmActions: a.alarmActions,
    OKActions: a.okActions,
    InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.state,
    StateReason: a.stateReason,
    StateUpdatedTimestamp: new Date(a.stateUpdatedAt),
    TreatMissingData: a.treatMissingData,
  });
  return [
    [
      CW.GetMetricDataCommand,
      'GetMetricData',
      (i: CW.GetMetricDataCommandInput) => {
        const qs = i.MetricDataQueries ?? [];
        if (qs.length > 500)
          throw new WorldError(
            'InvalidParameterValue',
            'The collection MetricDataQueries must not have a size greater than 500.',
          );
        const start = new Date(i.StartTime as Date).getTime();
        const end = new Date(i.EndTime as Date).getTime();
        return {
          MetricDataResults: qs.map((q) => {
            const ms = q.MetricStat;
            if (!ms?.Metric) return { Id: q.Id, Label: q.Label, StatusCode: 'Complete', Timestamps: [], Values: [] };
            const dims = Object.fromEntries((ms.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
            const period = (ms.Period ?? 60) * 1000;
            const ts: Date[] = [];
            const vals: number[] = [];
            // Newest first, as CloudWatch returns by default (ScanBy TimestampDescending).
            for (let t = Math.floor(end / period) * period; t >= start; t -= period) {
              const v = world.metricValue(
                ms.Metric.Namespace ?? '',
                ms.Metric.MetricName ?? '',
                dims as Record<string, string>,
                ms.Stat ?? 'Average',
                t,
              );
              if (v === undefined) continue;
              ts.push(new Date(t));
              vals.push(v);
            }
            return {
              Id: q.Id,
              Label: q.Label ?? ms.Metric.MetricName,
              StatusCode: 'Complete',
              Timestamps: ts,
              Values: vals,
            };
          }),
        };
      },
    ],
    [
      CW.DescribeAlarmsCommand,
      'DescribeAlarms',
      (i: CW.DescribeAlarmsCommandInput) => {
        let alarms = [...world.alarms.values()];
        if (i.AlarmNames?.length) alarms = alarms.filter((a) => i.AlarmNames!.includes(a.name));
        if (i.AlarmNamePrefix) alarms = alarms.filter((a) => a.name.startsWith(i.AlarmNamePrefix!));
        if (i.StateValue) alarms = alarms.filter((a) => a.state === i.StateValue);
        const p = page(alarms, { nextToken: i.NextToken, maxResults: i.MaxRecords }, 50, 100);
        return { MetricAlarms: p.items.map(alarmOut), CompositeAlarms: [], NextToken: p.nextToken };
      },
    ],
    [
      CW.PutMetricAlarmCommand,
      'PutMetricAlarm',
      (i: CW.PutMetricAlarmCommandInput) => {
        if (!i.AlarmName) throw new WorldError('ValidationError', 'AlarmName is required');
        world.alarms.set(i.AlarmName, {
          name: i.AlarmName,
          arn: `arn:aws:cloudwatch:${world.region}:${world.account}:alarm:${i.AlarmName}`,
          namespace: i.Namespace,
          metricName: i.MetricName,
          dimensions: (i.Dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! })),
          statistic: i.Statistic,
          period: i.Period,
          evaluationPeriods: i.EvaluationPeriods,
          threshold: i.Threshold,
          comparisonOperator: i.ComparisonOperator,
          alarmActions: i.AlarmActions ?? [],
          okActions: i.OKActions ?? [],
          insufficientDataActions: i.InsufficientDataActions ?? [],
          state: 'INSUFFICIENT_DATA',
          stateReason: 'Unchecked: Initial alarm creation',
          stateUpdatedAt: world.now,
          description: i.AlarmDescription,
          treatMissingData: i.TreatMissingData,
        });
        return {};
      },
    ],
    [
      CW.DeleteAlarmsCommand,
      'DeleteAlarms',
      (i: CW.DeleteAlarmsCommandInput) => {
        for (const n of i.AlarmNames ?? []) {
          if (!world.alarms.has(n)) throw new WorldError('ResourceNotFound', `Alarm ${n} not found`);
        }
        for (const n of i.AlarmNames ?? []) world.alarms.delete(n);
        return {};
      },
    ],
    [
      CW.GetMetricWidgetImageCommand,
      'GetMetricWidgetImage',
      () => ({
        // A 1×1 transparent PNG.
        MetricWidgetImage: Uint8Array.from(
          Buffer.from(
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
            'base64',
          ),
        ),
      }),
    ],
  ];
}

function asgHandlers(world: AwsWorld): [any, string, Handler][] {
  const out = (a: NonNullable<ReturnType<AwsWorld['asgs']['get']>>): ASG.AutoScalingGroup => ({
    AutoScalingGroupName: a.name,
    AutoScalingGroupARN: a.arn,
    MinSize: a.min,
    MaxSize: a.max,
    DesiredCapacity: a.desired,
    DefaultCooldown: 300,
    AvailabilityZones: [`${world.region}a`],
    HealthCheckType: 'EC2',
    CreatedTime: new Date(world.now - 86_400_000),
    Instances: a.instances.map((i) => ({
      InstanceId: i.id,
      InstanceType: a.instanceType,
      AvailabilityZone: `${world.region}a`,
      LifecycleState: i.lifecycle as ASG.LifecycleState,
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
    })),
    MixedInstancesPolicy: undefined,
    LaunchTemplate: { LaunchTemplateName: `${a.name}-lt`, Version: '$Latest' },
  });
  return [
    [
      ASG.DescribeAutoScalingGroupsCommand,
      'DescribeAutoScalingGroups',
      (i: ASG.DescribeAutoScalingGroupsCommandInput) => {
        let groups = [...world.asgs.values()];
        if (i.AutoScalingGroupNames?.length) groups = groups.filter((g) => i.AutoScalingGroupNames!.includes(g.name));
        return { AutoScalingGroups: groups.map(out) };
      },
    ],
    [
      ASG.DescribeAutoScalingInstancesCommand,
      'DescribeAutoScalingInstances',
      (i: ASG.DescribeAutoScalingInstancesCommandInput) => {
        const rows: ASG.AutoScalingInstanceDetails[] = [];
        for (const g of world.asgs.values()) {
          for (const inst of g.instances) {
            if (!i.InstanceIds || i.InstanceIds.includes(inst.id)) {
              rows.push({
                InstanceId: inst.id,
                AutoScalingGroupName: g.name,
                AvailabilityZone: `${world.region}a`,
                LifecycleState: inst.lifecycle,
                HealthStatus: 'HEALTHY',
                ProtectedFromScaleIn: false,
                InstanceType: g.instanceType,
              });
            }
          }
        }
        return { AutoScalingInstances: rows };
      },
    ],
    [
      ASG.UpdateAutoScalingGroupCommand,
      'UpdateAutoScalingGroup',
      (i: ASG.UpdateAutoScalingGroupCommandInput) => {
        world.updateAsg(i.AutoScalingGroupName ?? '', { desired: i.DesiredCapacity, min: i.MinSize, max: i.MaxSize });
        return {};
      },
    ],
  ];
}

function aasHandlers(world: AwsWorld): [any, string, Handler][] {
  const resourceOf = (s: WService) => `service/${s.cluster}/${s.name}`;
  const withTarget = () => [...world.services.values()].filter((s) => s.scalableTarget);
  return [
    [
      AAS.DescribeScalableTargetsCommand,
      'DescribeScalableTargets',
      (i: AAS.DescribeScalableTargetsCommandInput) => ({
        ScalableTargets: withTarget()
          .filter((s) => !i.ResourceIds || i.ResourceIds.includes(resourceOf(s)))
          .map((s) => ({
            ServiceNamespace: 'ecs',
            ResourceId: resourceOf(s),
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: s.scalableTarget!.min,
            MaxCapacity: s.scalableTarget!.max,
            RoleARN: `arn:aws:iam::${world.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
            CreationTime: new Date(world.now - 86_400_000),
          })),
      }),
    ],
    [
      AAS.DescribeScalingPoliciesCommand,
      'DescribeScalingPolicies',
      (i: AAS.DescribeScalingPoliciesCommandInput) => ({
        ScalingPolicies: withTarget()
          .filter((s) => !i.ResourceId || i.ResourceId === resourceOf(s))
          .flatMap((s) =>
            s.scalableTarget!.policies.map((p) => ({
              PolicyARN: `arn:aws:autoscaling:${world.region}:${world.account}:scalingPolicy:x:resource/ecs/${resourceOf(s)}:policyName/${p.name}`,
              PolicyName: p.name,
              ServiceNamespace: 'ecs',
              ResourceId: resourceOf(s),
              ScalableDimension: 'ecs:service:DesiredCount',
              PolicyType: p.type,
              CreationTime: new Date(world.now - 86_400_000),
            })),
          ),
      }),
    ],
  ];
}

function snsHandlers(world: AwsWorld): [any, string, Handler][] {
  const topic = (arn?: string) => {
    const t = world.topics.get(arn ?? '');
    if (!t) throw new WorldError('NotFoundException', 'Topic does not exist');
    return t;
  };
  return [
    [
      SNS.GetTopicAttributesCommand,
      'GetTopicAttributes',
      (i: SNS.GetTopicAttributesCommandInput) => {
        const t = topic(i.TopicArn);
        return {
          Attributes: {
            TopicArn: t.arn,
            SubscriptionsConfirmed: String(t.subscriptions.filter((s) => !s.pending).length),
            SubscriptionsPending: String(t.subscriptions.filter((s) => s.pending).length),
          },
        };
      },
    ],
    [
      SNS.ListSubscriptionsByTopicCommand,
      'ListSubscriptionsByTopic',
      (i: SNS.ListSubscriptionsByTopicCommandInput) => ({
        Subscriptions: topic(i.TopicArn).subscriptions.map((s) => ({
          SubscriptionArn: s.pending ? 'PendingConfirmation' : s.arn,
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          TopicArn: i.TopicArn,
          Owner: world.account,
        })),
      }),
    ],
    [
      SNS.GetSubscriptionAttributesCommand,
      'GetSubscriptionAttributes',
      (i: SNS.GetSubscriptionAttributesCommandInput) => {
        for (const t of world.topics.values()) {
          const s = t.subscriptions.find((x) => x.arn === i.SubscriptionArn);
          if (s)
            return {
              Attributes: {
                SubscriptionArn: s.arn,
                TopicArn: t.arn,
                Protocol: s.protocol,
                Endpoint: s.endpoint,
                Owner: world.account,
                PendingConfirmation: String(s.pending),
                ConfirmationWasAuthenticated: 'true',
                ...s.attributes,
              },
            };
        }
        throw new WorldError('NotFoundException', 'Subscription does not exist');
      },
    ],
    [
      SNS.ConfirmSubscriptionCommand,
      'ConfirmSubscription',
      (i: SNS.ConfirmSubscriptionCommandInput) => {
        const t = topic(i.TopicArn);
        const pending = t.subscriptions.find((s) => s.pending);
        if (pending) pending.pending = false;
        return { SubscriptionArn: pending?.arn ?? `${t.arn}:${'0'.repeat(8)}-confirmed` };
      },
    ],
  ];
}

function sqsHandlers(world: AwsWorld): [any, string, Handler][] {
  const sqs = world.sqs;
  return [
    [SQS.ReceiveMessageCommand, 'ReceiveMessage', (i: SQS.ReceiveMessageCommandInput) => sqs.receive(i as any)],
    [
      SQS.DeleteMessageBatchCommand,
      'DeleteMessageBatch',
      (i: SQS.DeleteMessageBatchCommandInput) => sqs.deleteBatch(i),
    ],
    [SQS.DeleteMessageCommand, 'DeleteMessage', (i: SQS.DeleteMessageCommandInput) => sqs.deleteMessage(i)],
    [
      SQS.GetQueueAttributesCommand,
      'GetQueueAttributes',
      (i: SQS.GetQueueAttributesCommandInput) => sqs.attributes(i as any),
    ],
    [
      SQS.SendMessageCommand,
      'SendMessage',
      (i: SQS.SendMessageCommandInput) => ({ MessageId: sqs.send(i.QueueUrl ?? '', i.MessageBody ?? '').id }),
    ],
  ];
}
