import { parseNotification, type SnsNotificationInput } from '../../src/notifications/parse';
import { parseAwsTime } from '../../src/notifications/aws-ids';
import type { AlarmNotification, EcsEventNotification, RawNotification } from '../../src/notifications/types';
import {
  compositeDocumented,
  compositeObserved,
  deploymentFailed,
  metricMathAlarm,
  pendingTaskAlarm,
  placementFailure,
  steadyState,
  taskStopped,
  taskStoppedByScheduler,
} from './fixtures';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecs-alarms';
const NOW = Date.parse('2024-05-01T12:00:00Z');

function env(message: unknown, subject?: string): SnsNotificationInput {
  return {
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    MessageId: 'm-1',
    TopicArn: TOPIC,
    Subject: subject,
    Timestamp: '2024-05-01T10:00:01.000Z',
  };
}

describe('CloudWatch metric alarm', () => {
  it('parses the PendingTaskCount alarm into a neutral notification with a plain-words reason', () => {
    const n = parseNotification(env(pendingTaskAlarm()), NOW) as AlarmNotification;
    expect(n.kind).toBe('alarm');
    expect(n).toMatchObject({
      alarmType: 'metric',
      name: 'lab-api-pending-tasks',
      state: 'ALARM',
      level: 'critical',
      region: 'us-east-1',
      account: '123456789012',
      cluster: 'lab',
      service: 'api',
      description: 'Tasks of lab/api cannot be placed',
      oldState: 'OK',
      key: 'alarm:arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-api-pending-tasks',
    });
    expect(n.metric).toMatchObject({
      namespace: 'ECS/ContainerInsights',
      name: 'PendingTaskCount',
      stat: 'Maximum',
      periodSeconds: 60,
    });
    expect(n.metric?.unit).toBeUndefined();
    expect(n.condition).toEqual({
      comparison: 'GreaterThanThreshold',
      threshold: 0,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      periodSeconds: 60,
      treatMissingData: 'missing',
    });
    expect(n.datapoints).toEqual([2]);
    expect(n.at).toBe(Date.parse('2024-05-01T10:00:00.123Z'));
    expect(n.summary).toBe(
      'PendingTaskCount was 2 (Maximum per 1 min), above the threshold 0 in 1 of the last 1 periods.',
    );
  });

  it('takes the region from the ARN, never from the display name', () => {
    const n = parseNotification(env(metricMathAlarm), NOW) as AlarmNotification;
    expect(n.region).toBe('ap-northeast-2');
  });

  it('handles the legacy shape: null description and unit, no account or ARN, "- TreatMissingData:" prefix', () => {
    const n = parseNotification(env(pendingTaskAlarm({ legacy: true })), NOW) as AlarmNotification;
    expect(n.description).toBeUndefined();
    expect(n.account).toBeUndefined();
    expect(n.arn).toBeUndefined();
    expect(n.condition?.treatMissingData).toBe('missing');
    // Without an AlarmArn the region falls back to the topic's region and the key to region/name.
    expect(n.region).toBe('us-east-1');
    expect(n.key).toBe('alarm:us-east-1:?:lab-api-pending-tasks');
  });

  it('says OK and INSUFFICIENT_DATA in plain words', () => {
    const ok = parseNotification(env(pendingTaskAlarm({ state: 'OK' })), NOW) as AlarmNotification;
    expect(ok.level).toBe('ok');
    expect(ok.summary).toBe('PendingTaskCount is back to 0 (Maximum per 1 min), no longer above the threshold 0.');
    const insuff = parseNotification(
      env({
        ...pendingTaskAlarm({ state: 'INSUFFICIENT_DATA' }),
        NewStateReason: 'Insufficient Data: 1 datapoint was unknown.',
      }),
      NOW,
    ) as AlarmNotification;
    expect(insuff.summary).toBe('Not enough data for PendingTaskCount to decide (missing data is treated as missing).');
  });

  it('parses a metric-math alarm: Trigger.Metrics, the ReturnData series, cluster/service from its inputs', () => {
    const n = parseNotification(env(metricMathAlarm), NOW) as AlarmNotification;
    expect(n.alarmType).toBe('metric-math');
    expect(n.series?.map((s) => s.id)).toEqual(['e1', 'used', 'reserved']);
    expect(n.series?.[0]).toMatchObject({ expression: 'used / reserved * 100', returnData: true, label: 'CPU used %' });
    expect(n.series?.[1].metric).toMatchObject({
      namespace: 'ECS/ContainerInsights',
      name: 'CpuUtilized',
      stat: 'Average',
    });
    expect(n.cluster).toBe('lab');
    expect(n.service).toBe('api');
    expect(n.condition?.treatMissingData).toBe('ignore');
    expect(n.datapoints).toEqual([91.5, 88.25]);
    expect(n.summary).toBe('CPU used % was 91.5, 88.25, at or above the threshold 80 in 2 of the last 2 periods.');
  });

  it('parses a percentile (ExtendedStatistic) alarm', () => {
    const a = pendingTaskAlarm();
    const n = parseNotification(
      env({
        ...a,
        Trigger: { ...a.Trigger, StatisticType: 'ExtendedStatistic', Statistic: undefined, ExtendedStatistic: 'p99' },
      }),
      NOW,
    ) as AlarmNotification;
    expect(n.metric?.stat).toBe('p99');
  });
});

