import { AwsWorld, labWorld } from '../helpers/aws-world';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { tempDbPath } from '../helpers/test-bot';
import {
  ACTIONS,
  ALICE,
  BOB,
  CHANNEL,
  buttonsOf,
  cardText,
  decision,
  eventually,
  startHarness,
  type Harness,
} from './harness';

describe('/ecs scale service, end to end', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('scales a service once an approver approves and follows it to a steady state', async () => {
    const lab = labWorld();
    lab.world.addInstance(lab.cluster, 't3.medium'); // room for more 512 MiB tasks
    h = await startHarness({ lab });
    const id = await h.requestVia('scale service EcsLabCluster/EcsLabApi 3 --reason "traffic"');
    const card = await h.card(id);
    const text = cardText(card);
    expect(text).toContain('1 task → *3 tasks*');
    expect(text).toContain('Running 1 · pending 0 · desired 1');
    expect(text).toContain('Task size 256 CPU units / 512 MiB (EcsLabApi:1)');
    expect(text).not.toContain('will stay PENDING');

    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    expect(h.lab.world.callsTo('UpdateService').map((c) => c.input)).toEqual([
      { cluster: 'EcsLabCluster', service: 'EcsLabApi', desiredCount: 3 },
    ]);

    const thread = () => h.t.slack.repliesTo(CHANNEL, card.ts).map((m) => m.text ?? '');
    await h.follower.runOnce();
    expect(thread().at(-1)).toMatch(/1\/3 tasks running · 2 pending/);
    h.lab.world.settle();
    h.clock.advance(15_000);
    await h.follower.runOnce();
    expect(thread().at(-1)).toMatch(/Reached: .*3\/3 tasks running · 0 pending/);
    expect(thread().filter((t) => t.startsWith(':hourglass_flowing_sand:'))).toHaveLength(1);
  });

  it('warns on the card about service auto scaling and a cluster without room', async () => {
    h = await startHarness();
    h.lab.world.service('EcsLabCluster', 'EcsLabApi').scalableTarget = {
      min: 1,
      max: 2,
      policies: [{ name: 'cpu60', type: 'TargetTrackingScaling' }],
    };
    const id = await h.requestVia('scale service EcsLabCluster/EcsLabApi 3');
    const text = cardText(await h.card(id));
    expect(text).toContain('Service auto scaling keeps the desired count between 1 and 2: it will lower 3 back to 2.');
    expect(text).toContain(
      'Target tracking policy \\"cpu60\\" adjusts the desired count to its target and may undo this change.',
    );
    expect(text).toContain('room for 0 more tasks of 256 CPU units / 512 MiB; about 2 tasks will stay PENDING');
  });

  it('times out a rollout that cannot be reached and says so in the thread', async () => {
    h = await startHarness({ env: { ROLLOUT_TIMEOUT_MINUTES: '1' } });
    const id = await h.requestVia('scale service EcsLabCluster/EcsLabApi 2');
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    const card = await h.card(id);
    h.lab.world.settle();
    await h.follower.runOnce();
    h.clock.advance(60_000);
    await h.follower.runOnce();
    const last = h.t.slack.repliesTo(CHANNEL, card.ts).at(-1)?.text ?? '';
    expect(last).toContain('Not reached after 1 min');
    expect(last).toContain('1/2 tasks running · 1 pending');
    expect((await h.t.store.rollouts.forRequest(id))?.status).toBe('timed-out');
  });
});

describe('finding the Auto Scaling group', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('uses the capacity provider and warns when its managed scaling owns the group', async () => {
    h = await startHarness({ lab: labWorld({ capacityProvider: true, managedScaling: true }) });
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    const text = cardText(await h.card(id));
    expect(text).toContain("found through the cluster's capacity provider");
    expect(text).toContain('Capacity provider \\"EcsLabCapacity\\" has managed scaling on (target capacity 100%)');
  });

  it('falls back to ASG_MAPPING and says so', async () => {
    const world = new AwsWorld();
    world.addCluster('mapped');
    world.addInstance('mapped', 't3.small');
    world.addAsg('MappedAsg', { min: 1, max: 3, desired: 1, instanceType: 't3.small' });
    h = await startHarness({ lab: { world } as any, env: { ASG_MAPPING: 'mapped=MappedAsg' } });
    const answer = await h.command('scale instances mapped 2 --dry-run');
    expect(JSON.stringify(answer.blocks)).toContain('Group MappedAsg (taken from ASG_MAPPING)');
  });

  it('explains what to do when no group can be found', async () => {
    const world = new AwsWorld();
    world.addCluster('lonely');
    world.addInstance('lonely', 't3.small');
    h = await startHarness({ lab: { world } as any });
    const answer = await h.command('scale instances lonely 2');
    expect(answer.text).toContain(
      'no Auto Scaling group found for cluster \\"lonely\\"'.replace(/\\"/g, '&quot;').replace(/&quot;/g, '"'),
    );
    expect(answer.text).toContain('ASG_MAPPING (lonely=GroupName)');
  });
});

