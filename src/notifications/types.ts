/**
 * The neutral model every SNS message becomes, whatever produced it. Incidents, cards and thread lines
 * are built from these alone, so a new source only needs a parser.
 */

/** CloudWatch states, plus INFO for events that change no state (they only add to an open card's thread). */
export type NotificationState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' | 'INFO';

/** Colour and emoji of a card: how bad it is, independent of the source. */
export type Level = 'critical' | 'warning' | 'ok' | 'info' | 'unknown';

/** Where a message came from on SNS (for logs and the raw card). */
export interface NotificationSource {
  topicArn: string;
  messageId: string;
  subject?: string;
}

interface NotificationBase {
  /** Stable identity of the thing whose state changes: one card (incident) per key at a time. */
  key: string;
  /** Short title: the alarm name, `cluster/service`, or the subject. */
  name: string;
  state: NotificationState;
  level: Level;
  /** When the state changed at the source (StateChangeTime, event time), epoch ms; incidents are ordered by it. */
  at: number;
  /** The reason in plain words, one or two sentences (unescaped). */
  summary: string;
  region?: string;
  account?: string;
  cluster?: string;
  service?: string;
  source: NotificationSource;
}

export interface Dimension {
  name: string;
  value: string;
}

/** One metric of a metric alarm, or one series of a metric-math alarm. */
export interface MetricRef {
  namespace?: string;
  name?: string;
  dimensions: Dimension[];
  /** As CloudWatch names it in a widget: Average, Maximum, Sum, p99 … */
  stat?: string;
  periodSeconds?: number;
  unit?: string;
}

/** One entry of `Trigger.Metrics` of a metric-math alarm. */
export interface MathSeries {
  id: string;
  label?: string;
  expression?: string;
  metric?: MetricRef;
  returnData: boolean;
}

export interface AlarmCondition {
  /** ComparisonOperator as sent (GreaterThanThreshold …). */
  comparison?: string;
  threshold?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  periodSeconds?: number;
  /** Normalised (`missing`, `breaching`, `notBreaching`, `ignore`). */
  treatMissingData?: string;
}

export interface CompositeChild {
  arn?: string;
  name: string;
  state?: string;
  at?: number;
}

/** A CloudWatch alarm state change (metric, metric math, composite, or another kind without a Trigger). */
export interface AlarmNotification extends NotificationBase {
  kind: 'alarm';
  alarmType: 'metric' | 'metric-math' | 'composite' | 'other';
  alarmName: string;
  arn?: string;
  description?: string;
  oldState?: string;
  /** NewStateReason exactly as CloudWatch wrote it. */
  reason: string;
  /** The metric alarmed on (for metric math: the series with ReturnData, when it is a plain metric). */
  metric?: MetricRef;
  series?: MathSeries[];
  condition?: AlarmCondition;
  composite?: { rule?: string; children: CompositeChild[] };
  /** Values of the datapoints quoted in the reason, newest first as CloudWatch lists them. */
  datapoints?: number[];
}

export interface EcsContainerInfo {
  name: string;
  exitCode?: number;
  reason?: string;
  lastStatus?: string;
}

/** An Amazon ECS event delivered by EventBridge (service action, task state change, deployment). */
export interface EcsEventNotification extends NotificationBase {
  kind: 'ecs-event';
  detailType: string;
  /** SERVICE_TASK_PLACEMENT_FAILURE, SERVICE_DEPLOYMENT_FAILED, TASK_STOPPED … */
  eventName: string;
  eventId: string;
  /** `reason` of the detail (RESOURCE:MEMORY, circuit breaker text …). */
  reason?: string;
  task?: {
    arn: string;
    id: string;
    taskDefinition?: string;
    group?: string;
    stopCode?: string;
    stoppedReason?: string;
    lastStatus?: string;
    containers: EcsContainerInfo[];
  };
  deploymentId?: string;
  resources: string[];
}

/** Anything else: shown as a card with the subject and a readable excerpt. Never dropped. */
export interface RawNotification extends NotificationBase {
  kind: 'raw';
  subject?: string;
  /** Readable excerpt of the message (pretty JSON or text), already bounded. */
  excerpt: string;
  /** Set when the message was an EventBridge event of a kind the bot has no parser for. */
  detailType?: string;
}

export type Notification = AlarmNotification | EcsEventNotification | RawNotification;
