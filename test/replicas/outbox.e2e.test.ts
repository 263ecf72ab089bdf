import { postSns } from '../helpers/sns-signer';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { cardsIn, headerOf, startAlarmReplicas, threadLines, topLevelPosts, type AlarmReplicas } from './helpers';

const MIN = 60_000;
/** The outbox worker's lease (OutboxWorker's default): how long a claim keeps other replicas off an item. */
const OUTBOX_LEASE_MS = 120_000;

const cardPostedBy = (t: AlarmReplicas['a']) => t.logs.records().filter((x) => x.msg === 'alarm card posted').length;

// Every Slack post goes through the shared outbox: each item is claimed by exactly one replica's
// worker (FOR UPDATE SKIP LOCKED, with a lease), and a dead replica's claim lapses.
describe('the outbox shared by two replicas on one PostgreSQL database', () => {
  let r: AlarmReplicas;
  afterEach(async () => {
    await r.stop();
  });

  it('posts every card of a burst exactly once, each in its latest state, with both workers running', async () => {
    // Storm control off: this is about delivery, not digests.
    r = await startAlarmReplicas({ STORM_THRESHOLD: '1000' });
    const N = 24;
    const at = r.clock.now() - 30 * MIN;
    const name = (i: number) => `burst-${String(i).padStart(2, '0')}`;
    // Alarm i changes state 1, 2 or 3 times: ALARM, then OK, then ALARM again.
    const changes = (i: number) => (i % 3) + 1;
    const states = ['ALARM', 'OK', 'ALARM'];
    for (let round = 0; round < 3; round++) {
      const posts = Array.from({ length: N }, (_, i) => i)
        .filter((i) => round < changes(i))
        .map((i) => {
          const message = pendingTaskAlarm({
            state: states[round],
            at: at + round * MIN,
            name: name(i),
            service: `svc-${i}`,
          });
          return postSns((i + round) % 2 ? r.a.url : r.b.url, r.a.signer.body({ message, timestamp: r.clock.now() }));
        });
      // Notifications land while both replicas' workers claim and deliver.
      const [answers] = await Promise.all([
        Promise.all(posts),
        r.a.worker.runOnce(),
        r.b.worker.runOnce(),
        r.a.worker.runOnce(),
        r.b.worker.runOnce(),
      ]);
      expect(answers.map((x) => x.status).every((s) => s === 200)).toBe(true);
      r.clock.advance(1000);
    }
    await r.drain();

    const cards = cardsIn(r.slack);
    expect(topLevelPosts(r.slack)).toHaveLength(N);
    expect(cards.map((c) => headerOf(c).split(' · ')[1]).sort()).toEqual(Array.from({ length: N }, (_, i) => name(i)));
    for (let i = 0; i < N; i++) {
      const card = cards.find((c) => headerOf(c).endsWith(`· ${name(i)}`))!;
      expect(headerOf(card)).toContain(changes(i) === 2 ? 'OK' : 'ALARM');
      // Every change after the first ALARM is told once in the thread.
      expect(threadLines(r.slack, card.ts)).toHaveLength(changes(i) - 1);
    }
    // Nothing is left and every card shows its incident's latest version.
    expect(await r.pg.store.outbox.list()).toEqual([]);
    const stale = await r.pg.store.db.query(`SELECT id FROM incidents WHERE rendered_version <> version`);
    expect(stale).toEqual([]);
    // Both replicas did part of the work.
    expect(cardPostedBy(r.a)).toBeGreaterThan(0);
    expect(cardPostedBy(r.b)).toBeGreaterThan(0);
    expect(cardPostedBy(r.a) + cardPostedBy(r.b)).toBe(N);
  });

  it("leaves a dead replica's claimed items alone until its lease lapses, then the survivor delivers each once", async () => {
    r = await startAlarmReplicas();
    const at = r.clock.now() - MIN;
    for (let i = 0; i < 3; i++)
      expect((await r.a.notify(pendingTaskAlarm({ at, name: `crash-${i}`, service: `svc-${i}` }))).status).toBe(200);
    // Replica A claims the work with its own worker id and dies before delivering any of it.
    const claimedAt = r.clock.now();
    const claimed = await r.a.store.outbox.claim(r.a.worker.id, claimedAt, OUTBOX_LEASE_MS, 10);
    expect(claimed).toHaveLength(3);
    await r.a.stop();

    expect(await r.b.worker.runOnce()).toBe(0);
    r.clock.set(claimedAt + OUTBOX_LEASE_MS); // the lease's last instant
    expect(await r.b.worker.runOnce()).toBe(0);
    expect(topLevelPosts(r.slack)).toHaveLength(0);

    r.clock.set(claimedAt + OUTBOX_LEASE_MS + 1);
    await r.drain([r.b]);
    expect(topLevelPosts(r.slack)).toHaveLength(3);
    expect(cardsIn(r.slack).map(headerOf).sort()).toEqual([0, 1, 2].map((i) => `:red_circle: ALARM · crash-${i}`));
    expect(cardPostedBy(r.b)).toBe(3);
    // Had the dead replica come back late, its claim would be worthless: B's delivery removed the items.
    expect(await r.pg.store.outbox.complete(claimed[0], r.a.worker.id)).toBe(false);
    expect(await r.pg.store.outbox.list()).toEqual([]);
  });
});
