import {
  ACTIONS,
  ALICE,
  BOB,
  CAROL,
  CHANNEL,
  MALLORY,
  buttonsOf,
  cardText,
  decision,
  eventually,
  startHarness,
  approveAndApply,
  pendingCard,
  rolloutThread,
  type Harness,
} from './harness';
import { TRANSPORTS } from '../helpers/slack-transport';

describe.each(TRANSPORTS)('/ecs scale instances with approval, end to end over %s', (transport) => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('requests, is approved by another user, changes AWS once (max size raised 1 → 4), updates the card and follows the rollout to the end', async () => {
    h = await startHarness({ transport });
    h.lab.raiseDesired(4); // the lab incident: 3 tasks pending for want of memory
    const id = await h.requestVia('scale instances EcsLabCluster 4 --reason "lab: 3 tasks pending"');

    const card = await pendingCard(h, id);
    const pending = cardText(card);
    expect(pending).toContain('Requested by*\\n<@U0ALICE>');
    expect(pending).toContain('1 instance → *4 instances*');
    expect(pending).toContain('Max size is raised from 1 to 4 so the desired capacity fits');
    expect(pending).toContain("Group EcsLabAsg (found from the cluster's container instances)");
    expect(pending).toContain('Tasks in the cluster: 1 running · 3 pending');
    expect(pending).toContain('min 1 · max 1 · desired 1');
    expect(pending).toContain('lab: 3 tasks pending');
    expect(pending).toContain('<!date^');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);

    const done = await approveAndApply(h, id, card);
    const calls = h.lab.world.callsTo('UpdateAutoScalingGroup');
    expect(calls).toHaveLength(1);
    expect(calls[0].input).toEqual({ AutoScalingGroupName: 'EcsLabAsg', DesiredCapacity: 4, MaxSize: 4 });
    const asg = h.lab.world.asgs.get('EcsLabAsg')!;
    expect([asg.desired, asg.max, asg.min]).toEqual([4, 4, 1]);

    expect(cardText(done)).toContain('max size 1 → 4');

    // Follow-up in the card's thread.
    const thread = await rolloutThread(h, card);
    expect(await h.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toContain('1/4 instances in service');
    expect(await h.follower.runOnce()).toBe(0); // not due before the poll interval
    h.clock.advance(15_000);
    expect(await h.follower.runOnce()).toBe(1);
    expect(thread().filter((t) => t.includes('1/4 instances in service'))).toHaveLength(1); // unchanged progress is not repeated

    h.lab.world.tick(); // instances launch (Pending)
    h.lab.world.tick(); // … InService, register, tasks placed
    h.lab.world.settle();
    h.clock.advance(15_000);
    await h.follower.runOnce();
    expect(thread().at(-1)).toMatch(
      /Reached: .*4\/4 instances in service · 4 registered in the cluster · 0 tasks pending/,
    );
    expect(h.lab.world.counts('EcsLabCluster', 'EcsLabApi')).toEqual({ desired: 4, running: 4, pending: 0 });
    expect((await h.t.store.rollouts.forRequest(id))?.status).toBe('reached');
    h.clock.advance(60_000);
    expect(await h.follower.runOnce()).toBe(0);

    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[1]).toMatchObject({
      actor: ALICE,
      approver: BOB,
      before: 1,
      after: { desired: 4, min: 1, max: 4 },
      target: 'EcsLabCluster · group EcsLabAsg',
    });
    expect(audit[1].awsRequestId).toMatch(/^req-\d+$/);
  });

  it('refuses self-approval and changes nothing', async () => {
    h = await startHarness({ transport, env: { APPROVERS: `${ALICE},${BOB}` } });
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    const card = await h.card(id);
    const reply = await h.click(ACTIONS.changeApprove, decision(id), ALICE, { messageTs: card.ts });
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.replace_original).toBe(false);
    expect(reply.text).toContain('someone else must approve it');
    expect((await h.request(id)).status).toBe('pending');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
    expect((await h.t.store.audit.forRequest(id)).map((a) => [a.outcome, a.actor])).toEqual([
      ['requested', ALICE],
      ['refused', ALICE],
    ]);
  });

  it('turns 20 concurrent approve clicks into exactly one AWS call', async () => {
    h = await startHarness({ transport });
    const id = await h.requestVia('scale instances EcsLabCluster 3');
    const card = await h.card(id);
    const ids = Array.from({ length: 20 }, (_, i) => `race${i}`);
    await Promise.all(ids.map((rid, i) => fetchClick(h, rid, decision(id), i % 2 ? BOB : CAROL, card.ts)));
    await h.settled(id, 'succeeded');
    const replies = await eventually(() => {
      const r = ids.flatMap((rid) => h.t.slack.responsesTo(rid));
      return r.length >= 19 && r;
    }, '19 refusals');
    expect(replies).toHaveLength(19);
    for (const r of replies) expect(r.body.text).toMatch(/already approved by <@U0(BOB|CAROL)>/);
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(1);
    expect((await h.t.store.audit.forRequest(id)).filter((a) => a.outcome === 'succeeded')).toHaveLength(1);
  });
});

