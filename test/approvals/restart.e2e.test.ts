import { labWorld } from '../helpers/aws-world';
import { TRANSPORTS } from '../helpers/slack-transport';
import {
  ACTIONS,
  ALICE,
  BOB,
  CHANNEL,
  MALLORY,
  cardText,
  decision,
  eventually,
  startHarness,
  approveAndApply,
  pendingCard,
  rolloutThread,
  type Harness,
} from './harness';

/** The lab with room for the replacement tasks beside the old ones (ECS starts new tasks first). */
function roomyLab() {
  const lab = labWorld();
  lab.world.addInstance(lab.cluster, 't3.medium');
  lab.world.settle();
  return lab;
}

describe.each(TRANSPORTS)('/ecs restart with approval, end to end over %s', (transport) => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('requests, is approved, forces one new deployment of the same revision and follows it to completion', async () => {
    h = await startHarness({ lab: roomyLab(), transport });
    const before = [...h.lab.world.tasks.values()].filter((t) => t.lastStatus === 'RUNNING').map((t) => t.id);
    expect(before).toHaveLength(1);
    const id = await h.requestVia('restart EcsLabCluster/EcsLabApi --reason "stuck connections"');

    const card = await pendingCard(h, id);
    const pending = cardText(card);
    expect(pending).toContain('Restart service EcsLabCluster/EcsLabApi: a new deployment of EcsLabApi:1');
    expect(pending).toContain('Task definition EcsLabApi:1 (unchanged)');
    expect(pending).toContain('Deployment circuit breaker: on, rollback on');
    expect(pending).toContain('Every task of the service is replaced by a new task of EcsLabApi:1');
    expect(pending).toContain('stuck connections');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);

    const done = await approveAndApply(h, id, card);
    expect(h.lab.world.callsTo('UpdateService').map((c) => c.input)).toEqual([
      { cluster: 'EcsLabCluster', service: 'EcsLabApi', forceNewDeployment: true },
    ]);
    const svc = h.lab.world.service('EcsLabCluster', 'EcsLabApi');
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    expect(primary).toMatchObject({ taskDef: 'EcsLabApi:1', rolloutState: 'IN_PROGRESS' });
    expect(svc.deployments).toHaveLength(2);
    expect(cardText(done)).toContain(`New deployment ${primary.id} of EcsLabApi:1 started.`);

    const thread = await rolloutThread(h, card);
    expect(thread().find((t) => t.includes('Following the rollout'))).toContain(
      'until the new deployment of EcsLabApi:1 completes, fails or is rolled back',
    );
    expect(await h.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toContain('deployment of `EcsLabApi:1` in progress · 0/1 new tasks running · 1 pending');

    h.lab.world.settle();
    h.clock.advance(15_000);
    expect(await h.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toMatch(/Reached: .*deployment of `EcsLabApi:1` completed · 1\/1 new tasks running/);
    expect((await h.t.store.rollouts.forRequest(id))?.status).toBe('reached');

    // The old task was replaced by a new one of the same revision; the old deployment is gone.
    const running = [...h.lab.world.tasks.values()].filter((t) => t.lastStatus === 'RUNNING');
    expect(running).toHaveLength(1);
    expect(running[0].id).not.toBe(before[0]);
    expect(running[0].taskDef).toBe('EcsLabApi:1');
    expect(h.lab.world.tasks.get(before[0])?.lastStatus).toBe('STOPPED');
    expect(svc.deployments.map((d) => [d.id, d.status, d.rolloutState])).toEqual([
      [primary.id, 'PRIMARY', 'COMPLETED'],
    ]);
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(1);

    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[1]).toMatchObject({
      actor: ALICE,
      approver: BOB,
      action: 'restart-service',
      target: 'EcsLabCluster/EcsLabApi',
      before: 'EcsLabApi:1',
      after: { deploymentId: primary.id, taskDefinition: 'EcsLabApi:1' },
    });
    expect(audit[1].awsRequestId).toMatch(/^req-\d+$/);
  });
});

