import { numOrUndef, parseArn, parseAwsTime, str } from './aws-ids';
import { compositeSummary, datapointsFromReason, metricAlarmSummary, oneLine } from './reason';
import type {
  AlarmCondition,
  AlarmNotification,
  CompositeChild,
  Dimension,
  Level,
  MathSeries,
  MetricRef,
  NotificationSource,
} from './types';

type Obj = Record<string, unknown>;
const STATES = new Set(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/** True for anything shaped like a CloudWatch alarm notification (metric, composite or other). */
export function isCloudWatchAlarm(m: unknown): m is Obj {
  return (
    !!m &&
    typeof m === 'object' &&
    typeof (m as Obj).AlarmName === 'string' &&
    typeof (m as Obj).NewStateValue === 'string'
  );
}

/** AVERAGE → Average, SAMPLE_COUNT → SampleCount, p99 stays p99 (CloudWatch widget spelling). */
function normaliseStat(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (/^(p|tm|wm|tc|ts|pr)\d/i.test(s) || /^(TM|TC|TS|PR|WM)\(/.test(s)) return s;
  return s
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Plain `missing`, or the pre-2022 `- TreatMissingData:   missing`. */
function normaliseTreatMissing(v: unknown): string | undefined {
  const s = str(v);
  return s ? s.replace(/^-\s*TreatMissingData:\s*/, '').trim() || undefined : undefined;
}

function dimensions(v: unknown): Dimension[] {
  if (!Array.isArray(v)) return [];
  const out: Dimension[] = [];
  for (const d of v) {
    if (!d || typeof d !== 'object') continue;
    const name = str((d as Obj).name ?? (d as Obj).Name);
    const value = (d as Obj).value ?? (d as Obj).Value;
    if (name && (typeof value === 'string' || typeof value === 'number')) out.push({ name, value: String(value) });
  }
  return out;
}

function series(v: unknown): MathSeries[] {
  if (!Array.isArray(v)) return [];
  const out: MathSeries[] = [];
  for (const e of v) {
    if (!e || typeof e !== 'object') continue;
    const o = e as Obj;
    const ms = o.MetricStat as Obj | undefined;
    const metric = ms && typeof ms === 'object' ? (ms.Metric as Obj | undefined) : undefined;
    out.push({
      id: str(o.Id) ?? `m${out.length + 1}`,
      label: str(o.Label),
      expression: str(o.Expression),
      returnData: o.ReturnData === true || o.ReturnData === 'true',
      metric:
        metric && typeof metric === 'object'
          ? {
              namespace: str(metric.Namespace),
              name: str(metric.MetricName),
              dimensions: dimensions(metric.Dimensions),
              stat: normaliseStat(ms?.Stat),
              periodSeconds: numOrUndef(ms?.Period),
              unit: str(ms?.Unit),
            }
          : undefined,
    });
  }
  return out;
}

function children(v: unknown): CompositeChild[] {
  if (!Array.isArray(v)) return [];
  const out: CompositeChild[] = [];
  for (const c of v) {
    if (typeof c === 'string') {
      // Documented shape: a list of strings (alarm ARNs or names).
      out.push({ arn: c.startsWith('arn:') ? c : undefined, name: alarmNameFromArn(c) ?? c });
    } else if (c && typeof c === 'object') {
      // Observed shape: {"Arn": "...", "State": {"Value": "ALARM", "Timestamp": "...+0000"}}.
      const o = c as Obj;
      const arn = str(o.Arn);
      const st = (o.State && typeof o.State === 'object' ? o.State : {}) as Obj;
      out.push({
        arn,
        name: alarmNameFromArn(arn) ?? arn ?? 'child alarm',
        state: str(st.Value),
        at: parseAwsTime(st.Timestamp),
      });
    }
  }
  return out;
}

function alarmNameFromArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const i = arn.indexOf(':alarm:');
  return i >= 0 ? arn.slice(i + ':alarm:'.length) : undefined;
}

function dim(metric: MetricRef | undefined, name: string): string | undefined {
  return metric?.dimensions.find((d) => d.name === name)?.value;
}

function levelFor(state: string): Level {
  return state === 'ALARM' ? 'critical' : state === 'OK' ? 'ok' : state === 'INSUFFICIENT_DATA' ? 'warning' : 'unknown';
}

/**
 * A CloudWatch alarm notification → AlarmNotification. Tolerates every quirk in aws-formats.md §2:
 * display-name Region (the region comes from the ARN), `+0000` offsets, both TreatMissingData forms,
 * null or absent description/unit/account, metric math, and both TriggeringChildren shapes.
 */
export function parseCloudWatchAlarm(
  m: Obj,
  source: NotificationSource,
  fallbackAt: number,
  fallbackRegion?: string,
): AlarmNotification {
  const alarmName = String(m.AlarmName);
  const rawState = String(m.NewStateValue);
  const state = STATES.has(rawState) ? (rawState as AlarmNotification['state']) : 'ALARM';
  const arn = str(m.AlarmArn);
  const parsedArn = parseArn(arn);
  const region = parsedArn?.region || fallbackRegion;
  const account = str(m.AWSAccountId) ?? (parsedArn?.account || undefined);
  const reason = str(m.NewStateReason) ?? '';
  const at = parseAwsTime(m.StateChangeTime) ?? fallbackAt;
  const trigger = m.Trigger && typeof m.Trigger === 'object' ? (m.Trigger as Obj) : undefined;

  let alarmType: AlarmNotification['alarmType'] = 'other';
  let metric: MetricRef | undefined;
  let mathSeries: MathSeries[] | undefined;
  let condition: AlarmCondition | undefined;
  let label: string | undefined;
  if (trigger) {
    condition = {
      comparison: str(trigger.ComparisonOperator),
      threshold: numOrUndef(trigger.Threshold),
      evaluationPeriods: numOrUndef(trigger.EvaluationPeriods),
      datapointsToAlarm: numOrUndef(trigger.DatapointsToAlarm),
      periodSeconds: numOrUndef(trigger.Period),
      treatMissingData: normaliseTreatMissing(trigger.TreatMissingData),
    };
    if (Array.isArray(trigger.Metrics)) {
      alarmType = 'metric-math';
      mathSeries = series(trigger.Metrics);
      const returned = mathSeries.find((s) => s.returnData) ?? mathSeries[0];
      metric = returned?.metric ?? mathSeries.find((s) => s.metric)?.metric;
      label = returned
        ? (returned.label ?? (returned.expression ? `${returned.expression}` : metric?.name))
        : undefined;
      if (metric && returned && !returned.metric) {
        // The alarm is on an expression: keep dimensions (cluster/service) but not a single metric's name.
        metric = { ...metric, name: undefined, stat: undefined };
      }
    } else {
      alarmType = 'metric';
      metric = {
        namespace: str(trigger.Namespace),
        name: str(trigger.MetricName),
        dimensions: dimensions(trigger.Dimensions),
        stat: normaliseStat(
          trigger.StatisticType === 'ExtendedStatistic'
            ? (trigger.ExtendedStatistic ?? trigger.Statistic)
            : trigger.Statistic,
        ),
        periodSeconds: numOrUndef(trigger.Period),
        unit: str(trigger.Unit),
      };
    }
  }
  let composite: AlarmNotification['composite'];
  if (!trigger && (m.AlarmRule !== undefined || m.TriggeringChildren !== undefined)) {
    alarmType = 'composite';
    composite = { rule: str(m.AlarmRule), children: children(m.TriggeringChildren) };
  }
  const datapoints = datapointsFromReason(reason);
  const summary =
    alarmType === 'composite' && composite
      ? compositeSummary(state, composite.rule, composite.children)
      : alarmType === 'other'
        ? oneLine(reason || `${alarmName} is ${state}`)
        : metricAlarmSummary({ state, reason, metric, label, condition, datapoints });

  const dimsSource = metric ?? mathSeries?.find((s) => s.metric)?.metric;
  return {
    kind: 'alarm',
    key: `alarm:${arn ?? `${region ?? '?'}:${account ?? '?'}:${alarmName}`}`,
    name: alarmName,
    alarmName,
    alarmType,
    state,
    level: levelFor(state),
    at,
    summary,
    region,
    account,
    cluster: dim(dimsSource, 'ClusterName'),
    service: dim(dimsSource, 'ServiceName'),
    source,
    arn,
    description: str(m.AlarmDescription),
    oldState: str(m.OldStateValue),
    reason,
    metric,
    series: mathSeries,
    condition,
    composite,
    datapoints,
  };
}
