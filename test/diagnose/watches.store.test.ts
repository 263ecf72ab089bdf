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

  it('keeps the account and region of a watch elsewhere, apart from the same names in the default scope', async () => {
    const home = await store().diagnosisWatches.watch(w());
    const prod = await store().diagnosisWatches.watch(w({ account: 'prod', region: 'eu-west-1' }));
    expect(prod).toBe(`C0ALARMS:1700000001.000001:EcsLabCluster/EcsLabApi@prod/eu-west-1`);
    expect(home).not.toBe(prod);
    expect(await store().diagnosisWatches.get(prod)).toMatchObject({ account: 'prod', region: 'eu-west-1' });
    const h = await store().diagnosisWatches.get(home);
    expect(h).toBeDefined();
    expect(h!.account).toBeUndefined();
    expect(h!.region).toBeUndefined();
    const claimed = await store().diagnosisWatches.claimDue('a', 31_000, 60_000);
    expect(claimed.map((x) => [x.id, x.account, x.region]).sort()).toEqual(
      [
        [home, undefined, undefined],
        [prod, 'prod', 'eu-west-1'],
      ].sort(),
    );
  });

  it('reads a row written before watches had an account as the default account and region', async () => {
    // What a bot from before version 15 wrote: no account, no region.
    await store().db.run(
      `INSERT INTO diagnosis_watches (id, cluster, service, channel, thread_ts, status, desired, started_at, deadline_at, next_poll_at, polls)
       VALUES ('C0:1.1:web/api', 'web', 'api', 'C0', '1.1', 'watching', 2, 0, 7200000, 0, 0)`,
    );
    const [old] = await store().diagnosisWatches.claimDue('a', 1_000, 60_000);
    expect(old).toMatchObject({ id: 'C0:1.1:web/api', cluster: 'web', service: 'api', status: 'watching' });
    expect('account' in old).toBe(false);
    expect('region' in old).toBe(false);
  });
});
