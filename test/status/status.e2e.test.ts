import { WorldError } from '../helpers/aws-world';
import type { TestBot } from '../helpers/test-bot';
import {
  ask,
  blockText,
  expectWithinSlackLimits,
  incidentLab,
  statusBot,
  tableAfter,
  type IncidentLab,
} from './status-helpers';

const metricQueries = (w: IncidentLab['world']) => w.callsTo('GetMetricData').flatMap((c) => c.input.MetricDataQueries);

describe('/ecs status end to end (signed HTTP, fake AWS world, fake Slack)', () => {
  let lab: IncidentLab;
  let t: TestBot;
  beforeEach(async () => {
    lab = incidentLab();
    t = await statusBot(lab.world);
  });
  afterEach(async () => {
    await t.stop();
  });

  it('/ecs status lists every cluster with its insights setting, instances, tasks, services and utilisation', async () => {
    const body = await ask(t, 'status');
    expect(body.response_type).toBe('ephemeral');
    expectWithinSlackLimits(body);
    const text = blockText(body);
    expect(text).toContain('ECS clusters in us-east-1');
    const lines = text.split('\n').filter((l) => l.includes('*EcsLabCluster*') || l.includes('*legacy*'));
    // Clusters with pending tasks come first.
    expect(lines[0]).toContain('*EcsLabCluster*');
    expect(lines[0]).toMatch(
      /:large_yellow_circle: \*EcsLabCluster\* · insights enabled · 1 instance · 1 service · tasks 1 running, \*3 pending\* · used: CPU \d+%, memory \d+% · reserved: CPU 13%, memory 52%/,
    );
    // Without Container Insights: AWS/ECS utilisation and reservation (2 × 256 of 2048 CPU, 2 × 256 of 1939 MiB).
    expect(lines[1]).toMatch(
      /\*legacy\* · insights \*off\* · 1 instance · 1 service · tasks 2 running · used: CPU \d+%, memory \d+% · reserved: CPU 25%, memory 26%/,
    );
    expect(lab.world.callsTo('ListClusters')).toHaveLength(1);
    expect(lab.world.callsTo('DescribeClusters')).toHaveLength(1);
    expect(lab.world.callsTo('GetMetricData')).toHaveLength(1);
    const legacyNamespaces = new Set(
      metricQueries(lab.world)
        .filter((q: any) => q.MetricStat.Metric.Dimensions[0].Value === 'legacy')
        .map((q: any) => q.MetricStat.Metric.Namespace),
    );
    expect([...legacyNamespaces]).toEqual(['AWS/ECS']);
  });

  it('/ecs status <cluster> shows the header, a services table with the mismatch flagged, and capacity per instance', async () => {
    const body = await ask(t, 'status EcsLabCluster');
    expectWithinSlackLimits(body);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Cluster EcsLabCluster', emoji: true },
    });
    const text = blockText(body);
    expect(text).toContain(
      'Container Insights enabled · 1 container instance · 1 active service · tasks 1 running, *3 pending*',
    );
    expect(text).toContain(':warning: *1 service not at the desired count:* `EcsLabApi`');
    expect(text).toContain('memory 512 of 982 MiB (52%)');
    const services = tableAfter(body, '*Services*');
    expect(services[0]).toMatch(/^!\s+SERVICE\s+DESIRED\s+RUNNING\s+PENDING\s+CPU\s+MEM\s+STATE$/);
    expect(services[1]).toMatch(/^!\s+EcsLabApi\s+4\s+1\s+3\s+\d+%\s+\d+%\s+short$/);
    const instances = tableAfter(body, '*Capacity*');
    expect(instances).toHaveLength(2);
    expect(instances[1]).toMatch(/^\s+i-[0-9a-f]{17}\s+t3\.micro\s+1,792\/2,048\s+470\/982\s+1\s+active$/);
    // Small cluster: everything fits, so nothing is uploaded.
    expect(t.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
    expect(lab.world.callsTo('DescribeTaskDefinition')).toHaveLength(0);
  });

  it('/ecs status <cluster>/<service> and <cluster> <service> show the same service view', async () => {
    const slash = await ask(t, 'status EcsLabCluster/EcsLabApi');
    const spaced = await ask(t, 'status EcsLabCluster EcsLabApi');
    expect(spaced.blocks).toEqual(slash.blocks);
    expectWithinSlackLimits(slash);
    const text = blockText(slash);
    expect(slash.blocks[0].text.text).toBe('EcsLabCluster / EcsLabApi');
    expect(text).toContain(':warning: *1 of 4 running*, *3 pending* · short');
    expect(text).toContain('Task definition `EcsLabApi:1` · 256 CPU units · 512 MiB · bridge network · EC2');
    expect(text).toMatch(/• \*PRIMARY\* `EcsLabApi:1` — 1\/4 running, 3 pending, 0 failed · rollout \*COMPLETED\*/);
    expect(text).toContain('has insufficient memory available');
    const spark = tableAfter(slash, '*Utilisation, last hour*');
    expect(spark[0]).toMatch(/^CPU [▁▂▃▄▅▆▇█ ]{30} {2}min \d+% {2}avg \d+% {2}max \d+% {2}now \d+%$/);
    expect(spark[1]).toMatch(/^MEM [▁▂▃▄▅▆▇█ ]{30} {2}min \d+% {2}avg \d+% {2}max \d+% {2}now \d+%$/);
    const tasks = tableAfter(slash, '*Tasks*');
    expect(tasks).toHaveLength(5);
    expect(tasks.slice(1, 4).every((r) => /PENDING\s+UNKNOWN\s+EcsLabApi:1\s+not yet/.test(r))).toBe(true);
    expect(tasks[4]).toMatch(/RUNNING\s+HEALTHY\s+EcsLabApi:1/);
    // Per answer: one task definition describe (then cached), one ListTasks + DescribeTasks, one GetMetricData of 4 queries.
    expect(lab.world.callsTo('DescribeTaskDefinition')).toHaveLength(1);
    expect(lab.world.callsTo('DescribeTasks')).toHaveLength(2);
    const gmd = lab.world.callsTo('GetMetricData');
    expect(gmd).toHaveLength(2);
    expect(gmd[0].input.MetricDataQueries.map((q: any) => q.MetricStat.Metric.MetricName)).toEqual([
      'CpuUtilized',
      'CpuReserved',
      'MemoryUtilized',
      'MemoryReserved',
    ]);
    expect(gmd[0].input.EndTime.getTime() - gmd[0].input.StartTime.getTime()).toBe(3_600_000);
  });

  it('falls back to AWS/ECS metrics for a cluster with Container Insights disabled', async () => {
    const cluster = await ask(t, 'status legacy');
    const text = blockText(cluster);
    expect(text).toContain('Container Insights *off*');
    expect(text).toMatch(/Latest minute \(AWS\/ECS\) · used: CPU \d+%, memory \d+%/);
    expect(text).toContain(':white_check_mark: All 1 service at the desired count.');
    const names = new Set(
      metricQueries(lab.world).map((q: any) => `${q.MetricStat.Metric.Namespace}:${q.MetricStat.Metric.MetricName}`),
    );
    expect([...names].sort()).toEqual(['AWS/ECS:CPUUtilization', 'AWS/ECS:MemoryUtilization']);

    const service = await ask(t, 'status legacy/web');
    const stext = blockText(service);
    expect(stext).toContain('AWS/ECS CPUUtilization / MemoryUtilization');
    expect(tableAfter(service, '*Utilisation, last hour*')[0]).toMatch(/^CPU [▁▂▃▄▅▆▇█ ]{30} {2}min \d+%/);
    expect(stext).toContain(':large_green_circle: *2 of 2 running* · steady');
  });

  it('answers in the channel with --public', async () => {
    const body = await ask(t, 'status EcsLabCluster --public');
    expect(body.response_type).toBe('in_channel');
    expect(body.blocks[0].text.text).toBe('Cluster EcsLabCluster');
  });

  it('suggests the closest clusters for an unknown cluster', async () => {
    const body = await ask(t, 'status EcsLabClustr/EcsLabApi');
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('cluster "EcsLabClustr" does not exist in this region');
    expect(body.text).toMatch(/Did you mean: `EcsLabCluster`/);
    expect(lab.world.callsTo('GetMetricData')).toHaveLength(0);
  });

  it('suggests the closest services for an unknown service', async () => {
    const body = await ask(t, 'status EcsLabCluster/EcsLabAp');
    expect(body.text).toContain('service "EcsLabAp" does not exist in cluster "EcsLabCluster"');
    expect(body.text).toContain('Did you mean: `EcsLabApi`');
  });

  it('refuses a service without a cluster when no default cluster is set, with the usage line', async () => {
    const body = await ask(t, 'status /EcsLabApi');
    expect(body.text).toContain('no default cluster is set (ECS_DEFAULT_CLUSTER)');
    expect(body.text).toContain(
      'Usage: `/ecs status [cluster] [service] [--account NAME] [--region REGION] [--since 6h|1d] [--public]`',
    );
    expect(lab.world.calls).toHaveLength(0);
  });

  it('refuses invalid names and too many words before calling AWS', async () => {
    expect((await ask(t, 'status "bad name!"')).text).toContain('is not a valid cluster name');
    expect((await ask(t, 'status a b c')).text).toContain('too many names (3)');
    expect((await ask(t, 'status a/b/c')).text).toContain('more than one "/"');
    expect(lab.world.calls).toHaveLength(0);
  });

  it('still answers when CloudWatch refuses, saying why the utilisation is missing', async () => {
    lab.world.failNext(
      'GetMetricData',
      () => new WorldError('AccessDeniedException', 'User is not authorized to perform cloudwatch:GetMetricData'),
    );
    const body = await ask(t, 'status EcsLabCluster');
    const text = blockText(body);
    expect(tableAfter(body, '*Services*')[1]).toMatch(/^!\s+EcsLabApi\s+4\s+1\s+3\s+—\s+—\s+short$/);
    expect(text).toContain(
      ":warning: Utilisation unavailable: The bot's AWS role may not call cloudwatch:GetMetricData (AccessDeniedException)",
    );
  });

  it('turns ECS throttling into a clear message', async () => {
    lab.world.throttleNext('DescribeClusters');
    const body = await ask(t, 'status EcsLabCluster');
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('AWS is throttling ecs:DescribeClusters right now');
  });

  it('escapes service event text from AWS', async () => {
    lab.world.addServiceEvent(lab.cluster, lab.service, 'deploy by <!channel> @here & <https://evil.example|click>');
    const text = blockText(await ask(t, 'status EcsLabCluster/EcsLabApi'));
    expect(text).toContain('deploy by &lt;!channel&gt; @\u200dhere &amp; &lt;https://evil.example|click&gt;');
    expect(text).not.toContain('<!channel>');
  });
});

