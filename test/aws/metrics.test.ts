import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EcsMetrics,
  MAX_DATAPOINTS_PER_CALL,
  MetricsReader,
  planMetricBatches,
  ratioSeries,
  type MetricRequest,
} from '../../src/aws/metrics';
import { AwsError } from '../../src/errors';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';

const req = (key: string, period = 60): MetricRequest => ({
  key,
  namespace: 'ECS/ContainerInsights',
  metricName: 'CpuUtilized',
  dimensions: { ClusterName: 'c', ServiceName: key },
  stat: 'Average',
  period,
});

function client() {
  return new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

describe('planMetricBatches', () => {
  it('packs 1204 ten-minute queries into 500 + 500 + 204', () => {
    const reqs = Array.from({ length: 1204 }, (_, i) => req(`s${i}`));
    const plan = planMetricBatches(reqs, { start: 0, end: 600_000 });
    expect(plan.map((b) => b.length)).toEqual([500, 500, 204]);
    expect(plan.flat().map((r) => r.key)).toEqual(reqs.map((r) => r.key));
  });

  it('also respects the 100,800-datapoint limit for long windows', () => {
    const week = 7 * 86_400_000;
    const reqs = Array.from({ length: 30 }, (_, i) => req(`s${i}`));
    const plan = planMetricBatches(reqs, { start: 0, end: week });
    const perQuery = week / 60_000 + 1;
    for (const b of plan) expect(b.length * perQuery).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
    expect(plan).toHaveLength(Math.ceil(30 / Math.floor(MAX_DATAPOINTS_PER_CALL / perQuery)));
  });

  it('returns no batch for no request', () => {
    expect(planMetricBatches([], { start: 0, end: 1 })).toEqual([]);
  });
});

describe('MetricsReader', () => {
  it('follows NextToken, merges the pages of each series, and returns points oldest first by key', async () => {
    const cw = client();
    const mock = mockClient(cw);
    mock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', StatusCode: 'PartialData', Timestamps: [new Date(120_000), new Date(60_000)], Values: [3, 2] },
          { Id: 'm1', StatusCode: 'Complete', Timestamps: [new Date(60_000)], Values: [10] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'm0', StatusCode: 'Complete', Timestamps: [new Date(0)], Values: [1] }],
      });
    const out = await new MetricsReader(cw).fetch([req('api'), req('web')], { start: 0, end: 180_000 });
    expect(out.get('api')).toEqual({
      key: 'api',
      complete: true,
      points: [
        { at: 0, value: 1 },
        { at: 60_000, value: 2 },
        { at: 120_000, value: 3 },
      ],
    });
    expect(out.get('web')!.points).toEqual([{ at: 60_000, value: 10 }]);
    const calls = mock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataCommandInput);
    expect(calls).toHaveLength(2);
    expect(calls[0].NextToken).toBeUndefined();
    expect(calls[1].NextToken).toBe('page-2');
    // Same queries on every page; CloudWatch-valid ids.
    expect(calls[1].MetricDataQueries).toEqual(calls[0].MetricDataQueries);
    expect(calls[0].MetricDataQueries!.map((q) => q.Id)).toEqual(['m0', 'm1']);
    expect(calls[0].MetricDataQueries![0].MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'ClusterName', Value: 'c' },
      { Name: 'ServiceName', Value: 'api' },
    ]);
  });

  it('marks a series incomplete when CloudWatch says so', async () => {
    const cw = client();
    mockClient(cw)
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'm0', StatusCode: 'InternalError', Timestamps: [], Values: [] }] });
    const out = await new MetricsReader(cw).fetch([req('api')], { start: 0, end: 60_000 });
    expect(out.get('api')!.complete).toBe(false);
  });

  it('stops after maxPages even if NextToken never ends', async () => {
    const cw = client();
    const mock = mockClient(cw);
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [], NextToken: 'again' });
    const out = await new MetricsReader(cw, 2, 3).fetch([req('api')], { start: 0, end: 60_000 });
    expect(mock.commandCalls(GetMetricDataCommand)).toHaveLength(3);
    expect(out.get('api')!.complete).toBe(false);
  });

  it('turns throttling into an AwsError that says what to do', async () => {
    const cw = client();
    mockClient(cw)
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const err = await new MetricsReader(cw).fetch([req('api')], { start: 0, end: 60_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err.message).toContain('AWS is throttling cloudwatch:GetMetricData');
  });

  it('refuses duplicate keys and calls nothing for no request', async () => {
    const cw = client();
    const mock = mockClient(cw);
    await expect(new MetricsReader(cw).fetch([req('a'), req('a')], { start: 0, end: 1 })).rejects.toThrow(
      /duplicate metric key a/,
    );
    expect((await new MetricsReader(cw).fetch([], { start: 0, end: 1 })).size).toBe(0);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('ratioSeries', () => {
  it('divides point by point where both exist and the denominator is positive', () => {
    const a = [
      { at: 1, value: 50 },
      { at: 2, value: 10 },
      { at: 3, value: 5 },
    ];
    const b = [
      { at: 1, value: 200 },
      { at: 2, value: 0 },
    ];
    expect(ratioSeries(a, b)).toEqual([{ at: 1, value: 25 }]);
  });
});

describe('EcsMetrics against the fake world', () => {
  it('computes Container Insights utilisation as used ÷ reserved, and AWS/ECS percentages otherwise', async () => {
    const lab = labWorld();
    lab.world.utilisation = { cpu: 0.5, memory: 0.25 };
    // A flat world (no wave) so the numbers are exact.
    lab.world.metricOverride = (q) => {
      if (q.namespace === 'ECS/ContainerInsights' && q.metricName === 'CpuUtilized') return 128;
      if (q.namespace === 'ECS/ContainerInsights' && q.metricName === 'MemoryUtilized') return 128;
      if (q.namespace === 'AWS/ECS' && q.metricName === 'CPUUtilization' && q.dims.ClusterName === 'plain') return 12;
      return undefined;
    };
    lab.world.addCluster('plain', { containerInsights: 'disabled' });
    const aws = awsClientsFor(lab.world);
    const m = new EcsMetrics(new MetricsReader(aws.cloudwatch));
    const now = lab.world.now;
    const got = await m.latest(
      [
        { cluster: lab.cluster, service: lab.service, insights: true },
        { cluster: lab.cluster, insights: true, reservation: true },
        { cluster: 'plain', insights: false },
      ],
      now,
    );
    // 128 of 256 CPU units, 128 of 512 MiB.
    expect(got.get(`${lab.cluster}/${lab.service}`)).toEqual({
      source: 'container-insights',
      cpu: 50,
      memory: 25,
      cpuReservation: undefined,
      memoryReservation: undefined,
    });
    expect(got.get(lab.cluster)!.cpuReservation).toBeCloseTo(12.5);
    // AWS/ECS reports percentages directly; no task runs there, so no memory datapoint.
    expect(got.get('plain')).toMatchObject({ source: 'aws-ecs', cpu: 12, memory: undefined });
    expect(lab.world.callsTo('GetMetricData')).toHaveLength(1);

    const h = await m.history({ cluster: lab.cluster, service: lab.service, insights: true }, now);
    expect(h.window.end - h.window.start).toBe(3_600_000);
    expect(h.cpu.length).toBeGreaterThanOrEqual(60);
    expect(h.cpu.every((p) => p.value === 50)).toBe(true);
    expect(h.cpu.every((p, i) => i === 0 || p.at > h.cpu[i - 1].at)).toBe(true);
  });
});
