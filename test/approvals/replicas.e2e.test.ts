import { labWorld } from '../helpers/aws-world';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { buttonClick, sendInteraction } from '../helpers/slack-sign';
import { openTestStore, type TestStore } from '../helpers/stores';
import { ACTIONS, BOB, CAROL, CHANNEL, decision, eventually, startHarness, type Harness } from './harness';

// Two bot replicas on one PostgreSQL database, one Slack and one AWS: the approval still runs once,
// and one follower follows the rollout.
describe('two replicas on PostgreSQL', () => {
  let slack: FakeSlack;
  let pg: TestStore;
  let a: Harness;
  let b: Harness;
  beforeEach(async () => {
    slack = await startFakeSlack();
    pg = await openTestStore('postgres');
    const lab = labWorld();
    a = await startHarness({ lab, slack, env: { DATABASE_URL: pg.url } });
    b = await startHarness({ lab, slack, env: { DATABASE_URL: pg.url }, clock: a.clock });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    await pg.cleanup();
    await slack.stop();
  });

  it('runs a change once when 20 approve clicks are spread over both replicas', async () => {
    const id = await a.requestVia('scale instances EcsLabCluster 3');
    const card = await a.card(id);
    const rids = Array.from({ length: 20 }, (_, i) => `rep${i}`);
    await Promise.all(
      rids.map(async (rid, i) => {
        const target = i % 2 ? a : b;
        const res = await sendInteraction(
          target.t.url,
          buttonClick({
            actionId: ACTIONS.changeApprove,
            value: decision(id),
            userId: i % 3 ? BOB : CAROL,
            channelId: CHANNEL,
            messageTs: card.ts,
            responseUrl: slack.responseUrl(rid),
          }),
        );
        expect(res.status).toBe(200);
      }),
    );
    await a.settled(id, 'succeeded');
    const replies = await eventually(() => {
      const r = rids.flatMap((rid) => slack.responsesTo(rid));
      return r.length >= 19 && r;
    }, '19 refusals');
    expect(replies).toHaveLength(19);
    expect(a.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(1);
    expect((await pg.store.audit.forRequest(id)).filter((x) => x.outcome === 'succeeded')).toHaveLength(1);

    // Both followers poll at the same moment: the lease gives the rollout to one of them.
    const [na, nb] = await Promise.all([a.follower.runOnce(), b.follower.runOnce()]);
    expect(na + nb).toBe(1);
    const progress = slack.repliesTo(CHANNEL, card.ts).filter((m) => (m.text ?? '').includes('instances in service'));
    expect(progress).toHaveLength(1);
  });

  it('marks a request left executing by a dead replica failed only once it is stale', async () => {
    const id = await a.requestVia('scale instances EcsLabCluster 2');
    // Replica A wins the transition and dies before calling AWS; replica B keeps running.
    expect(await a.t.store.changeRequests.claimForExecution(id, BOB, a.clock.now())).toBeDefined();
    expect(await b.expiry.runOnce()).toBe(0); // it might still be executing on A
    expect((await b.request(id)).status).toBe('executing');
    a.clock.advance(5 * 60_000);
    expect(await b.expiry.runOnce()).toBe(1);
    expect((await b.request(id)).error).toContain('interrupted');
    expect(a.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
  });
});