describe('/ecs status with ECS_DEFAULT_CLUSTER', () => {
  let lab: IncidentLab;
  let t: TestBot;
  beforeAll(async () => {
    lab = incidentLab();
    t = await statusBot(lab.world, { ECS_DEFAULT_CLUSTER: 'EcsLabCluster' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('reads a bare service name, or /service, in the default cluster', async () => {
    const bare = await ask(t, 'status EcsLabApi');
    const slash = await ask(t, 'status /EcsLabApi');
    expect(bare.blocks[0].text.text).toBe('EcsLabCluster / EcsLabApi');
    expect(slash.blocks).toEqual(bare.blocks);
  });

  it('still prefers a cluster of that name, and still lists clusters when none is named', async () => {
    expect((await ask(t, 'status legacy')).blocks[0].text.text).toBe('Cluster legacy');
    expect((await ask(t, 'status')).blocks[0].text.text).toBe('ECS clusters in us-east-1');
  });

  it('suggests clusters and services of the default cluster for a name that is neither', async () => {
    const body = await ask(t, 'status EcsLabAp');
    expect(body.text).toContain(
      'no cluster "EcsLabAp" in this region, and no service "EcsLabAp" in the default cluster "EcsLabCluster"',
    );
    expect(body.text).toMatch(/Did you mean: `EcsLabApi`/);
  });
});
