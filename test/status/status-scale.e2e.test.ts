import { bigWorld } from '../helpers/aws-world';
import type { TestBot } from '../helpers/test-bot';
import { FakeSlack } from '../helpers/fake-slack';
import { ask, blockText, expectWithinSlackLimits, statusBot, tableAfter, uploadedFiles } from './status-helpers';

/**
 * 300 services on 100 instances: the batching the issue asks for, counted call by call, and an
 * answer that fits Slack with the full tables attached.
 */
describe('/ecs status on a 300-service cluster', () => {
  let big: ReturnType<typeof bigWorld>;
  let t: TestBot;
  /** The answer to `/ecs status big`, asked once before the tests read it. */
  let body: any;
  beforeAll(async () => {
    big = bigWorld(300, 100);
    // Two mismatches late in the alphabet: they must still be shown first.
    big.world.services.get('big/svc-250')!.desiredCount = 6; // 2 running of 6
    big.world.services.get('big/svc-299')!.desiredCount = 4; // 3 running of 4
    t = await statusBot(big.world);
    body = await ask(t, 'status big', { channel: 'C0OPS' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('batches every describe at the API limit and fetches metrics in the fewest GetMetricData calls', async () => {
    const w = big.world;

    expect(w.callsTo('DescribeClusters')).toHaveLength(1);
    expect(w.callsTo('ListServices')).toHaveLength(3);
    const ds = w.callsTo('DescribeServices');
    expect(ds).toHaveLength(30);
    expect(ds.every((c) => c.input.services.length <= 10)).toBe(true);
    expect(new Set(ds.flatMap((c) => c.input.services)).size).toBe(300);

    expect(w.callsTo('ListContainerInstances')).toHaveLength(1);
    const dci = w.callsTo('DescribeContainerInstances');
    expect(dci).toHaveLength(1);
    expect(dci.every((c) => c.input.containerInstances.length <= 100)).toBe(true);

    // 4 Container Insights queries for the cluster and for each service: 1204 → 3 calls.
    const gmd = w.callsTo('GetMetricData');
    const sizes = gmd.map((c) => c.input.MetricDataQueries.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4 + 300 * 4);
    expect(gmd).toHaveLength(Math.ceil((4 + 300 * 4) / 500));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);

    // Nothing per service beyond the batches: no task definitions, no tasks.
    expect(w.callsTo('DescribeTaskDefinition')).toHaveLength(0);
    expect(w.callsTo('DescribeTasks')).toHaveLength(0);
  });

  it('fits Slack’s limits: mismatches first, the rest counted', () => {
    expectWithinSlackLimits(body);
    const text = blockText(body);
    expect(text).toContain(':warning: *2 services not at the desired count:* `svc-250`, `svc-299`');
    const rows = tableAfter(body, '*Services*');
    expect(rows[1]).toMatch(/^!\s+svc-250\s+6\s+2\s+0\s+\d+%\s+\d+%\s+short$/);
    expect(rows[2]).toMatch(/^!\s+svc-299\s+4\s+3\s+0\s+\d+%\s+\d+%\s+short$/);
    expect(rows[3]).toMatch(/^\s+svc-000\s/);
    const shown = rows.length - 1;
    expect(shown).toBeLessThan(300);
    expect(text).toContain(`…and ${300 - shown} more services (all at desired count) and`);
    expect(text).toContain('the full tables are in the CSV sent to you in a direct message');
  });

  it('sends the full services and instances tables of a private answer to the asker alone, as CSV', () => {
    // Only the asker sees an ephemeral answer: its tables must not be shared in the channel.
    const dm = FakeSlack.directMessagesWith('U0ALICE');
    expect(dm).toMatch(/^D/);
    const complete = t.slack.callsTo('files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(complete[0].args.channel_id).toBe(dm);
    expect(t.slack.callsTo('chat.postMessage').map((c) => c.args.channel)).toContain('U0ALICE');
    expect(String(t.slack.callsTo('chat.postMessage').find((c) => c.args.channel === 'U0ALICE')?.args.text)).toContain(
      'Full status of cluster `big`: the full tables, for you only',
    );
    const files = uploadedFiles(t);
    const services = files.find((f) => f.startsWith('service,'))!;
    const instances = files.find((f) => f.startsWith('container_instance,'))!;
    const serviceLines = services.trim().split('\r\n');
    expect(serviceLines).toHaveLength(301);
    expect(serviceLines[1]).toMatch(/^svc-250,ACTIVE,6,2,0,yes,short,/);
    for (let i = 0; i < 300; i++) expect(services).toContain(`\r\nsvc-${String(i).padStart(3, '0')},`);
    expect(instances.trim().split('\r\n')).toHaveLength(101);
  });

  it('shares the tables of a --public answer in its channel, naming who asked', async () => {
    const before = t.slack.callsTo('files.completeUploadExternal').length;
    const pub = await ask(t, 'status big --public', { channel: 'C0OPS' });
    expect(blockText(pub)).toContain('the full tables are in the attached CSV');
    const complete = t.slack.callsTo('files.completeUploadExternal').slice(before);
    expect(complete).toHaveLength(1);
    expect(complete[0].args.channel_id).toBe('C0OPS');
    expect(String(complete[0].args.initial_comment)).toContain('Full status of cluster `big` for <@U0ALICE>');
  });

  it('lists the region’s clusters in one describe and one GetMetricData call', async () => {
    big.world.calls.length = 0;
    const overview = await ask(t, 'status');
    expectWithinSlackLimits(overview);
    expect(blockText(overview)).toContain('*big* · insights enabled · 100 instances · 300 services');
    expect(big.world.callsTo('DescribeClusters')).toHaveLength(1);
    expect(big.world.callsTo('GetMetricData')).toHaveLength(1);
  });
});

describe('/ecs status when the full table cannot be attached', () => {
  it('still answers, and says why the file is missing', async () => {
    const mid = bigWorld(60, 5, 'mid');
    const t = await statusBot(mid.world);
    try {
      t.slack.on('files.completeUploadExternal', () => ({ ok: false, error: 'not_in_channel' }));
      const body = await ask(t, 'status mid');
      expectWithinSlackLimits(body);
      const text = blockText(body);
      expect(tableAfter(body, '*Services*').length).toBeLessThan(61);
      expect(text).toMatch(
        /…and \d+ more services \(all at desired count\) not shown \(the CSV could not be attached: the bot is not in this channel; invite it with \/invite\)/,
      );
      expect(t.logs.text).toContain('status file upload failed');
    } finally {
      await t.stop();
    }
  });
});
