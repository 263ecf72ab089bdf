import { createHash } from 'node:crypto';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { UsageError } from '../errors';
import type { CwAlarm } from './model';

/**
 * The lab's alarm: tasks of one service that stay PENDING. Pure: builds the one PutMetricAlarm input
 * the alarm-create executor sends.
 *
 * Why these settings:
 * - `PendingTaskCount` in `ECS/ContainerInsights` with dimensions ClusterName + ServiceName is the
 *   service-level count Container Insights emits once a minute; AWS/ECS has no pending metric.
 * - Statistic `Maximum` over 60-second periods: a task that could not be placed is pending in every
 *   sample of the minute, so Maximum and Average agree for the real incident, but Maximum never turns
 *   "3 pending tasks in one sample" into a fraction, and it is what the lab uses.
 * - `GreaterThanThreshold` with threshold 0 (default): any pending task counts.
 * - `--periods` consecutive minutes (default 3, DatapointsToAlarm = periods): a rolling deployment's
 *   new task is pending for seconds to a minute (image pull), a task without room stays pending, so 3
 *   minutes tells them apart without waiting long.
 * - TreatMissingData `missing`: without Container Insights there is no data, and INSUFFICIENT_DATA
 *   says so truthfully instead of a reassuring OK.
 * - AlarmActions and OKActions on the bot's topic, so the card opens and turns green.
 */
export const PENDING_METRIC = {
  namespace: 'ECS/ContainerInsights',
  metric: 'PendingTaskCount',
  statistic: 'Maximum',
  periodSeconds: 60,
} as const;

const DEFAULT_THRESHOLD = 0;
const DEFAULT_PERIODS = 3;
/** CloudWatch allows EvaluationPeriods × Period up to one day for periods under an hour. */
const MAX_PERIODS = 1440;
const MAX_THRESHOLD = 100_000;

/** Marks alarms this bot created, in the description (tags would need cloudwatch:TagResource too). */
export const MANAGED_MARK = 'Managed by ecs-chatops.';

export interface PendingAlarmParams {
  kind: 'pending';
  threshold: number;
  periods: number;
}

/** Reads `alarm` of a ChangeProposal back into parameters, refusing anything malformed. */
export function pendingParams(alarm: Record<string, unknown> | undefined, usage?: string): PendingAlarmParams {
  if (!alarm || alarm.kind !== 'pending') throw new UsageError('only the "pending" alarm can be created', usage);
  return {
    kind: 'pending',
    threshold: parseThreshold(alarm.threshold, usage),
    periods: parsePeriods(alarm.periods, usage),
  };
}

export function parseThreshold(v: unknown, usage?: string): number {
  if (v === undefined || v === null || v === '') return DEFAULT_THRESHOLD;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < 0 || n > MAX_THRESHOLD || (typeof v === 'string' && !/^\d+(\.\d+)?$/.test(v.trim()))) {
    throw new UsageError(
      `--threshold must be a number of pending tasks from 0 to ${MAX_THRESHOLD}, got "${String(v)}"`,
      usage,
    );
  }
  return n;
}

export function parsePeriods(v: unknown, usage?: string): number {
  if (v === undefined || v === null || v === '') return DEFAULT_PERIODS;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_PERIODS || (typeof v === 'string' && !/^\d+$/.test(v.trim()))) {
    throw new UsageError(
      `--periods must be a whole number of minutes from 1 to ${MAX_PERIODS}, got "${String(v)}"`,
      usage,
    );
  }
  return n;
}

/** `ecs-pending-tasks-<cluster>-<service>`, shortened with a hash when over CloudWatch's 255 characters. */
export function pendingAlarmName(cluster: string, service: string): string {
  const name = `ecs-pending-tasks-${cluster}-${service}`;
  if (name.length <= 255) return name;
  const hash = createHash('sha256').update(`${cluster}/${service}`).digest('hex').slice(0, 10);
  return `${name.slice(0, 244)}-${hash}`;
}

export function pendingAlarmInput(o: {
  cluster: string;
  service: string;
  params: PendingAlarmParams;
  topicArn: string;
}): PutMetricAlarmCommandInput {
  const { cluster, service, params, topicArn } = o;
  const minutes = params.periods === 1 ? '1 minute' : `${params.periods} consecutive minutes`;
  return {
    AlarmName: pendingAlarmName(cluster, service),
    AlarmDescription:
      `Service ${service} in cluster ${cluster} has had more than ${params.threshold} task(s) PENDING for ${minutes}: ` +
      `usually no container instance has enough free CPU or memory (or a port) for another task. ${MANAGED_MARK}`,
    Namespace: PENDING_METRIC.namespace,
    MetricName: PENDING_METRIC.metric,
    Dimensions: [
      { Name: 'ClusterName', Value: cluster },
      { Name: 'ServiceName', Value: service },
    ],
    Statistic: PENDING_METRIC.statistic,
    Period: PENDING_METRIC.periodSeconds,
    EvaluationPeriods: params.periods,
    DatapointsToAlarm: params.periods,
    Threshold: params.threshold,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing',
    ActionsEnabled: true,
    AlarmActions: [topicArn],
    OKActions: [topicArn],
  };
}

/**
 * What matters of an alarm's configuration, as one comparable string; `null` when it does not exist.
 * The executor compares it just before changing anything.
 */
export function alarmSignature(a: CwAlarm | undefined): string | null {
  if (!a) return null;
  const dims = Object.entries(a.dimensions)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [
    a.namespace,
    a.metric,
    dims,
    a.statistic,
    a.periodSeconds,
    a.evaluationPeriods,
    a.comparison,
    a.threshold,
    [...a.alarmActions].sort().join(' '),
    [...a.okActions].sort().join(' '),
    [...a.insufficientDataActions].sort().join(' '),
  ]
    .map((x) => (x === undefined ? '' : String(x)))
    .join('|');
}

/** The signature the input would produce once created. */
export function inputSignature(i: PutMetricAlarmCommandInput): string {
  return alarmSignature({
    name: i.AlarmName ?? '',
    namespace: i.Namespace,
    metric: i.MetricName,
    dimensions: Object.fromEntries((i.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
    statistic: i.Statistic,
    periodSeconds: i.Period,
    evaluationPeriods: i.EvaluationPeriods,
    datapointsToAlarm: i.DatapointsToAlarm,
    comparison: i.ComparisonOperator,
    threshold: i.Threshold,
    state: 'INSUFFICIENT_DATA',
    stateReason: '',
    actionsEnabled: true,
    alarmActions: i.AlarmActions ?? [],
    okActions: i.OKActions ?? [],
    insufficientDataActions: i.InsufficientDataActions ?? [],
  }) as string;
}
