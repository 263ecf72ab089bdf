/**
 * The domain's read model of ECS: plain data, no SDK and no Slack types. Adapters in src/aws map SDK
 * shapes into these; renderers and diagnosis rules read only these.
 */
export type InsightsSetting = 'enabled' | 'enhanced' | 'disabled' | 'unknown';

export interface Resources {
  cpu: number;
  memory: number;
}

export interface ClusterSummary {
  name: string;
  arn: string;
  status: string;
  containerInsights: InsightsSetting;
  registeredInstances: number;
  runningTasks: number;
  pendingTasks: number;
  activeServices: number;
  capacityProviders: string[];
}

export interface ServiceEvent {
  id: string;
  at: number;
  message: string;
}

export interface DeploymentInfo {
  id: string;
  status: string;
  taskDefinition: string;
  desired: number;
  running: number;
  pending: number;
  failedTasks: number;
  rolloutState?: string;
  rolloutStateReason?: string;
  createdAt?: number;
  updatedAt?: number;
}

export interface ServiceSummary {
  name: string;
  arn: string;
  cluster: string;
  status: string;
  desired: number;
  running: number;
  pending: number;
  launchType?: string;
  capacityProviderStrategy: { capacityProvider: string; weight?: number; base?: number }[];
  /** family:revision */
  taskDefinition: string;
  deployments: DeploymentInfo[];
  /** Newest first, as ECS returns them. */
  events: ServiceEvent[];
  createdAt?: number;
  circuitBreaker?: { enable: boolean; rollback: boolean };
  /** The deployment configuration's percentages, when ECS reports them. */
  minimumHealthyPercent?: number;
  maximumPercent?: number;
}

export interface ContainerDefinitionInfo {
  name: string;
  image?: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  essential: boolean;
  hostPorts: number[];
  /** The log driver (`awslogs`, `awsfirelens`, `splunk` …) and its options; undefined when none is set. */
  log?: { driver: string; options: Record<string, string> };
  /**
   * The NAMES of the plain environment variables and of the secrets; their values (and where a secret comes
   * from) are never read into the model, so no renderer can show them.
   */
  environmentNames?: string[];
  secretNames?: string[];
  /** Every port mapping (hostPorts above keeps only the fixed host ports). */
  portMappings?: { containerPort?: number; hostPort?: number; protocol?: string }[];
}

export interface TaskDefinitionInfo {
  family: string;
  revision: number;
  /** Task-level CPU units and MiB when set, else the sum over containers. */
  cpu: number;
  memory: number;
  networkMode?: string;
  requiresCompatibilities: string[];
  containers: ContainerDefinitionInfo[];
  /** ACTIVE, INACTIVE (deregistered: never deployed again) or DELETE_IN_PROGRESS, when ECS says. */
  status?: string;
  /** CPU units and MiB set at task level (undefined when only the containers set them). */
  taskCpu?: number;
  taskMemory?: number;
  taskRoleArn?: string;
  executionRoleArn?: string;
}

export interface ContainerInstanceInfo {
  id: string;
  arn: string;
  ec2InstanceId?: string;
  instanceType?: string;
  status: string;
  agentConnected: boolean;
  registered: Resources;
  remaining: Resources;
  runningTasks: number;
  pendingTasks: number;
  /** From the ecs.autoscaling-group attribute, when the agent sets it. */
  asgName?: string;
}

export interface ContainerState {
  name: string;
  lastStatus?: string;
  exitCode?: number;
  reason?: string;
  health?: string;
}

export interface TaskInfo {
  id: string;
  arn: string;
  /** family:revision */
  taskDefinition: string;
  service?: string;
  lastStatus: string;
  desiredStatus: string;
  health?: string;
  launchType?: string;
  cpu?: number;
  memory?: number;
  createdAt?: number;
  startedAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: ContainerState[];
  containerInstanceId?: string;
  /** Who started it: a service's tasks name the deployment (`ecs-svc/…`) that started them. */
  startedBy?: string;
}

/** "arn:…:task-definition/family:3" or "family:3" → "family:3". */
export function taskDefRef(arnOrRef: string): string {
  return arnOrRef.includes('/') ? arnOrRef.slice(arnOrRef.lastIndexOf('/') + 1) : arnOrRef;
}

/** The last path segment of an ECS ARN (cluster, service, task or container-instance id). */
export function arnName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