describe('/ecs insights', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('shows the setting and enables it through the approval flow', async () => {
    const lab = labWorld();
    lab.world.cluster(lab.cluster).containerInsights = 'disabled';
    h = await startHarness({ lab });
    const shown = await h.command('insights EcsLabCluster');
    expect(shown.text).toBe('Container Insights on EcsLabCluster: disabled');
    expect(JSON.stringify(shown.blocks)).toContain('/ecs insights EcsLabCluster enable');

    const id = await h.requestVia('insights EcsLabCluster enable --reason "need PendingTaskCount"');
    expect(h.lab.world.callsTo('UpdateClusterSettings')).toHaveLength(0);
    expect(cardText(await h.card(id))).toContain('disabled → *enabled*');
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    expect(h.lab.world.callsTo('UpdateClusterSettings').map((c) => c.input)).toEqual([
      { cluster: 'EcsLabCluster', settings: [{ name: 'containerInsights', value: 'enabled' }] },
    ]);
    expect(h.lab.world.cluster('EcsLabCluster').containerInsights).toBe('enabled');
    await eventually(
      async () => cardText(await h.card(id)).includes('Container Insights on EcsLabCluster is now enabled'),
      'the card',
    );
    expect(await h.t.store.rollouts.forRequest(id)).toBeUndefined();
    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.at(-1)).toMatchObject({
      outcome: 'succeeded',
      before: 'disabled',
      after: { containerInsights: 'enabled' },
      approver: BOB,
    });
  });

  it('refuses a setting that is already in place and a bad verb', async () => {
    h = await startHarness();
    expect((await h.command('insights EcsLabCluster enable')).text).toContain('already enabled');
    expect((await h.command('insights EcsLabCluster maybe')).text).toContain(
      '"maybe" is not one of enable, enhanced, disable'.replace(/"/g, '&quot;').replace(/&quot;/g, '"'),
    );
    const dry = await h.command('insights EcsLabCluster enhanced --dry-run');
    expect(JSON.stringify(dry.blocks)).toContain('Enhanced observability adds task- and container-level metrics');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });
});

describe('/ecs audit', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('lists the latest audited actions, newest first, and one request', async () => {
    h = await startHarness();
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    await h.command('scale instances EcsLabCluster 3 --dry-run');
    const out = await h.command('audit 2');
    expect(out.response_type).toBe('ephemeral');
    const body = JSON.stringify(out.blocks);
    expect(body).toContain('Latest 2 audited actions');
    expect(body.indexOf('dry-run')).toBeLessThan(body.indexOf('succeeded'));
    expect(body).toContain('approved by <@U0BOB>');
    expect(body).not.toContain('*requested*');
    const one = await h.command(`audit --request ${id}`);
    expect(JSON.stringify(one.blocks).match(/\*(requested|succeeded)\*/g)).toEqual(['*succeeded*', '*requested*']);
    expect((await h.command('audit many')).text).toContain('n must be a whole number from 1 to 50');
  });
});

