import type { ScaleBounds } from '../bounds';
import type { ClusterSummary, ContainerInstanceInfo, ServiceSummary, TaskDefinitionInfo, TaskInfo } from '../model';
import type { CapacityPlan } from '../capacity';

/**
 * The vocabulary of a diagnosis: plain data, no Slack and no SDK. Rules read a DiagnosisInput and
 * each returns findings; the recommendation engine reads the findings' facts and proposes changes
 * that only the approval flow can carry out.
 */
export type Severity = 'critical' | 'warning' | 'info' | 'ok';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'info', 'ok'];

/** One conclusion and the evidence it rests on. All text is plain (renderers escape it). */
export interface Finding {
  /** Stable per finding type: tasks, placement, capacity, stopped-tasks, deployment, utilisation, insights. */
  id: string;
  severity: Severity;
  /** One line that stands on its own. */
  title: string;
  /** What it means and, where it helps, what to do. */
  detail: string;
  /** The facts read from AWS that the finding rests on, one per line, counted and summarised. */
  evidence: string[];
  /** Lines to show as they were written (a stopped container's last log lines), under a caption. */
  excerpt?: { caption: string; lines: string[] };
}

/** The Auto Scaling group that feeds the cluster's EC2 capacity. */
export interface AsgInfo {
  name: string;
  min: number;
  max: number;
  desired: number;
  instanceType?: string;
  /** Instances the group has launched that are not yet InService. */
  launching: number;
  /** How the bot found it (for the evidence line). */
  foundBy: 'ASG_MAPPING' | 'capacity provider' | 'instance lookup';
  /** Set when a capacity provider with managed scaling drives the group's desired capacity. */
  managedScaling?: boolean;
}

/** Service auto scaling (Application Auto Scaling) registered for the service. */
export interface ServiceScalingInfo {
  min: number;
  max: number;
  policies: string[];
}

/** CPU and memory utilisation as a percentage of the service's reservation (latest datapoint). */
export interface UtilisationInfo {
  source: 'container-insights' | 'aws-ecs';
  cpu?: number;
  memory?: number;
}

/** The last lines a failed container wrote, plain text, read for the most recent failed stop. */
export interface StoppedContainerLogs {
  taskId: string;
  container: string;
  exitCode?: number;
  reason: string;
  lines: string[];
  /** Why no lines could be read (another log driver, a missing group or grant). */
  problem?: string;
}

/**
 * The most recent container killed for running out of memory: its limits from the task definition of
 * its revision, and the peak the service's tasks reached from Container Insights when available.
 */
export interface MemoryKillInfo {
  taskId: string;
  taskDefinition: string;
  container: string;
  /** The container's hard limit (`memory`), MiB. */
  containerLimit?: number;
  /** The container's soft reservation (`memoryReservation`), MiB. */
  containerReservation?: number;
  /** The task's memory (task level, or the sum over containers), MiB. */
  taskMemory?: number;
  /** Highest 1-minute MemoryUtilized ÷ MemoryReserved of the service over the last hour, percent. */
  peakPct?: number;
  peakAt?: number;
  /** Why the peak is not known (Container Insights off, no datapoint, CloudWatch refused). */
  peakMissing?: string;
  exitCode?: number;
  reason: string;
  stoppedAt?: number;
  /** Memory kills among the service's tasks in the last hour. */
  kills: number;
}

/** Everything the rules read. Optional parts are undefined when not read (or not applicable); `gaps` says why. */
export interface DiagnosisInput {
  now: number;
  cluster: ClusterSummary;
  service: ServiceSummary;
  taskDefinition?: TaskDefinitionInfo;
  /** Container instances of the cluster (EC2 capacity); undefined on Fargate or when unreadable. */
  instances?: ContainerInstanceInfo[];
  /** The service's tasks whose desired status is RUNNING (running, pending, provisioning). */
  tasks?: TaskInfo[];
  /** The service's recently stopped tasks (ECS keeps them about an hour). */
  stoppedTasks?: TaskInfo[];
  /** The last log lines of the container that failed in the most recent failed stop (see pickStoppedContainer). */
  stoppedLogs?: StoppedContainerLogs;
  /** The most recent memory kill, with the container's limits and the peak use (undefined when none). */
  memoryKill?: MemoryKillInfo;
  utilisation?: UtilisationInfo;
  /** The Auto Scaling group feeding the cluster, when it has exactly one. */
  asg?: AsgInfo;
  /** Every Auto Scaling group feeding the cluster, when it has several; the diagnosis chooses among them. */
  asgs?: AsgInfo[];
  serviceScaling?: ServiceScalingInfo;
  /**
   * Bounds the approval flow enforces in the service's account (per kind: a policy rule may differ per
   * action), so the recommendation stays within them; `account` names it in notes when there are several.
   */
  limits: { tasks: ScaleBounds; instances: ScaleBounds; account?: string };
  /** Evidence that could not be read, in plain words ("stopped tasks: AccessDenied …"). */
  gaps: string[];
}

/** A change the approval flow can carry out: exactly the value of an ACTIONS.changePropose button. */
export interface ProposedChange {
  a: 'scale-service' | 'scale-instances' | 'rollback-service';
  c: string;
  s?: string;
  /** scale-service / scale-instances: the count to set. */
  n?: number;
  /** scale-instances: the Auto Scaling group to scale. */
  g?: string;
  /** rollback-service: the revision to go back to, `family:N`. */
  td?: string;
  r: string;
}

export interface RecommendedAction {
  /** Button label, plain text. */
  label: string;
  /** The first action is the recommended one. */
  primary: boolean;
  proposal: ProposedChange;
}

export interface Recommendation {
  /** One sentence: what to do and why, plain text. */
  summary: string;
  actions: RecommendedAction[];
  /** Caveats worth reading before approving. */
  notes: string[];
}

export interface Diagnosis {
  cluster: string;
  service: string;
  at: number;
  /** The service's task counts as ECS reported them. */
  counts: { desired: number; running: number; pending: number };
  /** Worst first (critical, warning, info, ok); stable within a severity. */
  findings: Finding[];
  /** The headline: the worst finding's title, or that the service looks healthy. */
  headline: string;
  severity: Severity;
  healthy: boolean;
  recommendation?: Recommendation;
  capacity?: CapacityPlan;
  gaps: string[];
}
