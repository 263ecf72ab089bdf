import { labWorld, WorldError } from '../helpers/aws-world';
import { ACTIONS, BOB, CHANNEL, decision, eventually, startHarness, type Harness } from '../approvals/harness';

const MIN = 60_000;
const images = (m: { blocks?: any[] }) => (m.blocks ?? []).filter((b) => b.type === 'image');
const rows = (w: any) => w.metrics as any[][];
const metricNames = (w: any) => rows(w).map((r) => `${r[0]}:${r[1]}`);

/** The lab with room for more tasks (a second, larger instance). */
function roomyLab() {
  const lab = labWorld();
  lab.world.addInstance(lab.cluster, 't3.medium');
  lab.world.settle();
  return lab;
}

describe('the rollout follow-up graph, end to end', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** Requests `text`, has Bob approve it, and returns the card's ts and when the change ran. */
  async function approved(text: string): Promise<{ cardTs: string; executedAt: number }> {
    const id = await h.requestVia(text);
    const card = await h.card(id);
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { messageTs: card.ts, expectReply: false });
    await h.settled(id, 'succeeded');
    const rollout = (await h.t.store.rollouts.forRequest(id))!;
    return { cardTs: card.ts, executedAt: rollout.startedAt };
  }

  const reachedLine = (cardTs: string) =>
    h.t.slack.repliesTo(CHANNEL, cardTs).find((m) => (m.text ?? '').includes('Reached'));

  it('a service scale: the Reached line is posted, then updated with desired against running over the change', async () => {
    h = await startHarness({ lab: roomyLab() });
    const { cardTs, executedAt } = await approved('scale service EcsLabCluster/EcsLabApi 2 --reason "more room"');
    h.lab.world.settle();
    h.clock.advance(4 * MIN);
    expect(await h.follower.runOnce()).toBe(1);
    const endedAt = h.clock.now();
    const line = await eventually(() => {
      const m = reachedLine(cardTs);
      return m && images(m).length > 0 && m;
    }, 'the Reached line with its graph');

    // Posted as text first; the image came by an update naming the uploaded (unshared) file.
    const post = h.t.slack.calls.find((c) => c.method === 'chat.postMessage' && c.args.text === line.text)!;
    expect(post.args.blocks).toBeUndefined();
    const complete = h.t.slack.callsTo('files.completeUploadExternal').at(-1)!;
    expect(complete.args.channel_id).toBeUndefined();
    const [img] = images(line);
    expect(img.slack_file).toEqual({ id: complete.args.files[0].id });
    expect(h.t.slack.imageCalls(img.slack_file.id).map((c) => c.method)).toEqual(['chat.update']);
    expect(line.blocks![0].text.text).toBe(line.text);
    expect(img.alt_text).toContain('desired and running tasks of EcsLabCluster/EcsLabApi');
    expect(img.alt_text).toContain('desired tasks 2, running 2');

    const [w] = h.lab.world.widgets();
    expect(metricNames(w)).toEqual([
      'ECS/ContainerInsights:DesiredTaskCount',
      'ECS/ContainerInsights:RunningTaskCount',
    ]);
    for (const r of rows(w)) {
      expect(r.slice(2, 6)).toEqual(['ClusterName', 'EcsLabCluster', 'ServiceName', 'EcsLabApi']);
      expect(r[6]).toMatchObject({ stat: 'Average', period: 60 });
    }
    // From the execution to the end, widened back to 15 min so the before shows; both moments marked.
    expect(Date.parse(w.end)).toBe(endedAt);
    expect(Date.parse(w.start)).toBe(Math.min(executedAt, endedAt - 15 * MIN));
    expect(w.annotations.vertical).toEqual([
      { label: 'desired 2 tasks', value: new Date(executedAt).toISOString() },
      { label: 'reached', value: new Date(endedAt).toISOString() },
    ]);
    expect(w.region).toBe('us-east-1');
  });

  it('an instance scale: the group’s desired and in-service instances and the registered count', async () => {
    h = await startHarness();
    h.lab.raiseDesired(4);
    const { cardTs, executedAt } = await approved('scale instances EcsLabCluster 2');
    h.lab.world.tick();
    h.lab.world.tick();
    h.lab.world.settle();
    h.clock.advance(40 * MIN);
    await h.follower.runOnce();
    await eventually(() => {
      const m = reachedLine(cardTs);
      return m && images(m).length > 0 && m;
    }, 'the Reached line with its graph');
    const [w] = h.lab.world.widgets();
    expect(metricNames(w)).toEqual([
      'AWS/AutoScaling:GroupDesiredCapacity',
      'AWS/AutoScaling:GroupInServiceInstances',
      'ECS/ContainerInsights:ContainerInstanceCount',
    ]);
    expect(rows(w)[0].slice(2, 4)).toEqual(['AutoScalingGroupName', 'EcsLabAsg']);
    expect(rows(w)[2].slice(2, 4)).toEqual(['ClusterName', 'EcsLabCluster']);
    // Longer than 15 min: exactly from the execution to the end.
    expect(Date.parse(w.start)).toBe(executedAt);
    expect(Date.parse(w.end)).toBe(h.clock.now());
    expect(w.annotations.vertical.map((v: any) => v.label)).toEqual(['desired 2 instances', 'reached']);
  });

  it('a restart: the new deployment marked at the change, on the service’s desired and running tasks', async () => {
    h = await startHarness({ lab: roomyLab() });
    const { cardTs, executedAt } = await approved('restart EcsLabCluster/EcsLabApi');
    h.lab.world.settle();
    h.clock.advance(30 * MIN);
    await h.follower.runOnce();
    const line = await eventually(() => {
      const m = reachedLine(cardTs);
      return m && images(m).length > 0 && m;
    }, 'the Reached line with its graph');
    const [w] = h.lab.world.widgets();
    expect(metricNames(w)).toEqual([
      'ECS/ContainerInsights:DesiredTaskCount',
      'ECS/ContainerInsights:RunningTaskCount',
    ]);
    expect(Date.parse(w.start)).toBe(executedAt);
    expect(Date.parse(w.end)).toBe(h.clock.now());
    expect(w.annotations.vertical.map((v: any) => v.label)).toEqual(['deployment of EcsLabApi:1', 'reached']);
    expect(images(line)[0].alt_text).toContain('deployment of EcsLabApi:1 at');
  });

  it('says once under the line when the bot may not read metric images', async () => {
    h = await startHarness({ lab: roomyLab() });
    const { cardTs } = await approved('scale service EcsLabCluster/EcsLabApi 2');
    h.lab.world.settle();
    h.lab.world.failNext('GetMetricWidgetImage', () => new WorldError('AccessDenied', 'no'), 5);
    await h.follower.runOnce();
    const line = await eventually(() => {
      const m = reachedLine(cardTs);
      return m && JSON.stringify(m.blocks ?? []).includes('No graph') && m;
    }, 'the note under the line');
    expect(images(line)).toEqual([]);
    expect(JSON.stringify(line.blocks).match(/No graph/g)).toHaveLength(1);
    expect(h.t.slack.callsTo('files.getUploadURLExternal')).toEqual([]);
  });
});
