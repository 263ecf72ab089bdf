import { ROLLOUT_LEASE_MS } from '../../src/approvals/rollout-follower';
import { labWorld } from '../helpers/aws-world';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { openTestStore, type TestStore } from '../helpers/stores';
import { ACTIONS, BOB, CHANNEL, decision, eventually, startHarness, type Harness } from '../approvals/harness';

// test/approvals/replicas.e2e.test.ts shows one execution for clicks on both replicas and one poll
// when both followers race. Here a replica dies while following: the survivor finishes the follow-up.
describe('a rollout follow-up resumes on the surviving replica', () => {
  let slack: FakeSlack;
  let pg: TestStore;
  let a: Harness;
  let b: Harness;
  let lab: ReturnType<typeof labWorld>;
  beforeEach(async () => {
    slack = await startFakeSlack();
    pg = await openTestStore('postgres');
    lab = labWorld();
    a = await startHarness({ lab, slack, env: { DATABASE_URL: pg.url } });
    b = await startHarness({ lab, slack, env: { DATABASE_URL: pg.url }, clock: a.clock });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    await pg.cleanup();
    await slack.stop();
  });

  const ownerOf = (h: Harness) => h.t.bot.inject.approvals?.instanceId ?? 'unset';

  /** Scale instances 1 → 2 approved on replica A, which posts the first progress line. */
  async function approvedOnA(): Promise<{ id: string; thread: () => string[] }> {
    const id = await a.requestVia('scale instances EcsLabCluster 2');
    const card = await a.card(id);
    await a.click(ACTIONS.changeApprove, decision(id), BOB, { messageTs: card.ts, expectReply: false });
    await a.settled(id, 'succeeded');
    const thread = () => slack.repliesTo(CHANNEL, card.ts).map((m) => m.text ?? '');
    await eventually(() => thread().some((t) => t.includes('Following the rollout')), 'the start line');
    expect(await a.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toContain('1/2 instances in service');
    return { id, thread };
  }

  it('waits out the lease of a replica that died mid-poll, then finishes in the thread once', async () => {
    const { id, thread } = await approvedOnA();
    // The next poll is due; A leases the rollout for it and dies before writing anything back.
    a.clock.advance(15_000);
    const leasedAt = a.clock.now();
    expect((await a.t.store.rollouts.claimDue(ownerOf(a), leasedAt, ROLLOUT_LEASE_MS)).map((r) => r.id)).toEqual([id]);
    await a.stop();

    // Meanwhile AWS does its part: the second instance launches, registers, and takes the pending work.
    lab.world.tick();
    lab.world.tick();
    lab.world.settle();

    expect(await b.follower.runOnce()).toBe(0);
    b.clock.advance(ROLLOUT_LEASE_MS - 1);
    expect(await b.follower.runOnce()).toBe(0); // A's lease still holds
    expect(thread().filter((t) => t.includes('Reached'))).toHaveLength(0);

    b.clock.advance(1);
    expect(await b.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toMatch(/Reached: .*2\/2 instances in service · 2 registered in the cluster/);
    expect(thread().filter((t) => t.includes('Reached'))).toHaveLength(1);
    expect(thread().filter((t) => t.includes('1/2 instances in service'))).toHaveLength(1);
    expect(await pg.store.rollouts.forRequest(id)).toMatchObject({ status: 'reached', leaseOwner: undefined });
    b.clock.advance(10 * 60_000);
    expect(await b.follower.runOnce()).toBe(0);
    expect(lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(1);
  });

  it('continues at the next poll, with no wait, when the replica stopped between polls', async () => {
    const { id, thread } = await approvedOnA();
    await a.stop(); // a graceful stop holds no lease
    lab.world.tick();
    lab.world.tick();
    lab.world.settle();
    expect(await b.follower.runOnce()).toBe(0); // not due yet
    b.clock.advance(15_000);
    expect(await b.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toMatch(/Reached: .*2\/2 instances in service/);
    expect((await pg.store.rollouts.forRequest(id))?.status).toBe('reached');
  });
});
