import { ACTIONS } from '../../src/slack/actions';
import { WorldError } from '../helpers/aws-world';
import { buttonClick, sendInteraction } from '../helpers/slack-sign';
import type { TestBot } from '../helpers/test-bot';
import { askWithId as ask, incidentLab, statusBot, type IncidentLab } from '../status/status-helpers';

const H = 3600_000;
const CHANNEL = 'C0ALARMS';
const images = (m: { blocks?: any[] }) => (m.blocks ?? []).filter((b) => b.type === 'image');
const rows = (w: any) => w.metrics as any[][];
const metricNames = (w: any) => rows(w).map((r) => (typeof r[0] === 'string' ? `${r[0]}:${r[1]}` : 'expr'));

let seq = 0;
const second = (t: TestBot, id: string) =>
  t.slack.waitFor(() => t.slack.responsesTo(id)[1], 15_000, 'the answer with its graph').then((r) => r.body);

async function click(t: TestBot, value: string): Promise<string> {
  const id = `sgc-${++seq}`;
  const res = await sendInteraction(
    t.url,
    buttonClick({ actionId: ACTIONS.statusGraph, value, responseUrl: t.slack.responseUrl(id), channelId: CHANNEL }),
  );
  expect(res.status).toBe(200);
  return id;
}

describe('graphs in /ecs status answers, end to end', () => {
  let lab: IncidentLab;
  let t: TestBot;
  beforeEach(async () => {
    lab = incidentLab();
    t = await statusBot(lab.world);
  });
  afterEach(async () => {
    await t.stop();
  });

  it('a public service answer goes out first, then is replaced with itself plus the dashboard', async () => {
    const { id, first } = await ask(t, 'status EcsLabCluster/EcsLabApi --public');
    expect(first.response_type).toBe('in_channel');
    expect(images(first)).toEqual([]);
    const body = await second(t, id);
    expect(body.replace_original).toBe(true);
    expect(body.blocks.slice(0, first.blocks.length)).toEqual(first.blocks);
    const img = images(body);
    expect(img).toHaveLength(1);
    const complete = t.slack.callsTo('files.completeUploadExternal')[0];
    expect(complete.args.channel_id).toBeUndefined();
    expect(img[0].slack_file).toEqual({ id: complete.args.files[0].id });
    expect(img[0].alt_text).toContain('desired tasks 4, running 1, pending 3 now');
    expect(img[0].alt_text).toMatch(/CPU \d+% of reserved, memory \d+% of reserved/);

    const [w] = lab.world.widgets();
    expect(metricNames(w).slice(0, 3)).toEqual([
      'ECS/ContainerInsights:DesiredTaskCount',
      'ECS/ContainerInsights:RunningTaskCount',
      'ECS/ContainerInsights:PendingTaskCount',
    ]);
    for (const r of rows(w).filter((x) => typeof x[0] === 'string')) {
      expect(r.slice(2, 6)).toEqual(['ClusterName', 'EcsLabCluster', 'ServiceName', 'EcsLabApi']);
      expect(r[r.length - 1].period).toBe(60);
    }
    const exprs = rows(w)
      .filter((x) => typeof x[0] === 'object')
      .map((x) => x[0]);
    expect(exprs.map((e) => e.expression)).toEqual(['100*cpuused/cpures', '100*memused/memres']);
    expect(exprs.every((e) => e.yAxis === 'right')).toBe(true);
    expect(Date.parse(w.end) - Date.parse(w.start)).toBe(3 * H);
    expect(Date.parse(w.end)).toBe(lab.world.now);
    expect(w.period).toBe(60);
  });

  it('--since widens the window (and coarsens the period); a bad --since is a usage error', async () => {
    const { id } = await ask(t, 'status EcsLabCluster/EcsLabApi --since 1d --public');
    await second(t, id);
    const [w] = lab.world.widgets();
    expect(Date.parse(w.end) - Date.parse(w.start)).toBe(24 * H);
    expect(w.period).toBe(300);
    const bad = await ask(t, 'status EcsLabCluster/EcsLabApi --since 2w');
    expect(bad.first.response_type).toBe('ephemeral');
    expect(JSON.stringify(bad.first)).toContain('--since');
    expect(JSON.stringify(bad.first)).toContain('status [cluster] [service]');
    expect(lab.world.widgets()).toHaveLength(1);
  });

  it('without Container Insights the service graph draws AWS/ECS utilisation only', async () => {
    const { id } = await ask(t, 'status legacy/web --public');
    const body = await second(t, id);
    const [w] = lab.world.widgets();
    expect(metricNames(w)).toEqual(['AWS/ECS:CPUUtilization', 'AWS/ECS:MemoryUtilization']);
    expect(images(body)[0].alt_text).toContain('task counts need Container Insights');
  });

  it('a public cluster answer shows reservation, utilisation and the instance count', async () => {
    const { id } = await ask(t, 'status EcsLabCluster --public');
    const body = await second(t, id);
    const [w] = lab.world.widgets();
    expect(metricNames(w)).toEqual([
      'AWS/ECS:CPUReservation',
      'AWS/ECS:MemoryReservation',
      'AWS/ECS:CPUUtilization',
      'AWS/ECS:MemoryUtilization',
      'ECS/ContainerInsights:ContainerInstanceCount',
    ]);
    for (const r of rows(w)) expect(r.slice(2, 4)).toEqual(['ClusterName', 'EcsLabCluster']);
    expect(Date.parse(w.end) - Date.parse(w.start)).toBe(3 * H);
    expect(images(body)[0].alt_text).toContain('1 container instance');
    expect(images(body)[0].alt_text).toMatch(/CPU reserved \d+%, memory reserved \d+%/);
  });

  it('an ephemeral answer carries Show graph, which posts the graph to the channel, once a minute', async () => {
    const { first } = await ask(t, 'status EcsLabCluster/EcsLabApi');
    expect(first.response_type).toBe('ephemeral');
    expect(images(first)).toEqual([]);
    expect(lab.world.widgets()).toHaveLength(0);
    const button = first.blocks
      .find((b: any) => b.type === 'actions' && b.block_id === 'status.graph')
      .elements.find((e: any) => e.action_id === ACTIONS.statusGraph);
    expect(button.text.text).toContain('Show graph');

    await click(t, button.value);
    const shared = await t.slack.waitFor(
      () => t.slack.messagesIn(CHANNEL).find((m) => m.files?.length),
      10_000,
      'the graph in the channel',
    );
    expect(shared.text).toContain('EcsLabCluster/EcsLabApi');
    expect(shared.text).toContain('<@U0ALICE>');
    expect(t.slack.files.get(shared.files![0])).toMatchObject({ completed: true, channel: CHANNEL });
    expect(lab.world.widgets()).toHaveLength(1);

    const again = await click(t, button.value);
    const r = await t.slack.waitFor(() => t.slack.responsesTo(again)[0], 10_000, 'the second click');
    expect(r.body.text).toContain('less than a minute ago');
    expect(lab.world.widgets()).toHaveLength(1);
  });

  it('refuses a forged Show graph value', async () => {
    const id = await click(t, JSON.stringify({ c: '../etc', h: 3 }));
    const r = await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the refusal');
    expect(r.body.text).toContain('malformed');
    expect(lab.world.widgets()).toHaveLength(0);
  });

  it('says once why there is no graph when the bot may not read metric images', async () => {
    lab.world.failNext('GetMetricWidgetImage', () => new WorldError('AccessDenied', 'no'), 5);
    const { id, first } = await ask(t, 'status EcsLabCluster/EcsLabApi --public');
    const body = await second(t, id);
    expect(images(body)).toEqual([]);
    expect(body.blocks.slice(0, first.blocks.length)).toEqual(first.blocks);
    const notes = JSON.stringify(body.blocks).match(/No graph/g) ?? [];
    expect(notes).toHaveLength(1);
    expect(JSON.stringify(body.blocks)).toContain('cloudwatch:GetMetricWidgetImage');
  });

  it('tries again when Slack refuses the fresh file in the answer', async () => {
    t.slack.freshFileRefusals = 1;
    const { id } = await ask(t, 'status EcsLabCluster/EcsLabApi --public');
    const body = await second(t, id);
    expect(images(body)).toHaveLength(1);
    expect(t.slack.refusedResponses.filter((r) => r.id === id)).toHaveLength(1);
  });
});
