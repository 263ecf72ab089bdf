import { watchId, type NewDiagnosisWatch } from '../../src/store/diagnosis-watches';
import { describeEachStore } from '../helpers/stores';

const w = (o: Partial<NewDiagnosisWatch> = {}): NewDiagnosisWatch => ({
  cluster: 'EcsLabCluster',
  service: 'EcsLabApi',
  channel: 'C0ALARMS',
  threadTs: '1700000001.000001',
  desired: 4,
  startedAt: 1_000,
  deadlineAt: 1_000 + 7_200_000,
  nextPollAt: 31_000,
  ...o,
});

describeEachStore('diagnosis watches', (store) => {
  it('starts a watch keyed by thread and service, and a later diagnosis restarts it', async () => {
    const id = await store().diagnosisWatches.watch(w());
    expect(id).toBe(watchId(w()));
    expect(await store().diagnosisWatches.get(id)).toMatchObject({
      status: 'watching',
      desired: 4,
      polls: 0,
      startedAt: 1_000,
    });
    const [claimed] = await store().diagnosisWatches.claimDue('a', 31_000, 60_000);
    expect(await store().diagnosisWatches.finish(claimed.id, 'a', 'expired', 40_000, '1 of 4 running, 3 pending')).toBe(
      true,
    );
    await store().diagnosisWatches.watch(w({ startedAt: 50_000, desired: 5, nextPollAt: 80_000 }));
    expect(await store().diagnosisWatches.get(id)).toMatchObject({
      status: 'watching',
      desired: 5,
      startedAt: 50_000,
      polls: 0,
      lastSeen: undefined,
      finishedAt: undefined,
    });
  });

  it('leases each due watch to one poller at a time, and not before it is due', async () => {
    const id = await store().diagnosisWatches.watch(w());
    expect(await store().diagnosisWatches.claimDue('a', 30_999, 60_000)).toEqual([]);
    const first = await store().diagnosisWatches.claimDue('a', 31_000, 60_000);
    expect(first.map((x) => x.id)).toEqual([id]);
    expect(await store().diagnosisWatches.claimDue('b', 31_000, 60_000)).toEqual([]);
    // b may take it once a's lease has lapsed, and then a's lease is gone.
    const taken = await store().diagnosisWatches.claimDue('b', 91_000, 60_000);
    expect(taken.map((x) => x.leaseOwner)).toEqual(['b']);
    expect(await store().diagnosisWatches.reschedule(id, 'a', 121_000, 'x')).toBe(false);
    expect(await store().diagnosisWatches.reschedule(id, 'b', 121_000, '1 of 4 running, 3 pending')).toBe(true);
    expect(await store().diagnosisWatches.get(id)).toMatchObject({
      nextPollAt: 121_000,
      lastSeen: '1 of 4 running, 3 pending',
      polls: 1,
      leaseOwner: undefined,
    });
  });

  it('finishes once: the second finisher learns it lost', async () => {
    const id = await store().diagnosisWatches.watch(w());
    await store().diagnosisWatches.claimDue('a', 31_000, 60_000);
    expect(await store().diagnosisWatches.finish(id, 'a', 'recovered', 40_000, '4 of 4 running, 0 pending')).toBe(true);
    expect(await store().diagnosisWatches.finish(id, 'a', 'recovered', 41_000)).toBe(false);
    expect(await store().diagnosisWatches.get(id)).toMatchObject({
      status: 'recovered',
      finishedAt: 40_000,
      lastSeen: '4 of 4 running, 0 pending',
      polls: 1,
    });
    expect(await store().diagnosisWatches.claimDue('a', 10_000_000, 60_000)).toEqual([]);
  });
});
