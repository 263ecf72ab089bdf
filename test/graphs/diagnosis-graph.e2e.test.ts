import { graphRenderer } from '../../src/graphs/api';
import { ACTIONS, decodeValue } from '../../src/slack/actions';
import { labWorld, WorldError } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { buttonClick, sendCommand, sendInteraction } from '../helpers/slack-sign';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';

const H = 3600_000;
const MIN = 60_000;
const CARD_TS = '1700000042.000042';
const images = (m: { blocks?: any[] }) => (m.blocks ?? []).filter((b) => b.type === 'image');
const rows = (w: any) => w.metrics as any[][];
const metricNames = (w: any) => rows(w).map((r) => (typeof r[0] === 'string' ? `${r[0]}:${r[1]}` : 'expr'));
/** The id of the section block of the finding whose title contains `title`. */
const indexOfText = (m: { blocks?: any[] }, text: string) =>
  (m.blocks ?? []).findIndex((b) => b.type === 'section' && String(b.text?.text).includes(text));

describe('graphs in diagnoses, end to end', () => {
  let t: TestBot;
  let lab: ReturnType<typeof labWorld>;

  beforeEach(async () => {
    lab = labWorld();
    lab.raiseDesired(4);
    t = await startTestBot({
      aws: awsClientsFor(lab.world),
      clock: { now: () => lab.world.now },
      env: { ECS_DEFAULT_CLUSTER: 'EcsLabCluster' },
      noWorkers: true,
      inject: { diagnose: { watchIntervalMs: 30_000, instanceId: 'test-watcher' } },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  async function clickDiagnose(): Promise<void> {
    const res = await sendInteraction(
      t.url,
      buttonClick({
        actionId: 'alarm.diagnose',
        value: JSON.stringify({ k: 'inc1', c: 'EcsLabCluster', s: 'EcsLabApi' }),
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl(),
      }),
    );
    expect(res.status).toBe(200);
  }
  const reply = () => t.slack.repliesTo(ALARM_CHANNEL, CARD_TS)[0];
  const withImage = () =>
    t.slack.waitFor(() => (reply() && images(reply()).length ? reply() : undefined), 10_000, 'the diagnosis graph');

  it('posts the diagnosis first, then adds the pending-tasks graph beside the capacity finding', async () => {
    await clickDiagnose();
    const m = await withImage();
    // Posted without an image; the upload came after the post, unshared; then the update named the file.
    const post = t.slack.calls.findIndex((c) => c.method === 'chat.postMessage' && c.args.thread_ts === CARD_TS);
    const upload = t.slack.calls.findIndex((c) => c.method === 'files.getUploadURLExternal');
    expect(post).toBeGreaterThanOrEqual(0);
    expect(upload).toBeGreaterThan(post);
    expect(images(t.slack.calls[post].args)).toEqual([]);
    const complete = t.slack.calls.find((c) => c.method === 'files.completeUploadExternal')!;
    expect(complete.args.channel_id).toBeUndefined();
    const fileId = complete.args.files[0].id as string;
    const [img] = images(m);
    expect(img.slack_file).toEqual({ id: fileId });
    expect(t.slack.imageCalls(fileId).map((c) => c.method)).toEqual(['chat.update']);
    // The text and everything else stay as posted; the image sits right after the capacity finding.
    expect(m.text).toBe(t.slack.calls[post].args.text);
    const capacity = indexOfText(m, 'insufficient memory');
    expect(capacity).toBeGreaterThan(0);
    expect(m.blocks!.findIndex((b: any) => b.type === 'image')).toBeGreaterThan(capacity);
    expect(m.blocks!.filter((b: any) => b.type !== 'image')).toEqual(t.slack.calls[post].args.blocks);
    expect(img.alt_text).toContain('desired, running and pending tasks of EcsLabCluster/EcsLabApi');
    expect(img.alt_text).toContain('desired tasks 4, running 1, pending 3');

    const [w] = lab.world.widgets();
    expect(metricNames(w)).toEqual([
      'ECS/ContainerInsights:DesiredTaskCount',
      'ECS/ContainerInsights:RunningTaskCount',
      'ECS/ContainerInsights:PendingTaskCount',
    ]);
    for (const r of rows(w)) {
      expect(r.slice(2, 6)).toEqual(['ClusterName', 'EcsLabCluster', 'ServiceName', 'EcsLabApi']);
      expect(r[6].period).toBe(60);
    }
    expect(rows(w)[2][6].stat).toBe('Maximum');
    expect(Date.parse(w.end)).toBe(lab.world.now);
    expect(Date.parse(w.end) - Date.parse(w.start)).toBe(3 * H);
    expect(w.period).toBe(60);
    expect(w.annotations).toBeUndefined();
    expect(w.region).toBe('us-east-1');
  });

  it('a memory kill: the tasks’ memory against the reservation, each kill marked', async () => {
    lab.world.updateServiceDesired(lab.cluster, lab.service, 1);
    lab.world.settle();
    const kills = [lab.world.now - 20 * MIN, lab.world.now - 5 * MIN];
    for (const at of kills)
      lab.world.addStoppedTask(lab.cluster, lab.service, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
        at,
      });
    await clickDiagnose();
    const m = await withImage();
    const [w] = lab.world.widgets();
    expect(metricNames(w)).toEqual([
      'ECS/ContainerInsights:MemoryUtilized',
      'ECS/ContainerInsights:MemoryReserved',
      'expr',
    ]);
    expect(rows(w)[0].slice(2)).toEqual([
      'ClusterName',
      'EcsLabCluster',
      'ServiceName',
      'EcsLabApi',
      { id: 'memused', visible: false, stat: 'Maximum', period: 60 },
    ]);
    expect(rows(w)[1][6]).toEqual({ id: 'memres', visible: false, stat: 'Average', period: 60 });
    expect(rows(w)[2]).toEqual([{ expression: '100*memused/memres', id: 'mem', label: 'memory % of reserved' }]);
    expect(w.annotations.horizontal).toEqual([{ label: 'reservation (100%)', value: 100 }]);
    expect(w.annotations.vertical).toEqual(
      kills.map((at) => ({ label: 'out of memory', value: new Date(at).toISOString() })),
    );
    expect(Date.parse(w.end) - Date.parse(w.start)).toBe(3 * H);
    const [img] = images(m);
    expect(img.alt_text).toContain('memory of EcsLabCluster/EcsLabApi');
    expect(img.alt_text).toContain('2 out-of-memory kills marked');
    expect(img.alt_text).toContain('task memory 512 MiB');
    expect(m.blocks!.findIndex((b: any) => b.type === 'image')).toBeGreaterThan(indexOfText(m, 'out of memory'));
  });

  it('says once in the footer when the bot may not read metric images; the diagnosis stands', async () => {
    lab.world.failNext('GetMetricWidgetImage', () => new WorldError('AccessDenied', 'no'), 5);
    await clickDiagnose();
    const m = await t.slack.waitFor(
      () => (reply() && JSON.stringify(reply().blocks).includes('No graph') ? reply() : undefined),
      10_000,
      'the footer note',
    );
    expect(images(m)).toEqual([]);
    expect(JSON.stringify(m.blocks).match(/No graph/g)).toHaveLength(1);
    expect(JSON.stringify(m.blocks)).toContain('cloudwatch:GetMetricWidgetImage');
    expect(JSON.stringify(m.blocks)).toContain('insufficient memory');
    expect(t.slack.callsTo('files.getUploadURLExternal')).toEqual([]);
  });

  it('shares the graph into the thread when Slack keeps refusing the fresh file in the reply', async () => {
    t.slack.freshFileRefusals = 10;
    // Slack's refusals are tried again 1, 2 and 4 s apart in production; here a millisecond apart.
    graphRenderer(t.bot.ctx).refusalDelaysMs = [1, 1, 1];
    await clickDiagnose();
    const shared = await t.slack.waitFor(
      () => t.slack.repliesTo(ALARM_CHANNEL, CARD_TS).find((r) => r.files?.length),
      10_000,
      'the graph shared into the thread',
    );
    expect(shared.thread_ts).toBe(CARD_TS);
    expect(images(reply())).toEqual([]);
  });

  it('--public: the answer is replaced with itself plus the graph; the ephemeral answer offers Show graph', async () => {
    const id = 'dg-public';
    await sendCommand(t.url, {
      text: 'diagnose EcsLabCluster/EcsLabApi --public',
      response_url: t.slack.responseUrl(id),
    });
    const second = await t.slack.waitFor(() => t.slack.responsesTo(id)[1], 10_000, 'the answer with its graph');
    const first = t.slack.responsesTo(id)[0].body;
    expect(images(first)).toEqual([]);
    expect(second.body.replace_original).toBe(true);
    expect(second.body.response_type).toBe('in_channel');
    expect(images(second.body)).toHaveLength(1);
    expect(lab.world.widgets()).toHaveLength(1);

    const eph = 'dg-eph';
    await sendCommand(t.url, { text: 'diagnose EcsLabCluster/EcsLabApi', response_url: t.slack.responseUrl(eph) });
    const answer = (await t.slack.waitFor(() => t.slack.responsesTo(eph)[0], 10_000, 'the ephemeral answer')).body;
    expect(answer.response_type).toBe('ephemeral');
    expect(images(answer)).toEqual([]);
    expect(lab.world.widgets()).toHaveLength(1);
    // Slack does not promise to show a bot-private file there: Show graph posts the service's dashboard instead.
    const button = answer.blocks
      .find((b: any) => b.type === 'actions' && b.block_id === 'status.graph')
      .elements.find((e: any) => e.action_id === ACTIONS.statusGraph);
    expect(decodeValue(button.value)).toEqual({ c: 'EcsLabCluster', s: 'EcsLabApi', h: 3 });
    await sendInteraction(
      t.url,
      buttonClick({
        actionId: ACTIONS.statusGraph,
        value: button.value,
        responseUrl: t.slack.responseUrl('dg-show'),
        channelId: ALARM_CHANNEL,
      }),
    );
    const shared = await t.slack.waitFor(
      () => t.slack.messagesIn(ALARM_CHANNEL).find((m) => m.files?.length),
      10_000,
      'the dashboard in the channel',
    );
    expect(shared.text).toContain('EcsLabCluster/EcsLabApi');
    expect(lab.world.widgets()).toHaveLength(2);
    expect(lab.world.widgets()[1].metrics.map((r: any[]) => r[1])).toContain('PendingTaskCount');
  });

  it('a healthy service: no graph and no Show graph button', async () => {
    lab.world.updateServiceDesired(lab.cluster, lab.service, 1);
    lab.world.settle();
    const id = 'dg-healthy';
    await sendCommand(t.url, { text: 'diagnose EcsLabCluster/EcsLabApi', response_url: t.slack.responseUrl(id) });
    const answer = (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the answer')).body;
    expect(answer.blocks.some((b: any) => b.type === 'actions')).toBe(false);
    await clickDiagnose();
    await t.slack.waitFor(() => reply(), 10_000, 'the diagnosis in the thread');
    expect(lab.world.widgets()).toEqual([]);
    expect(t.slack.callsTo('chat.update')).toEqual([]);
  });
});
