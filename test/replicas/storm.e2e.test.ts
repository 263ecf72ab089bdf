import { postSns } from '../helpers/sns-signer';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { cardsIn, headerOf, startAlarmReplicas, type AlarmReplicas } from './helpers';

describe('an alarm storm reaching two replicas', () => {
  let r: AlarmReplicas;
  afterEach(async () => {
    await r.stop();
  });

  it('lists the alarms beyond the threshold in one digest, whichever replica delivers them', async () => {
    r = await startAlarmReplicas({ STORM_THRESHOLD: '3' });
    const at = r.clock.now();
    const N = 40;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        postSns(i % 2 ? r.a.url : r.b.url, r.a.signer.body({ message: pendingTaskAlarm({ at, name: `storm-${i}`, service: `svc-${i}` }), timestamp: at })),
      ),
    );
    await r.drain();
    const top = cardsIn(r.slack);
    const digests = top.filter((m) => headerOf(m).includes('Alarm storm'));
    console.log(top.map(headerOf));
    expect(digests).toHaveLength(1);
  });
});
