/**
 * A stateful, in-memory AWS for tests and benchmarks: ECS clusters, services, task definitions,
 * container instances and tasks; EC2 Auto Scaling groups that launch instances which join the
 * cluster; a scheduler that places tasks by CPU and memory (and writes ECS's own "unable to place"
 * service events); Container Insights metrics derived from that state; CloudWatch alarms; SNS topics.
 *
 * `awsClientsFor(world)` (aws-world-clients.ts) puts it behind real SDK v3 clients with
 * aws-sdk-client-mock, so the bot's adapters run unchanged. Time only moves when a test calls
 * `world.tick()` / `world.settle()`. One world is one account and region (by default the bot's own,
 * ACCOUNT in REGION); `AwsOrg` (aws-org.ts) holds several behind a fake STS.
 */

import { FakeSqs, type FQueue } from './fake-sqs';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** Registered resources per instance type, as the ECS agent reports them (memory after OS reservation). */
export const INSTANCE_TYPES: Record<string, { cpu: number; memory: number }> = {
  't3.micro': { cpu: 2048, memory: 982 },
  't3.small': { cpu: 2048, memory: 1939 },
  't3.medium': { cpu: 2048, memory: 3910 },
  'm5.large': { cpu: 2048, memory: 7680 },
  'c5.xlarge': { cpu: 4096, memory: 7450 },
};

export interface WContainerDef {
  name: string;
  image: string;
  cpu?: number;
  memory?: number;
  essential?: boolean;
  portMappings?: { containerPort: number; hostPort?: number; protocol?: 'tcp' | 'udp' }[];
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
  /** Plain environment variables (the bot may show their names, never their values). */
  environment?: { name: string; value: string }[];
  /** Secrets from Secrets Manager or SSM (the bot may show their names, never where they come from). */
  secrets?: { name: string; valueFrom: string }[];
}

/** How a "bad" revision's tasks die: they start, then their essential container exits. */
export interface WBadRevision {
  exitCode: number;
  /** The container's reason (ECS leaves it empty for a plain non-zero exit). */
  containerReason?: string;
}

export interface WTaskDef {
  family: string;
  revision: number;
  cpu?: number;
  memory?: number;
  networkMode?: string;
  requiresCompatibilities?: string[];
  containers: WContainerDef[];
  taskRoleArn?: string;
  executionRoleArn?: string;
  /** INACTIVE once deregistered: still described, never deployed again. */
  status?: 'ACTIVE' | 'INACTIVE';
  /** Set by `markBad`: every task of this revision stops right after it starts. */
  bad?: WBadRevision;
}

export interface WInstance {
  id: string;
  arn: string;
  ec2InstanceId: string;
  instanceType: string;
  cpu: number;
  memory: number;
  status: 'ACTIVE' | 'DRAINING';
  agentConnected: boolean;
  registeredAt: number;
  asgName?: string;
}

export interface WContainer {
  name: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  image: string;
}

export interface WTask {
  id: string;
  arn: string;
  cluster: string;
  service?: string;
  taskDef: string; // family:revision
  containerInstanceId?: string;
  lastStatus: 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  launchType: 'EC2' | 'FARGATE';
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: WContainer[];
  cpu: number;
  memory: number;
  /** Ticks a placed task stays PENDING before RUNNING. */
  pendingTicks: number;
  /** The service deployment that started it (undefined: started before the world tracked one). */
  deploymentId?: string;
}

export interface WServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface WDeployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDef: string;
  desiredCount: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason?: string;
  createdAt: number;
  updatedAt: number;
  failedTasks: number;
}

export interface WService {
  name: string;
  arn: string;
  cluster: string;
  taskDef: string;
  desiredCount: number;
  launchType: 'EC2' | 'FARGATE';
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  createdAt: number;
  events: WServiceEvent[];
  deployments: WDeployment[];
  circuitBreaker: { enable: boolean; rollback: boolean };
  /** The deployment configuration's percentages (ECS's defaults: 100 and 200). */
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[];
  /** Service auto scaling (Application Auto Scaling) registered for this service. */
  scalableTarget?: {
    min: number;
    max: number;
    policies: { name: string; type: 'TargetTrackingScaling' | 'StepScaling' }[];
  };
}

export interface WCluster {
  name: string;
  arn: string;
  containerInsights: 'enabled' | 'enhanced' | 'disabled';
  capacityProviders: string[];
  status: 'ACTIVE' | 'INACTIVE';
}

export interface WAsg {
  name: string;
  arn: string;
  min: number;
  max: number;
  desired: number;
  instanceType: string;
  /** Cluster the instances join (user data ECS_CLUSTER=…). */
  cluster?: string;
  instances: {
    id: string;
    lifecycle: 'Pending' | 'InService' | 'Terminating';
    launchedAt: number;
    pendingTicks: number;
  }[];
}

export interface WCapacityProvider {
  name: string;
  arn: string;
  asgArn: string;
  managedScaling: 'ENABLED' | 'DISABLED';
  managedTerminationProtection: 'ENABLED' | 'DISABLED';
}

export interface WAlarm {
  name: string;
  arn: string;
  namespace?: string;
  metricName?: string;
  dimensions: { Name: string; Value: string }[];
  statistic?: string;
  period?: number;
  evaluationPeriods?: number;
  threshold?: number;
  comparisonOperator?: string;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  stateReason: string;
  stateUpdatedAt: number;
  description?: string;
  treatMissingData?: string;
}

