import { labWorld, WorldError } from '../helpers/aws-world';
import { ACTIONS, BOB, cardText, decision, startHarness, type Harness } from '../approvals/harness';

/**
 * An approved change whose AWS call fails (throttled after retries, or timed out) is recorded as
 * failed — request, audit and card — runs nothing twice, and the same change can be asked for again
 * with a new request that then succeeds.
 */
describe('an approved change that AWS refuses', () => {
  let h: Harness;
  beforeEach(async () => {
    const lab = labWorld();
    lab.world.addInstance(lab.cluster, 't3.medium'); // room for a second 512 MiB task
    h = await startHarness({ lab });
  });
  afterEach(async () => {
    await h.stop();
  });

  const desired = () => h.lab.world.service('EcsLabCluster', 'EcsLabApi').desiredCount;

  it.each([
    [
      'throttled after retries',
      () => new WorldError('ThrottlingException', 'Rate exceeded'),
      'AWS is throttling ecs:UpdateService right now, even after retries. Try again in a minute.',
    ],
    [
      'timed out',
      () => new WorldError('TimeoutError', 'Connection timed out after 3000 ms', 'server'),
      'ecs:UpdateService timed out talking to AWS.',
    ],
  ])('%s: recorded as failed with a clear reason, then a new request succeeds', async (_name, fault, reason) => {
    const first = await h.requestVia('scale service EcsLabCluster/EcsLabApi 2 --reason "more capacity"');
    h.lab.world.failNext('UpdateService', fault);
    await h.click(ACTIONS.changeApprove, decision(first), BOB, { expectReply: false });
    const failed = await h.settled(first, 'failed');

    expect(failed.error).toContain(reason);
    expect(desired()).toBe(1);
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(1);
    const audit = await h.t.store.audit.forRequest(first);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'failed']);
    expect(audit[1]).toMatchObject({ approver: BOB });
    expect(audit[1].error).toContain(reason);
    const card = cardText(await h.card(first));
    expect(card).toContain('but the change failed');
    expect(card).toContain(reason.split('.')[0]);
    expect(await h.t.store.rollouts.forRequest(first)).toBeUndefined();

    // A second click on the failed request changes nothing and says why.
    const late = await h.click(ACTIONS.changeApprove, decision(first), BOB);
    expect(late.text).toContain('failed');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(1);

    // The same change, asked for again, goes through.
    const second = await h.requestVia('scale service EcsLabCluster/EcsLabApi 2 --reason "retry after the AWS failure"');
    expect(second).not.toBe(first);
    await h.click(ACTIONS.changeApprove, decision(second), BOB, { expectReply: false });
    await h.settled(second, 'succeeded');
    expect(desired()).toBe(2);
    expect(h.lab.world.callsTo('UpdateService').map((c) => c.input)).toEqual([
      { cluster: 'EcsLabCluster', service: 'EcsLabApi', desiredCount: 2 },
      { cluster: 'EcsLabCluster', service: 'EcsLabApi', desiredCount: 2 },
    ]);
    expect((await h.request(first)).status).toBe('failed');
    expect((await h.t.store.audit.forRequest(second)).map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
  });
});
