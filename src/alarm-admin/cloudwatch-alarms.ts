import { DescribeAlarmsCommand, type CloudWatchClient, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { awsCall } from '../aws/errors';
import type { CwAlarm, CwAlarmState } from './model';

/** Pages DescribeAlarms reads at most for one list (100 alarms a page). */
const MAX_PAGES = 10;

/**
 * The CloudWatch alarm reads of the alarm admin (any time). The two calls that change alarms are in
 * cloudwatch-alarm-writer.ts, which only the approval executors in executors.ts may import.
 */
export class CloudWatchAlarms {
  constructor(private readonly cw: CloudWatchClient) {}

  /** One metric alarm by exact name, or undefined. */
  async get(name: string): Promise<CwAlarm | undefined> {
    const out = await awsCall('cloudwatch:DescribeAlarms', () =>
      this.cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] })),
    );
    const a = (out.MetricAlarms ?? []).find((m) => m.AlarmName === name);
    return a ? toAlarm(a) : undefined;
  }

  /**
   * Metric alarms, optionally in one state or with a name prefix, paginated up to `maxPages` pages of
   * 100. `truncated` says whether more exist than were read.
   */
  async list(
    o: { state?: CwAlarmState; prefix?: string; maxPages?: number } = {},
  ): Promise<{ alarms: CwAlarm[]; truncated: boolean }> {
    const alarms: CwAlarm[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await awsCall('cloudwatch:DescribeAlarms', () =>
        this.cw.send(
          new DescribeAlarmsCommand({
            StateValue: o.state,
            AlarmNamePrefix: o.prefix,
            AlarmTypes: ['MetricAlarm'],
            MaxRecords: 100,
            NextToken: token,
          }),
        ),
      );
      alarms.push(...(out.MetricAlarms ?? []).map(toAlarm));
      token = out.NextToken;
      pages += 1;
    } while (token && pages < (o.maxPages ?? MAX_PAGES));
    return { alarms, truncated: !!token };
  }
}

const ms = (d?: Date | string) => (d ? new Date(d).getTime() : undefined);

export function toAlarm(a: MetricAlarm): CwAlarm {
  const firstMetric = (a.Metrics ?? []).find((m) => m.MetricStat?.Metric?.Namespace)?.MetricStat?.Metric;
  const dims = a.Dimensions ?? firstMetric?.Dimensions ?? [];
  return {
    name: a.AlarmName ?? '',
    arn: a.AlarmArn,
    description: a.AlarmDescription,
    namespace: a.Namespace ?? firstMetric?.Namespace,
    metric: a.MetricName ?? firstMetric?.MetricName,
    dimensions: Object.fromEntries(dims.filter((d) => d.Name).map((d) => [d.Name as string, d.Value ?? ''])),
    statistic: a.Statistic ?? a.ExtendedStatistic,
    periodSeconds: a.Period,
    evaluationPeriods: a.EvaluationPeriods,
    datapointsToAlarm: a.DatapointsToAlarm,
    threshold: a.Threshold,
    comparison: a.ComparisonOperator,
    treatMissingData: a.TreatMissingData,
    state: (a.StateValue ?? 'INSUFFICIENT_DATA') as CwAlarmState,
    stateReason: a.StateReason ?? '',
    stateSince: ms(a.StateTransitionedTimestamp) ?? ms(a.StateUpdatedTimestamp),
    actionsEnabled: a.ActionsEnabled ?? true,
    alarmActions: a.AlarmActions ?? [],
    okActions: a.OKActions ?? [],
    insufficientDataActions: a.InsufficientDataActions ?? [],
  };
}