describe('composite alarm', () => {
  it('reads TriggeringChildren in the documented shape (strings)', () => {
    const n = parseNotification(env(compositeDocumented), NOW) as AlarmNotification;
    expect(n.alarmType).toBe('composite');
    expect(n.composite?.rule).toContain('ALARM(arn:aws:cloudwatch');
    expect(n.composite?.children).toEqual([
      { arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-api-pending-tasks', name: 'lab-api-pending-tasks' },
    ]);
    expect(n.summary).toBe('The composite rule is true because of lab-api-pending-tasks.');
  });

  it('reads TriggeringChildren in the observed shape (Arn + State)', () => {
    const n = parseNotification(env(compositeObserved), NOW) as AlarmNotification;
    expect(n.composite?.children).toEqual([
      {
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-api-pending-tasks',
        name: 'lab-api-pending-tasks',
        state: 'ALARM',
        at: Date.parse('2024-05-01T10:00:00.123Z'),
      },
      {
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-cpu-high',
        name: 'lab-cpu-high',
        state: 'ALARM',
        at: Date.parse('2024-05-01T10:00:10Z'),
      },
    ]);
    expect(n.summary).toBe(
      'The composite rule is true because of lab-api-pending-tasks (ALARM), lab-cpu-high (ALARM).',
    );
  });

  it('accepts an empty TriggeringChildren and falls back to the rule', () => {
    const n = parseNotification(env({ ...compositeDocumented, TriggeringChildren: [] }), NOW) as AlarmNotification;
    expect(n.composite?.children).toEqual([]);
    expect(n.summary).toMatch(/^The composite rule is true: ALARM\(arn:aws:cloudwatch/);
  });
});

describe('ECS events from EventBridge', () => {
  it('parses a task placement failure for lack of memory', () => {
    const n = parseNotification(env(placementFailure()), NOW) as EcsEventNotification;
    expect(n).toMatchObject({
      kind: 'ecs-event',
      eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
      state: 'ALARM',
      level: 'critical',
      cluster: 'lab',
      service: 'api',
      reason: 'RESOURCE:MEMORY',
      key: 'ecs:us-east-1:123456789012:lab/api',
      name: 'lab/api',
    });
    expect(n.summary).toBe(
      'ECS could not place a task for service api: no container instance has enough free memory (RESOURCE:MEMORY).',
    );
  });

  it('parses a stopped task with stop code, reason and exit codes', () => {
    const n = parseNotification(env(taskStopped), NOW) as EcsEventNotification;
    expect(n).toMatchObject({
      eventName: 'TASK_STOPPED',
      state: 'ALARM',
      level: 'critical',
      cluster: 'lab',
      service: 'api',
      key: 'ecs:us-east-1:123456789012:lab/api',
    });
    expect(n.task).toMatchObject({
      stopCode: 'EssentialContainerExited',
      taskDefinition: 'api:7',
      containers: [{ name: 'web', exitCode: 137 }],
    });
    expect(n.summary).toContain('stopped (EssentialContainerExited): Essential container in task exited');
    expect(n.summary).toContain('web exit code 137 (killed (SIGKILL, often out of memory))');
    expect(n.at).toBe(Date.parse('2024-05-01T10:05:00Z'));
  });

  it('treats a scheduler-initiated stop with exit 0 as information, not an alarm', () => {
    const n = parseNotification(env(taskStoppedByScheduler), NOW);
    expect(n.kind).toBe('ecs-event');
    expect(n.state).toBe('INFO');
  });

  it('parses a failed deployment (circuit breaker)', () => {
    const n = parseNotification(env(deploymentFailed), NOW) as EcsEventNotification;
    expect(n).toMatchObject({
      eventName: 'SERVICE_DEPLOYMENT_FAILED',
      state: 'ALARM',
      deploymentId: 'ecs-svc/0123456789012345678',
      service: 'api',
      cluster: 'lab',
    });
    expect(n.summary).toBe(
      'Deployment ecs-svc/0123456789012345678 of service api failed: ECS deployment circuit breaker: task failed to start.',
    );
  });

  it('maps a steady state to OK on the same key, so it closes the service card', () => {
    const a = parseNotification(env(placementFailure()), NOW);
    const b = parseNotification(env(steadyState()), NOW);
    expect(b.state).toBe('OK');
    expect(b.key).toBe(a.key);
  });
});

describe('anything else', () => {
  it('shows a plain-text message raw with its subject', () => {
    const n = parseNotification(env('Backup finished with 2 warnings', 'Nightly backup'), NOW) as RawNotification;
    expect(n).toMatchObject({
      kind: 'raw',
      name: 'Nightly backup',
      subject: 'Nightly backup',
      state: 'ALARM',
      level: 'unknown',
    });
    expect(n.excerpt).toBe('Backup finished with 2 warnings');
  });

  it('shows an unknown EventBridge event raw, titled by its detail-type, pretty-printed', () => {
    const ev = {
      version: '0',
      id: 'x',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      time: '2024-05-01T10:00:00Z',
      region: 'eu-west-1',
      detail: { state: 'stopped' },
    };
    const n = parseNotification(env(ev), NOW) as RawNotification;
    expect(n.name).toBe('EC2 Instance State-change Notification (aws.ec2)');
    expect(n.excerpt).toContain('\n  "detail-type": "EC2 Instance State-change Notification"');
    expect(n.region).toBe('eu-west-1');
  });

  it('never throws on a known kind with a broken shape: it becomes raw', () => {
    const n = parseNotification(
      env({ AlarmName: 'x', NewStateValue: 'ALARM', Trigger: { Dimensions: 'not-a-list', Metrics: 'nope' } }),
      NOW,
    );
    expect(['alarm', 'raw']).toContain(n.kind);
    expect(n.name).toBe('x');
  });

  it('bounds the excerpt of a huge message', () => {
    const n = parseNotification(env('x'.repeat(100_000)), NOW) as RawNotification;
    expect(n.excerpt.length).toBeLessThanOrEqual(1500);
  });
});

describe('AWS timestamps', () => {
  it('normalises +0000 offsets', () => {
    expect(parseAwsTime('2021-08-23T11:23:24.588+0000')).toBe(Date.parse('2021-08-23T11:23:24.588Z'));
    expect(parseAwsTime('2021-08-23T13:23:24.588+0200')).toBe(Date.parse('2021-08-23T11:23:24.588Z'));
    expect(parseAwsTime('yesterday')).toBeUndefined();
  });
});