describe('the alarm card Scale… button and propose buttons', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('answers with the counts and proposal buttons; a proposal click opens a request in the alarm thread', async () => {
    h = await startHarness();
    h.lab.raiseDesired(4);
    const alarmTs = '1700000999.000100';
    const reply = await h.click(
      ACTIONS.alarmScale,
      JSON.stringify({ k: 'EcsLabApi-pending', c: 'EcsLabCluster', s: 'EcsLabApi' }),
      ALICE,
      { messageTs: alarmTs },
    );
    expect(reply.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('desired 4 · running 1 · pending 3');
    expect(text).toContain('/ecs scale instances EcsLabCluster 2 --reason \\"alarm EcsLabApi-pending\\"');
    const buttons = reply.blocks.find((b: any) => b.type === 'actions').elements;
    expect(buttons.map((b: any) => b.text.text)).toEqual([
      'Service to 5 tasks (+1)',
      'Service back to 1 running',
      'Instances to 2 (+1)',
    ]);
    expect(new Set(buttons.map((b: any) => b.action_id)).size).toBe(3);
    expect(h.lab.world.calls.filter((c) => /^Update/.test(c.op))).toEqual([]);

    const instances = buttons[2];
    const posted = await h.click(instances.action_id, instances.value, ALICE);
    expect(posted.text).toContain(
      'Requested: Scale the instances of EcsLabCluster (group EcsLabAsg) from 1 to 2 instances',
    );
    const [req] = await h.t.store.changeRequests.list();
    expect(req).toMatchObject({
      status: 'pending',
      requestedBy: ALICE,
      reason: 'alarm EcsLabApi-pending',
      threadTs: alarmTs,
    });
    const card = await h.card(req.id);
    expect(card.thread_ts).toBe(alarmTs);
    expect(buttonsOf(card)).toContain(ACTIONS.changeApprove);
    expect(h.lab.world.calls.filter((c) => /^Update/.test(c.op))).toEqual([]);
  });

  it('refuses a malformed propose value', async () => {
    h = await startHarness();
    const r1 = await h.click(ACTIONS.changePropose, '{"a":"scale-service","c":"bad name!"}', ALICE);
    expect(r1.text).toContain('this button is malformed');
    const r2 = await h.click(`${ACTIONS.changePropose}:1`, 'not json', ALICE);
    expect(r2.text).toContain('this button is malformed');
    const r3 = await h.click(ACTIONS.changeApprove, '{"id":"x"}', BOB);
    expect(r3.text).toContain('this button is malformed');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });
});

describe('restarts', () => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await startFakeSlack();
  });
  afterEach(async () => {
    await slack.stop();
  });

  it('resumes following a rollout after a restart', async () => {
    const db = tempDbPath();
    const lab = labWorld();
    const a = await startHarness({ lab, slack, env: { DATABASE_URL: db } });
    const id = await a.requestVia('scale instances EcsLabCluster 2');
    await a.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await a.settled(id, 'succeeded');
    const card = await a.card(id);
    await a.follower.runOnce();
    await a.stop();

    lab.world.settle();
    a.clock.advance(20_000);
    const b = await startHarness({ lab, slack, env: { DATABASE_URL: db }, clock: a.clock });
    try {
      expect(await b.follower.runOnce()).toBe(1);
      const lines = slack.repliesTo(CHANNEL, card.ts).map((m) => m.text ?? '');
      expect(lines.at(-1)).toContain('Reached:');
      expect(lines.at(-1)).toContain('2/2 instances in service');
      expect(lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(1);
    } finally {
      await b.stop();
    }
  });

  it('never re-runs a request found executing after a restart: marks it failed', async () => {
    const db = tempDbPath();
    const lab = labWorld();
    const a = await startHarness({ lab, slack, env: { DATABASE_URL: db } });
    const id = await a.requestVia('scale instances EcsLabCluster 2');
    // The process "dies" right after winning the transition, before calling AWS.
    expect(await a.t.store.changeRequests.claimForExecution(id, BOB, a.clock.now())).toBeDefined();
    await a.stop();

    a.clock.advance(1_000); // SQLite has one process: the restarted bot marks it at once, no grace period
    const b = await startHarness({ lab, slack, env: { DATABASE_URL: db }, clock: a.clock });
    try {
      expect(await b.expiry.runOnce()).toBe(1);
      const r = await b.request(id);
      expect(r.status).toBe('failed');
      expect(r.error).toContain('interrupted');
      expect(r.error).toContain('verify the current state');
      expect(lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
      expect(cardText(await b.card(id))).toContain('but the change failed');
      expect((await b.t.store.audit.forRequest(id)).at(-1)).toMatchObject({
        outcome: 'failed',
        approver: BOB,
        actor: 'ecs-chatops',
      });
      const late = await b.click(ACTIONS.changeApprove, decision(id), BOB);
      expect(late.text).toContain('failed');
    } finally {
      await b.stop();
    }
  });
});