describe('/ecs restart, refusals and the end of a failed deployment', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('refuses an approver who is not allowed and changes nothing', async () => {
    h = await startHarness({ lab: roomyLab() });
    const id = await h.requestVia('restart EcsLabCluster/EcsLabApi');
    const reply = await h.click(ACTIONS.changeApprove, decision(id), MALLORY);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain(
      'You cannot approve this: you are not an approver for restart-service on EcsLabCluster (APPROVERS)',
    );
    expect((await h.request(id)).status).toBe('pending');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
    expect(h.lab.world.service('EcsLabCluster', 'EcsLabApi').deployments).toHaveLength(1);
    expect((await h.t.store.audit.forRequest(id)).at(-1)).toMatchObject({ outcome: 'refused', actor: MALLORY });
  });

  it('answers bad input with the usage line and names an unknown service, requesting nothing', async () => {
    h = await startHarness();
    const usage =
      'Usage: `/ecs restart &lt;cluster&gt;/&lt;service&gt; [--reason "…"] [--account NAME] [--region REGION] [--dry-run]`';
    const cases: [string, string][] = [
      ['restart', 'name the service to restart'],
      ['restart EcsLabCluster/EcsLabApi extra', 'unexpected "extra"'],
      ['restart a/b/c', '"a/b/c" is not cluster/service'],
      ['restart EcsLabCluster/bad!name', '"bad!name" is not a valid service name'],
    ];
    for (const [bad, why] of cases) {
      const answer = await h.command(bad);
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain(why);
      expect(answer.text).toContain(usage);
    }
    expect((await h.command('restart EcsLabCluster/EcsLabAp')).text).toContain(
      'service "EcsLabAp" does not exist in cluster "EcsLabCluster"',
    );
    expect((await h.command('restart EcsLab/EcsLabApi')).text).toContain('cluster "EcsLab" does not exist');
    expect(h.t.slack.messagesIn(CHANNEL).filter((m) => cardText(m).includes('Restart service'))).toHaveLength(0);
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
  });

  it('stops, changing nothing, when the task definition changed between the request and the approval', async () => {
    h = await startHarness({ lab: roomyLab() });
    const id = await h.requestVia('restart EcsLabCluster/EcsLabApi');
    const w = h.lab.world;
    const td = w.registerTaskDef({ ...w.taskDefs.get('EcsLabApi:1')!, revision: undefined });
    w.service('EcsLabCluster', 'EcsLabApi').taskDef = `EcsLabApi:${td.revision}`;
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    const r = await h.settled(id, 'failed');
    expect(r.error).toContain('changed since the request (was EcsLabApi:1, now EcsLabApi:2); nothing was changed');
    expect(w.callsTo('UpdateService')).toHaveLength(0);
    expect(w.service('EcsLabCluster', 'EcsLabApi').deployments).toHaveLength(1);
  });

  it('refuses a service with a desired count of 0', async () => {
    h = await startHarness();
    h.lab.world.updateServiceDesired('EcsLabCluster', 'EcsLabApi', 0);
    h.lab.world.settle();
    expect((await h.command('restart EcsLabCluster/EcsLabApi')).text).toContain(
      'has a desired count of 0: there are no tasks to restart',
    );
    expect(h.t.slack.messagesIn(CHANNEL).filter((m) => cardText(m).includes('Restart service'))).toHaveLength(0);
  });

  it('shows a dry run without requesting or changing anything', async () => {
    h = await startHarness();
    const answer = await h.command('restart EcsLabCluster/EcsLabApi --dry-run');
    expect(answer.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.blocks)).toContain('`/ecs restart EcsLabCluster/EcsLabApi`');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
    expect(h.t.slack.messagesIn(CHANNEL).filter((m) => cardText(m).includes('Restart service'))).toHaveLength(0);
  });

  it('says in the thread when the circuit breaker fails the deployment and rolls it back', async () => {
    h = await startHarness({ lab: roomyLab() });
    const id = await h.requestVia('restart EcsLabCluster/EcsLabApi');
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    const card = await h.card(id);
    const svc = h.lab.world.service('EcsLabCluster', 'EcsLabApi');
    const ours = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    const previous = svc.deployments.find((d) => d.status === 'ACTIVE')!;
    // What ECS reports after the circuit breaker gave up: ours FAILED, the previous one PRIMARY again.
    Object.assign(ours, {
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      failedTasks: 3,
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start. <!channel>',
    });
    Object.assign(previous, { status: 'PRIMARY', rolloutState: 'IN_PROGRESS' });
    await eventually(
      () => h.t.slack.repliesTo(CHANNEL, card.ts).some((m) => (m.text ?? '').includes('Following the rollout')),
      'the start line',
    );
    expect(await h.follower.runOnce()).toBe(1);
    const last = h.t.slack.repliesTo(CHANNEL, card.ts).at(-1)?.text ?? '';
    expect(last).toContain('The deployment of `EcsLabApi:1` on `EcsLabCluster/EcsLabApi` failed (3 tasks failed)');
    expect(last).toContain('ECS says: ECS deployment circuit breaker: tasks failed to start.');
    expect(last).not.toContain('<!channel>');
    expect(last).toContain(`The service now deploys \`EcsLabApi:1\` (deployment \`${previous.id}\`)`);
    expect((await h.t.store.rollouts.forRequest(id))?.status).toBe('stopped');
  });
});
