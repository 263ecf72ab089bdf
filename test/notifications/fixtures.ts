/**
 * Notification payloads in the shapes AWS sends (aws-formats.md §2–3), including the quirks: display-
 * name Region, `+0000` offsets, both TreatMissingData forms, null description/unit, metric math,
 * both TriggeringChildren shapes, and EventBridge ECS events.
 */
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export function pendingTaskAlarm(
  o: {
    state?: string;
    old?: string;
    at?: string | number;
    name?: string;
    cluster?: string;
    service?: string;
    value?: number;
    legacy?: boolean;
  } = {},
) {
  const state = o.state ?? 'ALARM';
  const name = o.name ?? 'lab-api-pending-tasks';
  const cluster = o.cluster ?? 'lab';
  const service = o.service ?? 'api';
  const value = o.value ?? (state === 'ALARM' ? 2 : 0);
  const at =
    typeof o.at === 'number'
      ? new Date(o.at).toISOString().replace('Z', '+0000')
      : (o.at ?? '2024-05-01T10:00:00.123+0000');
  const verb = state === 'ALARM' ? 'was greater than' : 'was not greater than';
  return {
    AlarmName: name,
    AlarmDescription: o.legacy ? null : 'Tasks of lab/api cannot be placed',
    AWSAccountId: o.legacy ? undefined : ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: '2024-04-30T09:00:00.000+0000',
    NewStateValue: state,
    NewStateReason: `Threshold Crossed: 1 out of the last 1 datapoints [${value.toFixed(1)} (01/05/24 09:59:00)] ${verb} the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).`,
    StateChangeTime: at,
    Region: 'US East (N. Virginia)',
    AlarmArn: o.legacy ? undefined : `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    OldStateValue: o.old ?? (state === 'ALARM' ? 'OK' : 'ALARM'),
    OKActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:ecs-alarms`],
    AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:ecs-alarms`],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'PendingTaskCount',
      Namespace: 'ECS/ContainerInsights',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [
        { value: cluster, name: 'ClusterName' },
        { value: service, name: 'ServiceName' },
      ],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.0,
      TreatMissingData: o.legacy ? '- TreatMissingData:                    missing' : 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
  };
}

/** A metric-math alarm as captured (Kinesis-autoscaling style): no MetricName/Namespace at the top. */
export const metricMathAlarm = {
  AlarmName: 'lab-api-cpu-ratio',
  AlarmDescription: null,
  AWSAccountId: ACCOUNT,
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: 2 out of the last 2 datapoints [91.5 (01/05/24 10:01:00), 88.25 (01/05/24 10:00:00)] was greater than or equal to the threshold (80.0) (minimum 2 datapoints for OK -> ALARM transition).',
  StateChangeTime: '2024-05-01T10:02:00.000+0000',
  Region: 'Asia Pacific (Seoul)',
  AlarmArn: `arn:aws:cloudwatch:ap-northeast-2:${ACCOUNT}:alarm:lab-api-cpu-ratio`,
  OldStateValue: 'OK',
  Trigger: {
    Period: 60,
    EvaluationPeriods: 2,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 80.0,
    TreatMissingData: '- TreatMissingData:                    ignore',
    EvaluateLowSampleCountPercentile: '',
    Metrics: [
      { Expression: 'used / reserved * 100', Id: 'e1', Label: 'CPU used %', ReturnData: true },
      {
        Id: 'used',
        MetricStat: {
          Metric: {
            Dimensions: [
              { value: 'lab', name: 'ClusterName' },
              { value: 'api', name: 'ServiceName' },
            ],
            MetricName: 'CpuUtilized',
            Namespace: 'ECS/ContainerInsights',
          },
          Period: 60,
          Stat: 'Average',
        },
        ReturnData: false,
      },
      {
        Id: 'reserved',
        MetricStat: {
          Metric: {
            Dimensions: [
              { value: 'lab', name: 'ClusterName' },
              { value: 'api', name: 'ServiceName' },
            ],
            MetricName: 'CpuReserved',
            Namespace: 'ECS/ContainerInsights',
          },
          Period: 60,
          Stat: 'Average',
        },
        ReturnData: false,
      },
    ],
  },
};

const childArn = (n: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n}`;

/** Composite alarm, TriggeringChildren in the documented shape: a list of strings. */
export const compositeDocumented = {
  AlarmName: 'lab-degraded',
  AlarmDescription: 'Several lab signals at once',
  AWSAccountId: ACCOUNT,
  NewStateValue: 'ALARM',
  NewStateReason:
    'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-api-pending-tasks transitioned to ALARM at Wednesday 01 May, 2024 10:00:00 UTC',
  StateChangeTime: '2024-05-01T10:00:30.000+0000',
  Region: 'US East (N. Virginia)',
  AlarmArn: childArn('lab-degraded'),
  OldStateValue: 'OK',
  AlarmRule: `ALARM(${childArn('lab-api-pending-tasks')}) OR ALARM(${childArn('lab-cpu-high')})`,
  TriggeringChildren: [childArn('lab-api-pending-tasks')],
};

/** Composite alarm, TriggeringChildren in the observed shape: objects with Arn and State. */
export const compositeObserved = {
  ...compositeDocumented,
  TriggeringChildren: [
    { Arn: childArn('lab-api-pending-tasks'), State: { Value: 'ALARM', Timestamp: '2024-05-01T10:00:00.123+0000' } },
    { Arn: childArn('lab-cpu-high'), State: { Value: 'ALARM', Timestamp: '2024-05-01T10:00:10.000+0000' } },
  ],
};

export function ecsEvent(
  detailType: string,
  detail: Record<string, unknown>,
  o: { resources?: string[]; time?: string } = {},
) {
  return {
    version: '0',
    id: `ev-${Math.random().toString(36).slice(2, 10)}`,
    'detail-type': detailType,
    source: 'aws.ecs',
    account: ACCOUNT,
    time: o.time ?? '2024-05-01T10:00:00Z',
    region: REGION,
    resources: o.resources ?? [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/lab/api`],
    detail,
  };
}

export const placementFailure = (time = '2024-05-01T10:00:00Z') =>
  ecsEvent(
    'ECS Service Action',
    {
      eventType: 'ERROR',
      eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/lab`,
      containerInstanceArns: [`arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/lab/0a1b2c3d`],
      reason: 'RESOURCE:MEMORY',
      createdAt: time.replace('Z', '.000Z'),
    },
    { time },
  );

export const steadyState = (time = '2024-05-01T10:20:00Z') =>
  ecsEvent(
    'ECS Service Action',
    {
      eventType: 'INFO',
      eventName: 'SERVICE_STEADY_STATE',
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/lab`,
      createdAt: time,
    },
    { time },
  );

export const taskStopped = ecsEvent(
  'ECS Task State Change',
  {
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/lab`,
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/lab/5f3d0a6c2b7e4c1d9e8f7a6b5c4d3e2f`,
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/api:7`,
    group: 'service:api',
    startedBy: 'ecs-svc/1234567890123456789',
    launchType: 'EC2',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAt: '2024-05-01T10:05:00.000Z',
    containers: [
      {
        name: 'web',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
        lastStatus: 'STOPPED',
        image: 'nginx:1.25',
      },
    ],
    version: 4,
  },
  { resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/lab/5f3d0a6c2b7e4c1d9e8f7a6b5c4d3e2f`] },
);

export const taskStoppedByScheduler = ecsEvent(
  'ECS Task State Change',
  {
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/lab`,
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/lab/aaaa`,
    group: 'service:api',
    lastStatus: 'STOPPED',
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)',
    containers: [{ name: 'web', exitCode: 0 }],
  },
  { resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/lab/aaaa`] },
);

export const deploymentFailed = ecsEvent('ECS Deployment State Change', {
  eventType: 'ERROR',
  eventName: 'SERVICE_DEPLOYMENT_FAILED',
  deploymentId: 'ecs-svc/0123456789012345678',
  updatedAt: '2024-05-01T10:10:00.000Z',
  reason: 'ECS deployment circuit breaker: task failed to start.',
});