export interface WTopic {
  arn: string;
  subscriptions: {
    arn: string;
    protocol: string;
    endpoint: string;
    pending: boolean;
    /** Subscription attributes (RawMessageDelivery …) as GetSubscriptionAttributes answers them. */
    attributes?: Record<string, string>;
  }[];
}

/** Signs SNS envelopes as SNS does (test/helpers/sns-signer.ts): what a publish delivers to queues. */
export interface EnvelopeSigner {
  envelope(o: { message: string | object; subject?: string; topicArn?: string; timestamp?: number }): object;
}

/** Who made a call: the credentials it was signed with, as CloudTrail would show them. */
export interface CallIdentity {
  accessKeyId: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, or the bot's own role. */
  arn: string;
  account: string;
  roleArn?: string;
  sessionName?: string;
  sourceIdentity?: string;
  tags: Record<string, string>;
}

export interface WorldCall {
  service: string;
  op: string;
  input: any;
  at: number;
  /** Set when the call came through an AwsOrg (the credentials it was made with). */
  identity?: CallIdentity;
}

export type MetricFn = (q: {
  namespace: string;
  metricName: string;
  dims: Record<string, string>;
  stat: string;
  at: number;
}) => number | undefined;

/** Error an operation throws, shaped like an SDK service exception. */
export class WorldError extends Error {
  $fault: 'client' | 'server';
  $metadata = { httpStatusCode: 400, requestId: 'req-world' };
  constructor(name: string, message: string, fault: 'client' | 'server' = 'client') {
    super(message);
    this.name = name;
    this.$fault = fault;
    if (fault === 'server') this.$metadata.httpStatusCode = 500;
  }
}

let seq = 0;
function hex(n: number): string {
  seq += 1;
  let s = '';
  let x = seq * 2654435761;
  while (s.length < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, n);
}

export class AwsWorld {
  now: number;
  readonly clusters = new Map<string, WCluster>();
  readonly services = new Map<string, WService>(); // key cluster/name
  readonly taskDefs = new Map<string, WTaskDef>(); // key family:revision
  readonly instances = new Map<string, WInstance>(); // key container instance id
  readonly instanceCluster = new Map<string, string>();
  readonly tasks = new Map<string, WTask>(); // key task id
  readonly asgs = new Map<string, WAsg>();
  readonly capacityProviders = new Map<string, WCapacityProvider>();
  readonly alarms = new Map<string, WAlarm>();
  readonly topics = new Map<string, WTopic>();
  readonly calls: WorldCall[] = [];
  /** Fraction of reserved CPU/memory a running task uses (Container Insights utilisation). */
  utilisation = { cpu: 0.35, memory: 0.6 };
  /** Extra metric values, consulted before the derived ones. */
  metricOverride?: MetricFn;
  /** Artificial latency per call (benchmarks). */
  latencyMs = 0;
  /** Ticks a launched instance takes to become InService and register. */
  instanceLaunchTicks = 1;
  private faults: { op: string; error: () => Error; times: number }[] = [];
  /** The world's SQS (queues, visibility, redrive); topics deliver to the queues subscribed to them. */
  readonly sqs: FakeSqs;
  /** Signs what `publish` delivers; set by tests that publish (an RSA key takes a moment to make). */
  snsSigner?: EnvelopeSigner;
  /** Publishes whose delivery to a queue the queue policy refused (SNS drops them silently). */
  readonly undelivered: { topicArn: string; queueArn: string }[] = [];

  /** The account and region the world's resources live in (ARNs name them). */
  readonly account: string;
  readonly region: string;

  constructor(start = Date.UTC(2026, 10, 28, 3, 0, 0), o: { account?: string; region?: string } = {}) {
    this.now = start;
    this.account = o.account ?? ACCOUNT;
    this.region = o.region ?? REGION;
    this.sqs = new FakeSqs(this.account, this.region);
  }

  // ---------- building ----------

  addCluster(name: string, o: Partial<Omit<WCluster, 'name' | 'arn'>> = {}): WCluster {
    const c: WCluster = {
      name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:cluster/${name}`,
      containerInsights: o.containerInsights ?? 'enabled',
      capacityProviders: o.capacityProviders ?? [],
      status: 'ACTIVE',
    };
    this.clusters.set(name, c);
    return c;
  }

  registerTaskDef(td: Omit<WTaskDef, 'revision'> & { revision?: number }): WTaskDef {
    const revision =
      td.revision ??
      Math.max(0, ...[...this.taskDefs.values()].filter((t) => t.family === td.family).map((t) => t.revision)) + 1;
    const full: WTaskDef = { ...td, revision };
    this.taskDefs.set(`${td.family}:${revision}`, full);
    return full;
  }

  addInstance(
    cluster: string,
    instanceType = 't3.micro',
    o: { asgName?: string; ec2InstanceId?: string } = {},
  ): WInstance {
    const spec = INSTANCE_TYPES[instanceType];
    if (!spec) throw new Error(`unknown instance type ${instanceType}`);
    const id = hex(32);
    const inst: WInstance = {
      id,
      arn: `arn:aws:ecs:${this.region}:${this.account}:container-instance/${cluster}/${id}`,
      ec2InstanceId: o.ec2InstanceId ?? `i-${hex(17)}`,
      instanceType,
      cpu: spec.cpu,
      memory: spec.memory,
      status: 'ACTIVE',
      agentConnected: true,
      registeredAt: this.now,
      asgName: o.asgName,
    };
    this.instances.set(id, inst);
    this.instanceCluster.set(id, cluster);
    return inst;
  }

  addService(
    cluster: string,
    name: string,
    taskDef: string,
    desiredCount: number,
    o: Partial<
      Pick<
        WService,
        | 'launchType'
        | 'circuitBreaker'
        | 'capacityProviderStrategy'
        | 'scalableTarget'
        | 'minimumHealthyPercent'
        | 'maximumPercent'
      >
    > & {
      place?: boolean;
    } = {},
  ): WService {
    const s: WService = {
      name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:service/${cluster}/${name}`,
      cluster,
      taskDef,
      desiredCount,
      launchType: o.launchType ?? 'EC2',
      status: 'ACTIVE',
      createdAt: this.now - 86_400_000,
      events: [],
      deployments: [
        {
          id: `ecs-svc/${hex(19)}`,
          status: 'PRIMARY',
          taskDef,
          desiredCount,
          rolloutState: 'COMPLETED',
          createdAt: this.now - 86_400_000,
          updatedAt: this.now - 86_400_000,
          failedTasks: 0,
        },
      ],
      circuitBreaker: o.circuitBreaker ?? { enable: true, rollback: true },
      capacityProviderStrategy: o.capacityProviderStrategy,
      scalableTarget: o.scalableTarget,
      minimumHealthyPercent: o.minimumHealthyPercent,
      maximumPercent: o.maximumPercent,
    };
    this.services.set(`${cluster}/${name}`, s);
    if (o.place !== false) {
      this.schedule();
      this.tasksOf(cluster, name).forEach((t) => {
        if (t.lastStatus === 'PENDING' && t.containerInstanceId) this.startTask(t);
      });
    }
    return s;
  }

