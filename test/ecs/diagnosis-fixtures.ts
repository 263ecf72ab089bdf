import type {
  ClusterSummary,
  ContainerInstanceInfo,
  DeploymentInfo,
  ServiceSummary,
  TaskDefinitionInfo,
  TaskInfo,
} from '../../src/ecs/model';
import type { DiagnosisInput } from '../../src/ecs/diagnosis/types';

/** Fixture builders for the diagnosis rules: the lab by default, every part overridable. */

export const NOW = Date.UTC(2026, 10, 28, 3, 15, 0);
export const MIN = 60_000;

let n = 0;
const id = () => (++n).toString(16).padStart(32, '0');

export function cluster(o: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name: 'EcsLabCluster',
    arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/EcsLabCluster',
    status: 'ACTIVE',
    containerInsights: 'enabled',
    registeredInstances: 1,
    runningTasks: 1,
    pendingTasks: 0,
    activeServices: 1,
    capacityProviders: [],
    ...o,
  };
}

export function deployment(o: Partial<DeploymentInfo> = {}): DeploymentInfo {
  return {
    id: 'ecs-svc/1111111111111111111',
    status: 'PRIMARY',
    taskDefinition: 'EcsLabApi:1',
    desired: 1,
    running: 1,
    pending: 0,
    failedTasks: 0,
    rolloutState: 'COMPLETED',
    createdAt: NOW - 86_400_000,
    updatedAt: NOW - 86_400_000,
    ...o,
  };
}

export function service(o: Partial<ServiceSummary> = {}): ServiceSummary {
  return {
    name: 'EcsLabApi',
    arn: 'arn:aws:ecs:us-east-1:123456789012:service/EcsLabCluster/EcsLabApi',
    cluster: 'EcsLabCluster',
    status: 'ACTIVE',
    desired: 1,
    running: 1,
    pending: 0,
    launchType: 'EC2',
    capacityProviderStrategy: [],
    taskDefinition: 'EcsLabApi:1',
    deployments: [deployment()],
    events: [{ id: 'e0', at: NOW - 60 * MIN, message: '(service EcsLabApi) has reached a steady state.' }],
    circuitBreaker: { enable: true, rollback: true },
    ...o,
  };
}

export function taskDef(o: Partial<TaskDefinitionInfo> = {}): TaskDefinitionInfo {
  return {
    family: 'EcsLabApi',
    revision: 1,
    cpu: 256,
    memory: 512,
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containers: [
      {
        name: 'api',
        image: 'public.ecr.aws/nginx/nginx:stable',
        cpu: 256,
        memory: 512,
        essential: true,
        hostPorts: [],
      },
    ],
    ...o,
  };
}

/** A container instance of `type` with `used` resources taken by tasks. */
export function instance(
  o: {
    type?: string;
    cpu?: number;
    memory?: number;
    used?: { cpu: number; memory: number };
    id?: string;
    asgName?: string;
    status?: string;
    agentConnected?: boolean;
  } = {},
): ContainerInstanceInfo {
  const cpu = o.cpu ?? 2048;
  const memory = o.memory ?? 982;
  const used = o.used ?? { cpu: 0, memory: 0 };
  return {
    id: o.id ?? id(),
    arn: `arn:aws:ecs:us-east-1:123456789012:container-instance/EcsLabCluster/${o.id ?? 'x'}`,
    ec2InstanceId: `i-${id().slice(0, 17)}`,
    instanceType: o.type ?? 't3.micro',
    status: o.status ?? 'ACTIVE',
    agentConnected: o.agentConnected ?? true,
    registered: { cpu, memory },
    remaining: { cpu: cpu - used.cpu, memory: memory - used.memory },
    runningTasks: 0,
    pendingTasks: 0,
    asgName: o.asgName,
  };
}

export function task(o: Partial<TaskInfo> = {}): TaskInfo {
  const tid = o.id ?? id();
  return {
    id: tid,
    arn: `arn:aws:ecs:us-east-1:123456789012:task/EcsLabCluster/${tid}`,
    taskDefinition: 'EcsLabApi:1',
    service: 'EcsLabApi',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    launchType: 'EC2',
    cpu: 256,
    memory: 512,
    createdAt: NOW - 60 * MIN,
    containers: [{ name: 'api', lastStatus: 'RUNNING' }],
    ...o,
  };
}

export function stoppedTask(o: Partial<TaskInfo> & { exitCode?: number; containerReason?: string } = {}): TaskInfo {
  const { exitCode, containerReason, ...rest } = o;
  return task({
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stoppedAt: NOW - 5 * MIN,
    containers: [{ name: 'api', lastStatus: 'STOPPED', exitCode, reason: containerReason }],
    ...rest,
  });
}

/** A healthy lab: one t3.micro running one 512 MiB task. */
export function healthyInput(o: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const inst = instance({ id: 'a'.repeat(32), used: { cpu: 256, memory: 512 }, asgName: 'EcsLabAsg' });
  return {
    now: NOW,
    cluster: cluster(),
    service: service(),
    taskDefinition: taskDef(),
    instances: [inst],
    tasks: [task({ containerInstanceId: inst.id })],
    stoppedTasks: [],
    utilisation: { source: 'container-insights', cpu: 35, memory: 60 },
    asg: {
      name: 'EcsLabAsg',
      min: 1,
      max: 1,
      desired: 1,
      instanceType: 't3.micro',
      launching: 0,
      foundBy: 'instance lookup',
    },
    limits: { tasks: FIXTURE_BOUNDS, instances: FIXTURE_BOUNDS },
    gaps: [],
    ...o,
  };
}

export const placementEvent = (instanceId: string, what: 'memory' | 'CPU units', at: number) => ({
  id: `p${at}`,
  at,
  message: `(service EcsLabApi) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${instanceId}) has insufficient ${what} available. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
});

/** The lab incident: desired raised to 4, one task runs, three wait for memory since 12 minutes. */
export function labIncidentInput(o: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const base = healthyInput();
  const inst = base.instances![0];
  const raisedAt = NOW - 12 * MIN;
  const events = [
    ...[0, 1, 2, 3].map((k) => placementEvent(inst.id, 'memory', NOW - k * 3 * MIN)),
    { id: 'e0', at: NOW - 60 * MIN, message: '(service EcsLabApi) has reached a steady state.' },
  ];
  return {
    ...base,
    service: service({
      desired: 4,
      running: 1,
      pending: 3,
      events,
      deployments: [deployment({ desired: 4, running: 1, pending: 3, updatedAt: raisedAt })],
    }),
    tasks: [
      task({ containerInstanceId: inst.id }),
      ...[0, 1, 2].map(() =>
        task({ lastStatus: 'PENDING', createdAt: raisedAt, containers: [{ name: 'api', lastStatus: 'PENDING' }] }),
      ),
    ],
    ...o,
  };
}

/** The settings' defaults: nothing in the lab incident comes near them. */
export const FIXTURE_BOUNDS = { maxDesiredTasks: 50, maxInstances: 20, maxStep: 10 };
