import { postSns } from '../helpers/sns-signer';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { cardsIn, headerOf, startAlarmReplicas, type AlarmReplicas } from './helpers';

describe('an alarm storm reaching two replicas on one PostgreSQL database', () => {
  let r: AlarmReplicas;
  afterEach(async () => {
    await r.stop();
  });

  it('lists every alarm beyond the threshold in one shared digest, whichever replica delivers it', async () => {
    r = await startAlarmReplicas({ STORM_THRESHOLD: '3' });
    const at = r.clock.now();
    const N = 30;
    const name = (i: number) => `storm-${String(i).padStart(2, '0')}`;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        postSns(
          i % 2 ? r.a.url : r.b.url,
          r.a.signer.body({ message: pendingTaskAlarm({ at, name: name(i), service: `svc-${i}` }), timestamp: at }),
        ),
      ),
    );
    await r.drain();
    const top = cardsIn(r.slack);
    const digests = top.filter((m) => headerOf(m).includes('Alarm storm'));
    expect(digests).toHaveLength(1);
    const cards = top.filter((m) => !headerOf(m).includes('Alarm storm'));
    // The threshold is counted in the shared database; two replicas may each post one card at its edge.
    expect(cards.length).toBeGreaterThanOrEqual(3);
    expect(cards.length).toBeLessThanOrEqual(4);
    expect(headerOf(digests[0])).toContain(`${N - cards.length} new alarms`);
    const digestText = JSON.stringify(digests[0].blocks);
    const onCards = new Set(cards.map((c) => headerOf(c).split(' · ')[1]));
    for (let i = 0; i < N; i++) expect(onCards.has(name(i)) !== digestText.includes(name(i))).toBe(true);
    expect(await r.pg.store.db.query(`SELECT id FROM alarm_digests`)).toHaveLength(1);
  });
});