  addAsg(
    name: string,
    o: { min: number; max: number; desired: number; instanceType: string; cluster?: string; existing?: string[] },
  ): WAsg {
    const asg: WAsg = {
      name,
      arn: `arn:aws:autoscaling:${this.region}:${this.account}:autoScalingGroup:${hex(8)}-${hex(4)}:autoScalingGroupName/${name}`,
      min: o.min,
      max: o.max,
      desired: o.desired,
      instanceType: o.instanceType,
      cluster: o.cluster,
      instances: (o.existing ?? []).map((id) => ({
        id,
        lifecycle: 'InService' as const,
        launchedAt: this.now - 3_600_000,
        pendingTicks: 0,
      })),
    };
    this.asgs.set(name, asg);
    return asg;
  }

  addCapacityProvider(
    name: string,
    asgName: string,
    managedScaling: 'ENABLED' | 'DISABLED' = 'DISABLED',
  ): WCapacityProvider {
    const asg = this.asgs.get(asgName);
    if (!asg) throw new Error(`no ASG ${asgName}`);
    const cp: WCapacityProvider = {
      name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:capacity-provider/${name}`,
      asgArn: asg.arn,
      managedScaling,
      managedTerminationProtection: 'DISABLED',
    };
    this.capacityProviders.set(name, cp);
    return cp;
  }

  addTopic(arn: string): WTopic {
    const t: WTopic = { arn, subscriptions: [] };
    this.topics.set(arn, t);
    return t;
  }

  /** Subscribes a queue to a topic (confirmed unless `pending`); raw message delivery off unless `raw`. */
  subscribeQueue(topicArn: string, q: FQueue, o: { raw?: boolean; pending?: boolean } = {}): string {
    const t = this.topics.get(topicArn) ?? this.addTopic(topicArn);
    const arn = `${topicArn}:${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
    t.subscriptions.push({
      arn,
      protocol: 'sqs',
      endpoint: q.arn,
      pending: o.pending ?? false,
      attributes: { RawMessageDelivery: o.raw ? 'true' : 'false' },
    });
    return arn;
  }

  /**
   * Publishes to a topic: every confirmed SQS subscription whose queue policy lets the topic send gets
   * the signed envelope as its body (the bare message with raw delivery on). Returns the envelope.
   */
  publish(topicArn: string, message: string | object, o: { subject?: string; timestamp?: number } = {}): any {
    if (!this.snsSigner) throw new Error('set world.snsSigner before publishing');
    const env = this.snsSigner.envelope({ message, subject: o.subject, topicArn, timestamp: o.timestamp });
    for (const s of this.topics.get(topicArn)?.subscriptions ?? []) {
      if (s.protocol !== 'sqs' || s.pending) continue;
      const q = [...this.sqs.queues.values()].find((x) => x.arn === s.endpoint);
      if (!q) continue;
      if (!this.sqs.allowsTopic(q, topicArn)) {
        this.undelivered.push({ topicArn, queueArn: q.arn });
        continue;
      }
      const raw = s.attributes?.RawMessageDelivery === 'true';
      this.sqs.send(q.url, raw ? (env as { Message: string }).Message : JSON.stringify(env));
    }
    return env;
  }

  /** A task that stopped recently (diagnosis evidence). */
  addStoppedTask(
    cluster: string,
    service: string | undefined,
    o: { stopCode: string; stoppedReason: string; exitCode?: number; containerReason?: string; at?: number },
  ): WTask {
    const svc = service ? this.service(cluster, service) : undefined;
    const td = this.taskDefs.get(svc?.taskDef ?? [...this.taskDefs.keys()][0])!;
    const id = hex(32);
    const t: WTask = {
      id,
      arn: `arn:aws:ecs:${this.region}:${this.account}:task/${cluster}/${id}`,
      cluster,
      service,
      taskDef: `${td.family}:${td.revision}`,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      healthStatus: 'UNKNOWN',
      launchType: svc?.launchType ?? 'EC2',
      createdAt: (o.at ?? this.now) - 120_000,
      startedAt: (o.at ?? this.now) - 60_000,
      stoppedAt: o.at ?? this.now,
      stopCode: o.stopCode,
      stoppedReason: o.stoppedReason,
      containers: td.containers.map((c) => ({
        name: c.name,
        image: c.image,
        lastStatus: 'STOPPED',
        exitCode: o.exitCode,
        reason: o.containerReason,
      })),
      cpu: this.taskCpu(td),
      memory: this.taskMemory(td),
      pendingTicks: 0,
    };
    this.tasks.set(id, t);
    return t;
  }

  addServiceEvent(cluster: string, service: string, message: string, at = this.now): void {
    const s = this.service(cluster, service);
    s.events.unshift({ id: hex(36), createdAt: at, message });
  }

  // ---------- queries ----------

  cluster(name: string): WCluster {
    const c = this.clusters.get(name) ?? [...this.clusters.values()].find((x) => x.arn === name);
    if (!c) throw new WorldError('ClusterNotFoundException', 'Cluster not found.');
    return c;
  }

  service(cluster: string, name: string): WService {
    const key = `${cluster}/${name.includes('/') ? name.split('/').pop() : name}`;
    const s = this.services.get(key);
    if (!s) throw new Error(`no service ${key}`);
    return s;
  }

  servicesOf(cluster: string): WService[] {
    return [...this.services.values()].filter((s) => s.cluster === cluster && s.status === 'ACTIVE');
  }

  instancesOf(cluster: string): WInstance[] {
    return [...this.instances.values()].filter((i) => this.instanceCluster.get(i.id) === cluster);
  }

  tasksOf(cluster: string, service?: string): WTask[] {
    return [...this.tasks.values()].filter(
      (t) => t.cluster === cluster && (service === undefined || t.service === service),
    );
  }

  counts(cluster: string, service: string): { desired: number; running: number; pending: number } {
    const s = this.service(cluster, service);
    const live = this.tasksOf(cluster, service).filter((t) => t.desiredStatus === 'RUNNING');
    return {
      desired: s.desiredCount,
      running: live.filter((t) => t.lastStatus === 'RUNNING').length,
      pending: live.filter((t) => t.lastStatus === 'PENDING' || t.lastStatus === 'PROVISIONING').length,
    };
  }

  taskCpu(td: WTaskDef): number {
    return td.cpu ?? td.containers.reduce((a, c) => a + (c.cpu ?? 0), 0);
  }

  taskMemory(td: WTaskDef): number {
    return td.memory ?? td.containers.reduce((a, c) => a + (c.memory ?? 0), 0);
  }

  used(inst: WInstance): { cpu: number; memory: number } {
    const live = [...this.tasks.values()].filter(
      (t) => t.containerInstanceId === inst.id && t.lastStatus !== 'STOPPED',
    );
    return { cpu: live.reduce((a, t) => a + t.cpu, 0), memory: live.reduce((a, t) => a + t.memory, 0) };
  }

  remaining(inst: WInstance): { cpu: number; memory: number } {
    const u = this.used(inst);
    return { cpu: inst.cpu - u.cpu, memory: inst.memory - u.memory };
  }

  /** Fixed host ports a task of this definition takes on its instance (none with awsvpc or hostPort 0). */
  hostPorts(td: WTaskDef | undefined): number[] {
    if (!td || td.networkMode === 'awsvpc') return [];
    return td.containers.flatMap((c) => (c.portMappings ?? []).map((p) => p.hostPort ?? 0)).filter((p) => p > 0);
  }

  /** Host ports the live tasks on an instance hold. */
  portsTaken(inst: WInstance): Set<number> {
    const live = [...this.tasks.values()].filter(
      (t) => t.containerInstanceId === inst.id && t.lastStatus !== 'STOPPED',
    );
    return new Set(live.flatMap((t) => this.hostPorts(this.taskDefs.get(t.taskDef))));
  }

  // ---------- faults and bookkeeping ----------

  /** The next `times` calls of `op` (e.g. 'DescribeServices') throw `error()`. */
  failNext(op: string, error: () => Error, times = 1): void {
    this.faults.push({ op, error, times });
  }

  throttleNext(op: string, times = 1): void {
    this.failNext(op, () => new WorldError('ThrottlingException', 'Rate exceeded'), times);
  }

  callsTo(op: string): WorldCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  /** The MetricWidget JSON of every GetMetricWidgetImage call, parsed, oldest first. */
  widgets(): any[] {
    return this.callsTo('GetMetricWidgetImage').map((c) =>
      JSON.parse((c.input as { MetricWidget: string }).MetricWidget),
    );
  }

  /** Records a call and throws an injected fault if one is due. */
  record(service: string, op: string, input: unknown, identity?: CallIdentity): void {
    this.calls.push({ service, op, input, at: this.now, ...(identity ? { identity } : {}) });
    const f = this.faults.find((x) => x.op === op && x.times > 0);
    if (f) {
      f.times -= 1;
      if (f.times === 0) this.faults.splice(this.faults.indexOf(f), 1);
      throw f.error();
    }
  }

  // ---------- simulation ----------

  /** Moves time forward one step: instances launch and register, the scheduler places and starts tasks. */
  tick(ms = 30_000): void {
    this.now += ms;
    for (const asg of this.asgs.values()) this.reconcileAsg(asg);
    for (const t of this.tasks.values()) {
      if (t.lastStatus === 'PENDING' && t.containerInstanceId) {
        if (t.pendingTicks > 0) t.pendingTicks -= 1;
        else this.launch(t);
      }
    }
    this.schedule();
    this.refreshDeployments();
  }

  /** Ticks until nothing changes (or `max` ticks). */
  settle(max = 20): void {
    for (let i = 0; i < max; i++) {
      const before = this.fingerprint();
      this.tick();
      if (this.fingerprint() === before) return;
    }
  }

  private fingerprint(): string {
    return JSON.stringify([
      [...this.tasks.values()].map((t) => `${t.id}:${t.lastStatus}:${t.containerInstanceId ?? ''}:${t.pendingTicks}`),
      [...this.asgs.values()].map((a) => a.instances.map((i) => `${i.lifecycle}:${i.pendingTicks}`).join()),
      this.instances.size,
    ]);
  }

  private reconcileAsg(asg: WAsg): void {
    const live = asg.instances.filter((i) => i.lifecycle !== 'Terminating');
    for (let i = live.length; i < asg.desired; i++) {
      asg.instances.push({
        id: `i-${hex(17)}`,
        lifecycle: 'Pending',
        launchedAt: this.now,
        pendingTicks: this.instanceLaunchTicks,
      });
    }
    if (live.length > asg.desired) {
      for (const i of live.slice(asg.desired)) i.lifecycle = 'Terminating';
    }
    for (const i of asg.instances) {
      if (i.lifecycle === 'Pending') {
        if (i.pendingTicks > 0) i.pendingTicks -= 1;
        else {
          i.lifecycle = 'InService';
          if (asg.cluster && ![...this.instances.values()].some((x) => x.ec2InstanceId === i.id)) {
            this.addInstance(asg.cluster, asg.instanceType, { asgName: asg.name, ec2InstanceId: i.id });
          }
        }
      }
    }
    for (const i of asg.instances.filter((x) => x.lifecycle === 'Terminating')) {
      const ci = [...this.instances.values()].find((x) => x.ec2InstanceId === i.id);
      if (ci) {
        for (const t of this.tasks.values()) {
          if (t.containerInstanceId === ci.id && t.lastStatus !== 'STOPPED')
            this.stopTask(t, 'TerminationNotice', 'Instance terminated by Auto Scaling');
        }
        this.instances.delete(ci.id);
        this.instanceCluster.delete(ci.id);
      }
    }
    asg.instances = asg.instances.filter((i) => i.lifecycle !== 'Terminating');
  }

  /** The service scheduler: start missing tasks where they fit, stop extra ones. */
  schedule(): void {
    for (const s of this.services.values()) {
      if (s.status !== 'ACTIVE') continue;
      const td = this.taskDefs.get(s.taskDef);
      if (!td) continue;
      const primary = s.deployments.find((d) => d.status === 'PRIMARY');
      const all = this.tasksOf(s.cluster, s.name).filter((t) => t.desiredStatus === 'RUNNING');
      // Tasks of an older deployment are replaced: they keep running until the new ones run (maximum 200 %).
      const isOld = (t: WTask) => !!primary && t.deploymentId !== undefined && t.deploymentId !== primary.id;
      const live = all.filter((t) => !isOld(t));
      const old = all.filter(isOld);
      if (live.length > s.desiredCount) {
        const extra = [...live]
          .sort((a, b) => (a.lastStatus === 'PENDING' ? -1 : 0) - (b.lastStatus === 'PENDING' ? -1 : 0))
          .slice(0, live.length - s.desiredCount);
        for (const t of extra)
          this.stopTask(t, 'ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc)');
      }
      // Unplaced PENDING tasks try again for a place; new tasks are created for the shortfall.
      const unplaced = live.filter((t) => t.lastStatus === 'PENDING' && !t.containerInstanceId);
      // A deployment the circuit breaker failed (rollback off) launches no more tasks; the old ones keep running.
      const shortfall = primary?.rolloutState === 'FAILED' ? 0 : Math.max(0, s.desiredCount - live.length);
      for (let i = 0; i < shortfall; i++) unplaced.push(this.newTask(s, td));
      let failed = 0;
      const started: string[] = [];
      let closest: { inst: WInstance; reason: 'memory' | 'CPU units' | 'port' } | undefined;
      const ports = this.hostPorts(td);
      for (const t of unplaced) {
        if (s.launchType === 'FARGATE') {
          t.containerInstanceId = undefined;
          t.pendingTicks = 0;
          this.launch(t);
          started.push(t.id);
          continue;
        }
        const candidates = this.instancesOf(s.cluster).filter((x) => x.status === 'ACTIVE' && x.agentConnected);
        const portFree = (x: WInstance) => !ports.some((p) => this.portsTaken(x).has(p));
        const fit = candidates.find((x) => {
          const r = this.remaining(x);
          return r.cpu >= t.cpu && r.memory >= t.memory && portFree(x);
        });
        if (fit) {
          t.containerInstanceId = fit.id;
          t.pendingTicks = 1;
          started.push(t.id);
        } else {
          failed += 1;
          const best = candidates.sort((a, b) => this.remaining(b).memory - this.remaining(a).memory)[0];
          if (best) {
            const r = this.remaining(best);
            closest = {
              inst: best,
              reason:
                r.memory < t.memory ? 'memory' : r.cpu < t.cpu ? 'CPU units' : !portFree(best) ? 'port' : 'memory',
            };
          }
        }
      }
      if (old.length && live.filter((t) => t.lastStatus === 'RUNNING').length >= s.desiredCount) {
        for (const t of old)
          this.stopTask(t, 'ServiceSchedulerInitiated', `Task replaced by (deployment ${primary?.id ?? ''})`);
      }
      // ECS's own words when the scheduler launches tasks: how deployment history is read back from events.
      if (started.length > 0)
        s.events.unshift({
          id: hex(36),
          createdAt: this.now,
          message: `(service ${s.name}) has started ${started.length} tasks: ${started.map((id) => `(task ${id})`).join(' ')}.`,
        });
      if (failed > 0) {
        const msg = closest
          ? `(service ${s.name}) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${closest.inst.id}) ${closest.reason === 'port' ? 'is already using a port required by your task' : `has insufficient ${closest.reason} available`}. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`
          : `(service ${s.name}) was unable to place a task because no container instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`;
        const last = s.events[0];
        // ECS suppresses an identical message for a while; the world repeats it at most once a tick.
        if (!last || last.message !== msg || last.createdAt < this.now)
          s.events.unshift({ id: hex(36), createdAt: this.now, message: msg });
      }
      const after = this.counts(s.cluster, s.name);
      if (after.running === s.desiredCount && after.pending === 0) {
        const last = s.events[0];
        const steady = `(service ${s.name}) has reached a steady state.`;
        if (!last || last.message !== steady) s.events.unshift({ id: hex(36), createdAt: this.now, message: steady });
      }
      if (s.events.length > 100) s.events.length = 100;
    }
  }

  private newTask(s: WService, td: WTaskDef): WTask {
    const id = hex(32);
    const t: WTask = {
      id,
      arn: `arn:aws:ecs:${this.region}:${this.account}:task/${s.cluster}/${id}`,
      cluster: s.cluster,
      service: s.name,
      taskDef: `${td.family}:${td.revision}`,
      lastStatus: 'PENDING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      launchType: s.launchType,
      createdAt: this.now,
      containers: td.containers.map((c) => ({ name: c.name, image: c.image, lastStatus: 'PENDING' })),
      cpu: this.taskCpu(td),
      memory: this.taskMemory(td),
      pendingTicks: 1,
      deploymentId: s.deployments.find((d) => d.status === 'PRIMARY')?.id,
    };
    this.tasks.set(id, t);
    return t;
  }

  /**
   * A placed task starts; a task of a revision marked bad starts and its essential container exits at
   * once (exit code 1 by default), which counts as a failed task of its deployment (the circuit breaker's
   * input).
   */
  private launch(t: WTask): void {
    this.startTask(t);
    const bad = this.taskDefs.get(t.taskDef)?.bad;
    if (!bad) return;
    const essential = this.taskDefs.get(t.taskDef)!.containers.find((c) => c.essential !== false)?.name;
    this.stopTask(t, 'EssentialContainerExited', 'Essential container in task exited');
    t.healthStatus = 'UNKNOWN';
    for (const c of t.containers) {
      c.healthStatus = 'UNKNOWN';
      if (c.name === essential) {
        c.exitCode = bad.exitCode;
        c.reason = bad.containerReason;
      }
    }
    const s = t.service ? this.services.get(`${t.cluster}/${t.service}`) : undefined;
    const d = s?.deployments.find((x) => x.id === t.deploymentId);
    if (s && d) {
      d.failedTasks += 1;
      d.updatedAt = this.now;
      this.tripCircuitBreaker(s, d);
    }
  }

  /**
   * ECS's deployment circuit breaker: once a deployment has as many failed tasks as its threshold (half the
   * desired count, at least 3 and at most 200), it is FAILED; with rollback on, the service goes back to
   * the task definition of the last deployment that completed, in a new deployment.
   */
  private tripCircuitBreaker(s: WService, d: WDeployment): void {
    const threshold = Math.min(200, Math.max(3, Math.ceil(s.desiredCount / 2)));
    if (!s.circuitBreaker.enable || d.rolloutState !== 'IN_PROGRESS' || d.failedTasks < threshold) return;
    d.rolloutState = 'FAILED';
    d.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    d.updatedAt = this.now;
    this.addServiceEvent(
      s.cluster,
      s.name,
      `(service ${s.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`,
    );
    if (!s.circuitBreaker.rollback || d.status !== 'PRIMARY') return;
    const good = s.deployments.find((x) => x.id !== d.id && x.rolloutState === 'COMPLETED');
    if (!good) return;
    this.addServiceEvent(s.cluster, s.name, `(service ${s.name}) rolling back to deployment ${good.id}.`);
    s.taskDef = good.taskDef;
    this.newDeployment(s);
  }

  private startTask(t: WTask): void {
    t.lastStatus = 'RUNNING';
    t.startedAt = this.now;
    t.healthStatus = 'HEALTHY';
    for (const c of t.containers) {
      c.lastStatus = 'RUNNING';
      c.healthStatus = 'HEALTHY';
    }
  }

  stopTask(t: WTask, stopCode: string, reason: string): void {
    t.lastStatus = 'STOPPED';
    t.desiredStatus = 'STOPPED';
    t.stopCode = stopCode;
    t.stoppedReason = reason;
    t.stoppedAt = this.now;
    for (const c of t.containers) c.lastStatus = 'STOPPED';
  }

  private refreshDeployments(): void {
    for (const s of this.services.values()) {
      const primary = s.deployments.find((d) => d.status === 'PRIMARY');
      if (!primary) continue;
      primary.desiredCount = s.desiredCount;
      const c = this.counts(s.cluster, s.name);
      const mine = this.deploymentCounts(s, primary);
      if (
        primary.rolloutState === 'IN_PROGRESS' &&
        mine.running === s.desiredCount &&
        mine.pending === 0 &&
        c.running === mine.running &&
        c.pending === 0
      ) {
        primary.rolloutState = 'COMPLETED';
        primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
        primary.updatedAt = this.now;
        s.events.unshift({
          id: hex(36),
          createdAt: this.now,
          message: `(service ${s.name}) (deployment ${primary.id}) deployment completed.`,
        });
        // ECS drops the replaced deployments once the new one completes.
        s.deployments = s.deployments.filter((d) => d.status === 'PRIMARY');
      }
    }
  }

  // ---------- mutations the bot performs (through the SDK) ----------

  updateServiceDesired(cluster: string, service: string, desired: number): WService {
    const s = this.service(cluster, service);
    s.desiredCount = desired;
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    if (primary) {
      primary.desiredCount = desired;
      primary.updatedAt = this.now;
    }
    this.schedule();
    return s;
  }

  /**
   * UpdateService with forceNewDeployment: a new PRIMARY deployment of the service's task definition
   * (IN_PROGRESS); the old one becomes ACTIVE, and its tasks are stopped once the new ones run.
   */
  forceNewDeployment(cluster: string, service: string): WDeployment {
    const d = this.newDeployment(this.service(cluster, service));
    this.schedule();
    return d;
  }

  /**
   * UpdateService with a taskDefinition: ECS checks that the revision exists and is ACTIVE (an INACTIVE
   * one cannot be deployed again), then starts a new PRIMARY deployment of it as forceNewDeployment does.
   * The same revision again without forceNewDeployment changes nothing.
   */
  updateServiceTaskDef(cluster: string, service: string, ref: string, force = false): WDeployment | undefined {
    const s = this.service(cluster, service);
    const key = ref.includes('/') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
    const td = this.taskDefs.get(key);
    if (!td) throw new WorldError('ClientException', 'TaskDefinition not found.');
    if (td.status === 'INACTIVE') throw new WorldError('ClientException', 'TaskDefinition is inactive');
    if (key === s.taskDef && !force) return undefined;
    s.taskDef = key;
    const d = this.newDeployment(s);
    this.schedule();
    return d;
  }

  /** Marks a revision bad: its tasks start and their essential container exits (exit code 1 by default). */
  markBad(ref: string, o: Partial<WBadRevision> = {}): void {
    const td = this.taskDefs.get(ref);
    if (!td) throw new Error(`no task definition ${ref}`);
    td.bad = { exitCode: o.exitCode ?? 1, containerReason: o.containerReason };
  }

  /** DeregisterTaskDefinition: the revision stays describable as INACTIVE and cannot be deployed again. */
  deregisterTaskDef(ref: string): void {
    const td = this.taskDefs.get(ref);
    if (!td) throw new Error(`no task definition ${ref}`);
    td.status = 'INACTIVE';
  }

  /** A new PRIMARY deployment of the service's task definition; the previous PRIMARY becomes ACTIVE. */
  private newDeployment(s: WService): WDeployment {
    const old = s.deployments.find((d) => d.status === 'PRIMARY');
    if (old) {
      for (const t of this.tasksOf(s.cluster, s.name))
        if (t.desiredStatus === 'RUNNING' && t.deploymentId === undefined) t.deploymentId = old.id;
      old.status = 'ACTIVE';
      old.updatedAt = this.now;
    }
    const d: WDeployment = {
      id: `ecs-svc/${hex(19)}`,
      status: 'PRIMARY',
      taskDef: s.taskDef,
      desiredCount: s.desiredCount,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment in progress.',
      createdAt: this.now,
      updatedAt: this.now,
      failedTasks: 0,
    };
    s.deployments.unshift(d);
    return d;
  }

  /** Running and pending tasks that one deployment started. */
  deploymentCounts(s: WService, d: WDeployment): { running: number; pending: number } {
    const primary = d.status === 'PRIMARY';
    const live = this.tasksOf(s.cluster, s.name).filter(
      (t) => t.desiredStatus === 'RUNNING' && (t.deploymentId === d.id || (primary && t.deploymentId === undefined)),
    );
    return {
      running: live.filter((t) => t.lastStatus === 'RUNNING').length,
      pending: live.filter((t) => t.lastStatus === 'PENDING' || t.lastStatus === 'PROVISIONING').length,
    };
  }

  updateAsg(name: string, o: { desired?: number; min?: number; max?: number }): WAsg {
    const asg = this.asgs.get(name);
    if (!asg) throw new WorldError('ValidationError', `AutoScalingGroup name not found - ${name}`);
    const min = o.min ?? asg.min;
    const max = o.max ?? asg.max;
    const desired = o.desired ?? asg.desired;
    if (desired > max)
      throw new WorldError(
        'ValidationError',
        `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
      );
    if (desired < min)
      throw new WorldError(
        'ValidationError',
        `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
      );
    Object.assign(asg, { min, max, desired });
    return asg;
  }

  // ---------- metrics ----------

  /** The value Container Insights (or AWS/ECS) would report for one metric at time `at` (current state). */
  metricValue(
    namespace: string,
    metricName: string,
    dims: Record<string, string>,
    stat: string,
    at: number,
  ): number | undefined {
    const o = this.metricOverride?.({ namespace, metricName, dims, stat, at });
    if (o !== undefined) return o;
    const clusterName = dims.ClusterName;
    if (!clusterName || !this.clusters.has(clusterName)) return undefined;
    const cl = this.clusters.get(clusterName)!;
    if (namespace === 'ECS/ContainerInsights' && cl.containerInsights === 'disabled') return undefined;
    const service = dims.ServiceName;
    const tasks = this.tasksOf(clusterName, service).filter((t) => t.lastStatus === 'RUNNING');
    const cpuReserved = tasks.reduce((a, t) => a + t.cpu, 0);
    const memReserved = tasks.reduce((a, t) => a + t.memory, 0);
    // A gentle deterministic wave so sparklines have shape.
    const wave = 1 + 0.15 * Math.sin(at / 600_000);
    if (namespace === 'ECS/ContainerInsights') {
      switch (metricName) {
        case 'CpuUtilized':
          return cpuReserved * this.utilisation.cpu * wave;
        case 'CpuReserved':
          return cpuReserved;
        case 'MemoryUtilized':
          return memReserved * this.utilisation.memory * wave;
        case 'MemoryReserved':
          return memReserved;
        case 'RunningTaskCount':
          return service ? this.counts(clusterName, service).running : tasks.length;
        case 'PendingTaskCount':
          return service ? this.counts(clusterName, service).pending : undefined;
        case 'DesiredTaskCount':
          return service ? this.service(clusterName, service).desiredCount : undefined;
        case 'TaskCount':
          return this.tasksOf(clusterName).filter((t) => t.lastStatus === 'RUNNING').length;
        case 'ContainerInstanceCount':
          return this.instancesOf(clusterName).length;
        case 'ServiceCount':
          return this.servicesOf(clusterName).length;
        case 'NetworkRxBytes':
        case 'NetworkTxBytes':
          return tasks.length * 1200 * wave;
        default:
          return undefined;
      }
    }
    if (namespace === 'AWS/ECS') {
      const insts = this.instancesOf(clusterName);
      const regCpu = insts.reduce((a, i) => a + i.cpu, 0);
      const regMem = insts.reduce((a, i) => a + i.memory, 0);
      switch (metricName) {
        case 'CPUUtilization':
          return cpuReserved ? this.utilisation.cpu * 100 * wave : undefined;
        case 'MemoryUtilization':
          return memReserved ? this.utilisation.memory * 100 * wave : undefined;
        case 'CPUReservation':
          return regCpu
            ? (100 *
                this.tasksOf(clusterName)
                  .filter((t) => t.lastStatus === 'RUNNING')
                  .reduce((a, t) => a + t.cpu, 0)) /
                regCpu
            : undefined;
        case 'MemoryReservation':
          return regMem
            ? (100 *
                this.tasksOf(clusterName)
                  .filter((t) => t.lastStatus === 'RUNNING')
                  .reduce((a, t) => a + t.memory, 0)) /
                regMem
            : undefined;
        default:
          return undefined;
      }
    }
    return undefined;
  }
}

/**
 * The Container Insights lab: cluster EcsLabCluster with Container Insights on, one t3.micro
 * (2 vCPU, 982 MiB registered) from Auto Scaling group EcsLabAsg (min 1, max 1, desired 1),
 * service EcsLabApi of 512 MiB / 256 CPU tasks with desired 1. `raiseDesired(4)` reproduces the
 * incident: one task runs, three stay PENDING for want of memory.
 */
export function labWorld(o: { capacityProvider?: boolean; managedScaling?: boolean } = {}) {
  const w = new AwsWorld();
  const cluster = 'EcsLabCluster';
  const service = 'EcsLabApi';
  const asgName = 'EcsLabAsg';
  w.addCluster(cluster, {
    containerInsights: 'enabled',
    capacityProviders: o.capacityProvider ? ['EcsLabCapacity'] : [],
  });
  const inst = w.addInstance(cluster, 't3.micro', { asgName });
  w.addAsg(asgName, { min: 1, max: 1, desired: 1, instanceType: 't3.micro', cluster, existing: [inst.ec2InstanceId] });
  if (o.capacityProvider) w.addCapacityProvider('EcsLabCapacity', asgName, o.managedScaling ? 'ENABLED' : 'DISABLED');
  w.registerTaskDef({
    family: service,
    cpu: 256,
    memory: 512,
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containers: [
      {
        name: 'api',
        image: 'public.ecr.aws/nginx/nginx:stable',
        memory: 512,
        cpu: 256,
        essential: true,
        portMappings: [{ containerPort: 80, hostPort: 0 }],
      },
    ],
  });
  w.addService(
    cluster,
    service,
    `${service}:1`,
    1,
    o.capacityProvider ? { capacityProviderStrategy: [{ capacityProvider: 'EcsLabCapacity', weight: 1 }] } : {},
  );
  w.settle();
  return {
    world: w,
    cluster,
    service,
    asgName,
    /** What the operator did in the lab: raise the desired count (tasks then stay PENDING). */
    raiseDesired(n: number) {
      w.updateServiceDesired(cluster, service, n);
      w.settle();
    },
  };
}

/** A big cluster for scale tests: `services` services over `instances` m5.large instances. */
export function bigWorld(services = 300, instances = 100, cluster = 'big') {
  const w = new AwsWorld();
  w.addCluster(cluster, { containerInsights: 'enabled' });
  for (let i = 0; i < instances; i++) w.addInstance(cluster, 'm5.large');
  for (let i = 0; i < services; i++) {
    const fam = `svc-${String(i).padStart(3, '0')}`;
    w.registerTaskDef({
      family: fam,
      cpu: 128,
      memory: 256,
      containers: [{ name: 'app', image: `example/${fam}:1`, memory: 256, cpu: 128, essential: true }],
    });
    w.addService(cluster, fam, `${fam}:1`, 1 + (i % 3), { place: false });
  }
  w.settle();
  return { world: w, cluster };
}