describe('/ecs scale instances with approval, end to end over signed HTTP', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('allows self-approval only when ALLOW_SELF_APPROVAL is set', async () => {
    h = await startHarness({ env: { APPROVERS: ALICE, ALLOW_SELF_APPROVAL: 'true' } });
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    await h.click(ACTIONS.changeApprove, decision(id), ALICE, { expectReply: false });
    await h.settled(id, 'succeeded');
    expect(h.lab.world.asgs.get('EcsLabAsg')!.desired).toBe(2);
  });

  it('refuses an approver who is not allowed, with an ephemeral explanation', async () => {
    h = await startHarness();
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    const reply = await h.click(ACTIONS.changeApprove, decision(id), MALLORY);
    expect(reply.text).toContain(
      'You cannot approve this: you are not an approver for scale-instances on EcsLabCluster (APPROVERS)',
    );
    expect((await h.request(id)).status).toBe('pending');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
    expect((await h.card(id)).updates).toBe(0);
    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.at(-1)).toMatchObject({ outcome: 'refused', actor: MALLORY });
  });

  it('lets a member of an approver user group approve (usergroups.users.list)', async () => {
    h = await startHarness({ env: { APPROVERS: 'S0SRE' } });
    h.t.slack.usergroups = { S0SRE: ['U0DAVE', BOB] };
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    const refused = await h.click(ACTIONS.changeApprove, decision(id), MALLORY);
    expect(refused.text).toContain('not an approver');
    await h.click(ACTIONS.changeApprove, decision(id), 'U0DAVE', { expectReply: false });
    await h.settled(id, 'succeeded');
    expect((await h.request(id)).decidedBy).toBe('U0DAVE');
    // Members were looked up once and cached.
    expect(h.t.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0SRE']);
  });

  it('refuses an expired request, then the expiry worker marks it, updates the card and audits it', async () => {
    h = await startHarness({ env: { REQUEST_TTL_MINUTES: '15' } });
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    h.clock.advance(15 * 60_000);
    const reply = await h.click(ACTIONS.changeApprove, decision(id), BOB);
    expect(reply.text).toContain('This request expired');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
    expect(await h.expiry.runOnce()).toBe(1);
    expect((await h.request(id)).status).toBe('expired');
    const card = await h.card(id);
    expect(cardText(card)).toContain('Expired');
    expect(buttonsOf(card)).toEqual([]);
    expect((await h.t.store.audit.forRequest(id)).map((a) => [a.outcome, a.actor])).toEqual([
      ['requested', ALICE],
      ['expired', 'ecs-chatops'],
    ]);
    expect(await h.expiry.runOnce()).toBe(0);
    const late = await h.click(ACTIONS.changeApprove, decision(id), BOB);
    expect(late.text).toContain('expired');
  });

  it('rejects: an approver rejects, the card says so and it can no longer be approved', async () => {
    h = await startHarness();
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    const notApprover = await h.click(ACTIONS.changeReject, decision(id), MALLORY);
    expect(notApprover.text).toContain('only an approver can reject');
    await h.click(ACTIONS.changeReject, decision(id), BOB, { expectReply: false });
    await eventually(async () => cardText(await h.card(id)).includes('Rejected by <@U0BOB>'), 'the rejected card');
    expect(buttonsOf(await h.card(id))).toEqual([]);
    const late = await h.click(ACTIONS.changeApprove, decision(id), CAROL);
    expect(late.text).toContain('was rejected by <@U0BOB>');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
    expect((await h.t.store.audit.forRequest(id)).map((a) => a.outcome)).toEqual(['requested', 'refused', 'rejected']);
  });

  it('cancels only for the requester', async () => {
    h = await startHarness();
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    const other = await h.click(ACTIONS.changeCancel, decision(id), BOB);
    expect(other.text).toContain('Only the requester (<@U0ALICE>) can cancel');
    expect((await h.request(id)).status).toBe('pending');
    await h.click(ACTIONS.changeCancel, decision(id), ALICE, { expectReply: false });
    await h.settled(id, 'cancelled');
    await eventually(async () => cardText(await h.card(id)).includes('Cancelled by <@U0ALICE>'), 'the cancelled card');
    const late = await h.click(ACTIONS.changeApprove, decision(id), BOB);
    expect(late.text).toContain('cancelled by its requester');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
    expect((await h.t.store.audit.forRequest(id)).map((a) => a.outcome)).toEqual(['requested', 'refused', 'cancelled']);
  });

  it('does not overwrite a value that changed since the request', async () => {
    h = await startHarness();
    const id = await h.requestVia('scale instances EcsLabCluster 3');
    h.lab.world.updateAsg('EcsLabAsg', { desired: 2, max: 2 }); // someone scaled in the console meanwhile
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'failed');
    expect((await h.request(id)).error).toContain('changed since the request (was 1 instance, now 2 instances)');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
    expect(h.lab.world.asgs.get('EcsLabAsg')!.desired).toBe(2);
    await eventually(async () => cardText(await h.card(id)).includes('but the change failed'), 'the failed card');
    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.at(-1)).toMatchObject({ outcome: 'failed', approver: BOB });
    expect(audit.at(-1)?.error).toContain('changed since the request');
  });

  it('records an AWS refusal as a failed change with the AWS message', async () => {
    h = await startHarness();
    const id = await h.requestVia('scale instances EcsLabCluster 2');
    h.lab.world.failNext('UpdateAutoScalingGroup', () =>
      Object.assign(new Error('User is not authorized'), {
        name: 'AccessDenied',
        $metadata: { requestId: 'req-denied' },
      }),
    );
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'failed');
    const r = await h.request(id);
    expect(r.error).toContain('may not call autoscaling:UpdateAutoScalingGroup');
    expect(await h.t.store.rollouts.forRequest(id)).toBeUndefined();
    expect((await h.t.store.audit.forRequest(id)).at(-1)).toMatchObject({ outcome: 'failed' });
  });

  it('--dry-run shows the plan and stores, posts and changes nothing (audited as dry-run)', async () => {
    h = await startHarness();
    const answer = await h.command('scale instances EcsLabCluster 4 --dry-run --reason "try"');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('Dry run');
    expect(JSON.stringify(answer.blocks)).toContain('Max size is raised from 1 to 4');
    expect(JSON.stringify(answer.blocks)).toContain('/ecs scale instances EcsLabCluster 4 --reason \\"try\\"');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
    expect(h.t.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.lab.world.calls.filter((c) => /^(Update|Put|Delete)/.test(c.op))).toEqual([]);
    const audit = await h.t.store.audit.latest(5);
    expect(audit.map((a) => [a.outcome, a.actor, a.before, a.after])).toEqual([['dry-run', ALICE, 1, 4]]);
  });

  it('refuses counts above the bounds outright, and audits the refusal', async () => {
    h = await startHarness({ env: { MAX_INSTANCES: '3', MAX_STEP: '2', MAX_DESIRED_TASKS: '5' } });
    const tooMany = await h.command('scale instances EcsLabCluster 4');
    expect(tooMany.text).toContain('4 instances is above the limit of 3 (MAX_INSTANCES)');
    const withinBounds = await h.command('scale instances EcsLabCluster 0'); // a step of 1, under every bound
    expect(withinBounds.text).toContain('Requested: Scale the instances of EcsLabCluster');
    const bigStep = await h.command('scale service EcsLabCluster/EcsLabApi 4');
    expect(bigStep.text).toContain('changes the count by 3, more than the 2 allowed in one request (MAX_STEP)');
    const tooManyTasks = await h.command('scale service EcsLabCluster/EcsLabApi 6');
    expect(tooManyTasks.text).toContain('above the limit of 5 (MAX_DESIRED_TASKS)');
    expect((await h.t.store.audit.latest(10)).filter((a) => a.outcome === 'refused').map((a) => a.target)).toEqual([
      'EcsLabCluster/EcsLabApi',
      'EcsLabCluster/EcsLabApi',
      'EcsLabCluster',
    ]);
    expect(h.lab.world.calls.filter((c) => /^Update/.test(c.op))).toEqual([]);
  });

  it('refuses every request when no approver is configured (deny by default)', async () => {
    h = await startHarness({ env: { APPROVERS: '' } });
    const answer = await h.command('scale instances EcsLabCluster 2');
    expect(answer.text).toContain('nobody may approve scale-instances on EcsLabCluster');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
    expect(h.t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('refuses a requester outside REQUESTERS', async () => {
    h = await startHarness({ env: { REQUESTERS: CAROL } });
    const answer = await h.command('scale instances EcsLabCluster 2', MALLORY);
    expect(answer.text).toContain('you are not allowed to request scale-instances on EcsLabCluster (REQUESTERS)');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });

  it('answers usage errors and unknown names clearly', async () => {
    h = await startHarness();
    expect((await h.command('scale instances EcsLabCluster lots')).text).toContain('the count must be a whole number');
    expect((await h.command('scale')).text).toContain('Usage: `/ecs scale service');
    expect((await h.command('scale service EcsLabCluster/EcsLabAp 2')).text).toContain('Did you mean: `EcsLabApi`');
    expect((await h.command('scale instances EcsLab 2')).text).toContain('cluster "EcsLab" does not exist');
    expect((await h.command('scale instances EcsLabCluster 1')).text).toContain('already has a desired capacity of 1');
  });
});

/** One approve click with its own response_url id (for the race test). */
async function fetchClick(h: Harness, rid: string, value: string, user: string, ts: string): Promise<void> {
  const { buttonClick } = await import('../helpers/slack-sign');
  const res = await h.t.transport.interaction(
    buttonClick({
      actionId: ACTIONS.changeApprove,
      value,
      userId: user,
      channelId: CHANNEL,
      messageTs: ts,
      responseUrl: h.t.slack.responseUrl(rid),
    }),
  );
  expect(res.status).toBe(200);
}
