import { toAlarm } from '../../src/alarm-admin/cloudwatch-alarms';
import { conditionText, describeAction, isEcsAlarm, nonSnsActions } from '../../src/alarm-admin/model';
import {
  alarmSignature,
  inputSignature,
  parsePeriods,
  parseThreshold,
  pendingAlarmInput,
  pendingAlarmName,
  pendingParams,
} from '../../src/alarm-admin/pending-alarm';
import { UsageError } from '../../src/errors';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bot';

describe('the pending-tasks alarm', () => {
  it('is one PutMetricAlarm on PendingTaskCount with both dimensions and the bot topic for ALARM and OK', () => {
    const input = pendingAlarmInput({
      cluster: 'lab',
      service: 'api',
      params: { kind: 'pending', threshold: 0, periods: 3 },
      topicArn: TOPIC,
    });
    expect(input).toMatchObject({
      AlarmName: 'ecs-pending-tasks-lab-api',
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'PendingTaskCount',
      Dimensions: [
        { Name: 'ClusterName', Value: 'lab' },
        { Name: 'ServiceName', Value: 'api' },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    expect(input.InsufficientDataActions).toBeUndefined();
    expect(input.AlarmDescription).toContain('Managed by ecs-chatops.');
  });

  it('keeps names within 255 characters, distinct for distinct services', () => {
    const long = 'c'.repeat(200);
    const a = pendingAlarmName(long, 's'.repeat(200));
    const b = pendingAlarmName(long, `${'s'.repeat(199)}t`);
    expect(a.length).toBe(255);
    expect(a).not.toBe(b);
    expect(pendingAlarmName('lab', 'api')).toBe('ecs-pending-tasks-lab-api');
  });

  it.each([
    ['0', 0],
    ['2', 2],
    ['1.5', 1.5],
    [undefined, 0],
  ])('reads --threshold %s as %s', (v, n) => expect(parseThreshold(v)).toBe(n));

  it.each(['-1', 'abc', '1e3', 'NaN', '100001', ''])('refuses --threshold %j unless empty', (v) => {
    if (v === '') expect(parseThreshold(v)).toBe(0);
    else expect(() => parseThreshold(v)).toThrow(UsageError);
  });

  it.each([
    ['1', 1],
    ['1440', 1440],
    [undefined, 3],
  ])('reads --periods %s as %s', (v, n) => expect(parsePeriods(v)).toBe(n));

  it.each(['0', '1441', '2.5', '-3', 'x'])('refuses --periods %s', (v) =>
    expect(() => parsePeriods(v)).toThrow(/--periods must be a whole number/),
  );

  it('reads a proposal back, refusing anything but the pending alarm', () => {
    expect(pendingParams({ kind: 'pending', threshold: 1, periods: 2 })).toEqual({
      kind: 'pending',
      threshold: 1,
      periods: 2,
    });
    expect(() => pendingParams({ kind: 'cpu' })).toThrow('only the "pending" alarm can be created');
    expect(() => pendingParams(undefined)).toThrow(UsageError);
    expect(() => pendingParams({ kind: 'pending', periods: 1.5 })).toThrow(UsageError);
  });

  it('compares an existing alarm with the requested one by what matters', () => {
    const input = pendingAlarmInput({
      cluster: 'lab',
      service: 'api',
      params: { kind: 'pending', threshold: 0, periods: 3 },
      topicArn: TOPIC,
    });
    const same = toAlarm({
      AlarmName: input.AlarmName,
      Namespace: input.Namespace,
      MetricName: input.MetricName,
      Dimensions: [...(input.Dimensions ?? [])].reverse(),
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
      StateValue: 'OK',
    });
    expect(alarmSignature(same)).toBe(inputSignature(input));
    expect(alarmSignature({ ...same, threshold: 1 })).not.toBe(inputSignature(input));
    expect(alarmSignature(undefined)).toBeNull();
  });
});

describe('CloudWatch alarms as the bot reads them', () => {
  it('takes the namespace and dimensions of a metric-math alarm from its first metric', () => {
    const a = toAlarm({
      AlarmName: 'ratio',
      Metrics: [
        { Id: 'e1', Expression: 'a/b', ReturnData: true },
        {
          Id: 'a',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ECS',
              MetricName: 'CPUUtilization',
              Dimensions: [{ Name: 'ClusterName', Value: 'lab' }],
            },
            Period: 60,
            Stat: 'Average',
          },
        },
      ],
      StateValue: 'ALARM',
    });
    expect(a).toMatchObject({
      namespace: 'AWS/ECS',
      metric: 'CPUUtilization',
      dimensions: { ClusterName: 'lab' },
      state: 'ALARM',
    });
    expect(isEcsAlarm(a)).toBe(true);
    expect(isEcsAlarm({ ...a, namespace: 'AWS/RDS' })).toBe(false);
  });

  it('tells notifications from actions that do something', () => {
    const a = {
      alarmActions: [
        TOPIC,
        'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x:autoScalingGroupName/asg:policyName/out',
      ],
      okActions: [TOPIC, 'arn:aws-cn:sns:cn-north-1:123456789012:t'],
      insufficientDataActions: ['arn:aws:automate:us-east-1:ec2:reboot'],
    };
    expect(nonSnsActions(a).map(describeAction)).toEqual(['Auto Scaling policy', 'EC2 action (reboot)']);
    expect(
      describeAction('arn:aws:autoscaling:us-east-1:1:scalingPolicy:x:resource/ecs/service/c/s:policyName/p'),
    ).toBe('ECS service auto scaling policy');
    expect(
      conditionText({
        metric: 'PendingTaskCount',
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        evaluationPeriods: 3,
        periodSeconds: 60,
      }),
    ).toBe('PendingTaskCount Maximum > 0 for 3 × 60 s');
  });
});
