import { describeEachStore } from '../helpers/stores';
import { ingestNotification } from '../../src/alarms/ingest';
import { parseNotification } from '../../src/notifications/parse';
import type { Incident } from '../../src/store/incidents';
import { pendingTaskAlarm } from '../notifications/fixtures';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:t';

function incident(o: Partial<Incident> = {}): Incident {
  const n = parseNotification(
    {
      Message: JSON.stringify(pendingTaskAlarm({ at: T0 })),
      MessageId: 'm',
      TopicArn: TOPIC,
      Timestamp: '2024-05-01T10:00:00Z',
    },
    T0,
  );
  return {
    id: 'inc-1',
    alarmKey: n.key,
    seq: 1,
    kind: 'alarm',
    name: n.name,
    state: 'ALARM',
    stateAt: T0,
    firedAt: T0,
    alarmSince: T0,
    alarmMs: 0,
    flaps: 0,
    updates: 1,
    cluster: 'lab',
    service: 'api',
    channel: 'C1',
    version: 1,
    renderedVersion: 0,
    notification: n,
    createdAt: T0,
    updatedAt: T0,
    ...o,
  };
}

describeEachStore('alarms store', (get) => {
  it('remembers SNS MessageIds once and prunes old ones', async () => {
    const s = get();
    const m1 = { MessageId: 'm1', Timestamp: '2026-11-28T10:00:00.000Z', TopicArn: TOPIC, Type: 'Notification' };
    const m2 = { ...m1, MessageId: 'm2', Timestamp: '2026-11-28T13:00:00.000Z' };
    expect(await s.snsMessages.remember(m1, T0)).toBe(true);
    expect(await s.snsMessages.remember(m1, T0 + 1)).toBe(false);
    expect(await s.snsMessages.seen(m1)).toBe(true);
    await s.snsMessages.remember(m2, T0 + 3 * 3600_000);
    expect(await s.snsMessages.prune(T0 + 2 * 3600_000)).toBe(1);
    expect(await s.snsMessages.seen(m1)).toBe(false);
    expect(await s.snsMessages.seen(m2)).toBe(true);
  });

  it('keys a delivery by its publish Timestamp and MessageId: a retry repeats both', async () => {
    const s = get();
    const m = { MessageId: 'same-id', Timestamp: '2026-11-28T10:00:00.000Z', TopicArn: TOPIC, Type: 'Notification' };
    expect(await s.snsMessages.remember(m, T0)).toBe(true);
    expect(await s.snsMessages.remember({ ...m }, T0 + 60_000)).toBe(false);
    // Not a retry (SNS signs the Timestamp, so a retry cannot change it): stored as its own delivery.
    expect(await s.snsMessages.remember({ ...m, Timestamp: '2026-11-28T10:00:00.001Z' }, T0)).toBe(true);
    expect(await s.snsMessages.seen({ MessageId: 'same-id', Timestamp: '2026-11-28T09:59:59.999Z' })).toBe(false);
  });

  it('stores an incident with its notification and finds the newest of a key', async () => {
    const s = get();
    expect(await s.incidents.insert(incident())).toBe(true);
    // Same (alarm key, seq) from a racing writer: refused, not thrown.
    expect(await s.incidents.insert(incident({ id: 'inc-dup' }))).toBe(false);
    expect(await s.incidents.insert(incident({ id: 'inc-2', seq: 2, state: 'OK' }))).toBe(true);
    const latest = await s.incidents.latestForKey(incident().alarmKey);
    expect(latest).toMatchObject({ id: 'inc-2', seq: 2, state: 'OK' });
    const got = await s.incidents.get('inc-1');
    expect(got).toMatchObject({ state: 'ALARM', firedAt: T0, cluster: 'lab', renderedVersion: 0 });
    expect(got?.notification.kind).toBe('alarm');
    expect(got?.notification.summary).toContain('PendingTaskCount was 2');
    await s.incidents.save({ ...(got as Incident), state: 'OK', resolvedAt: T0 + 60_000, alarmMs: 60_000, version: 2 });
    expect(await s.incidents.get('inc-1')).toMatchObject({
      state: 'OK',
      resolvedAt: T0 + 60_000,
      alarmMs: 60_000,
      version: 2,
    });
  });

  it('acknowledges, silences and undoes both, bumping the version each time', async () => {
    const s = get();
    await s.incidents.insert(incident());
    expect(await s.incidents.acknowledge('inc-1', 'U1', T0 + 1)).toMatchObject({
      ackBy: 'U1',
      ackAt: T0 + 1,
      version: 2,
    });
    expect(await s.incidents.silence('inc-1', 'U2', T0 + 3600_000, T0 + 2)).toMatchObject({
      silencedBy: 'U2',
      silencedUntil: T0 + 3600_000,
      version: 3,
    });
    expect(await s.incidents.unacknowledge('inc-1', T0 + 3)).toMatchObject({ ackBy: undefined, version: 4 });
    expect(await s.incidents.unsilence('inc-1', T0 + 4)).toMatchObject({ silencedUntil: undefined, version: 5 });
    expect(await s.incidents.acknowledge('nope', 'U1', T0)).toBeUndefined();
  });

  it('keeps a timeline and marks lines posted', async () => {
    const s = get();
    await s.incidents.insert(incident());
    for (let i = 0; i < 3; i++)
      await s.incidents.addEvent(
        { incidentId: 'inc-1', at: T0 + i, kind: 'state', state: 'OK', text: `line ${i}` },
        T0,
      );
    const pending = await s.incidents.events('inc-1', { pendingOnly: true, limit: 2 });
    expect(pending.map((e) => e.text)).toEqual(['line 0', 'line 1']);
    await s.incidents.markPosted('inc-1', pending[1].id);
    expect((await s.incidents.events('inc-1', { pendingOnly: true })).map((e) => e.text)).toEqual(['line 2']);
  });

  it('counts cards per channel for storm control and groups digests', async () => {
    const s = get();
    await s.incidents.insert(incident());
    await s.incidents.insert(incident({ id: 'inc-b', alarmKey: 'k2' }));
    await s.incidents.setCard('inc-1', { channel: 'C1', ts: '1.1', kind: 'card', postedAt: T0, version: 1 });
    expect(await s.incidents.cardsPostedSince('C1', T0 - 1)).toBe(1);
    expect(await s.incidents.cardsPostedSince('C1', T0 + 1)).toBe(0);
    await s.incidents.createDigest({ id: 'd1', channel: 'C1', createdAt: T0 });
    await s.incidents.setDigest('inc-b', 'd1', 'C1', T0, 1);
    expect((await s.incidents.currentDigest('C1', T0 - 60_000))?.id).toBe('d1');
    expect(await s.incidents.currentDigest('C1', T0 + 1)).toBeUndefined();
    expect((await s.incidents.byDigest('d1')).map((i) => i.id)).toEqual(['inc-b']);
    await s.incidents.setDigestTs('d1', '2.2');
    expect((await s.incidents.getDigest('d1'))?.ts).toBe('2.2');
    // Digested incidents do not count as cards.
    expect(await s.incidents.cardsPostedSince('C1', T0 - 1)).toBe(1);
  });

  it('remembers the first unheard card attempt until the card is recorded or cleared', async () => {
    const s = get();
    await s.incidents.insert(incident());
    expect((await s.incidents.get('inc-1'))?.cardAttemptAt).toBeUndefined();
    await s.incidents.markCardAttempt('inc-1', T0 + 1000);
    await s.incidents.markCardAttempt('inc-1', T0 + 9000);
    // The first attempt bounds the look-up, so a later one never moves it.
    expect((await s.incidents.get('inc-1'))?.cardAttemptAt).toBe(T0 + 1000);
    // A notification changing the incident leaves it alone.
    await s.incidents.save({ ...incident(), version: 2, updates: 2 });
    expect((await s.incidents.get('inc-1'))?.cardAttemptAt).toBe(T0 + 1000);
    await s.incidents.setCard('inc-1', { channel: 'C1', ts: '1.1', kind: 'card', postedAt: T0, version: 0 });
    expect(await s.incidents.get('inc-1')).toMatchObject({
      cardTs: '1.1',
      cardAttemptAt: undefined,
      renderedVersion: 0,
    });
    await s.incidents.markCardAttempt('inc-1', T0 + 20_000);
    await s.incidents.clearCard('inc-1');
    expect(await s.incidents.get('inc-1')).toMatchObject({ cardTs: undefined, cardAttemptAt: undefined });
  });

  it("remembers a digest's or thread reply's first unheard attempt until recorded, and forgets abandoned ones", async () => {
    const s = get();
    await s.incidents.createDigest({ id: 'd1', channel: 'C1', createdAt: T0 });
    await s.incidents.createDigest({ id: 'd2', channel: 'C1', createdAt: T0 });
    expect(await s.incidents.postAttemptAt('digest', 'd1')).toBeUndefined();
    await s.incidents.markPostAttempt('digest', 'd1', T0 + 1000);
    await s.incidents.markPostAttempt('digest', 'd1', T0 + 5000);
    await s.incidents.markPostAttempt('digest', 'd2', T0 + 2000);
    expect(await s.incidents.postAttemptAt('digest', 'd1')).toBe(T0 + 1000);
    await s.incidents.setDigestTs('d1', '3.3');
    expect(await s.incidents.postAttemptAt('digest', 'd1')).toBeUndefined();
    // A thread reply's attempt is its own, even under the same ID.
    await s.incidents.markPostAttempt('thread', 'd1', T0 + 4000);
    expect(await s.incidents.postAttemptAt('thread', 'd1')).toBe(T0 + 4000);
    await s.incidents.clearPostAttempt('thread', 'd1');
    expect(await s.incidents.postAttemptAt('thread', 'd1')).toBeUndefined();
    expect(await s.incidents.prunePostAttempts(T0 + 1500)).toBe(0);
    expect(await s.incidents.prunePostAttempts(T0 + 2500)).toBe(1);
    expect(await s.incidents.postAttemptAt('digest', 'd2')).toBeUndefined();
  });

  it('ingests in one transaction: dedup, incident, timeline, coalesced card intent', async () => {
    const s = get();
    const c = { now: T0 + 1000, newId: () => 'inc-x', channelFor: () => 'C1' };
    const alarm = (state: string, at: number, id: string) =>
      ingestNotification(
        s,
        { MessageId: id, Timestamp: new Date(at).toISOString(), TopicArn: TOPIC, Type: 'Notification' },
        parseNotification(
          {
            Message: JSON.stringify(pendingTaskAlarm({ state, at })),
            MessageId: id,
            TopicArn: TOPIC,
            Timestamp: new Date(at).toISOString(),
          },
          at,
        ),
        c,
      );
    expect(await alarm('ALARM', T0, 'a')).toMatchObject({ outcome: 'opened', incidentId: 'inc-x', enqueued: true });
    expect(await alarm('ALARM', T0, 'a')).toMatchObject({ outcome: 'duplicate' });
    expect(await alarm('OK', T0 + 60_000, 'b')).toMatchObject({ outcome: 'updated' });
    expect(await alarm('ALARM', T0 + 120_000, 'c')).toMatchObject({ outcome: 'updated' });
    const items = await s.outbox.list();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'card', dedupKey: 'card:inc-x', incidentId: 'inc-x', version: 3 });
    expect((await s.incidents.events('inc-x')).map((e) => e.state)).toEqual(['OK', 'ALARM']);
  });

  it('opens one incident when replicas race on the first notifications of an alarm', async () => {
    const s = get();
    let n = 0;
    const c = { now: T0 + 1000, newId: () => `inc-${++n}`, channelFor: () => 'C1' };
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const at = T0 + i * 1000;
        const id = `race-${i}`;
        const note = parseNotification(
          {
            Message: JSON.stringify(pendingTaskAlarm({ state: i % 2 ? 'OK' : 'ALARM', at })),
            MessageId: id,
            TopicArn: TOPIC,
            Timestamp: new Date(at).toISOString(),
          },
          at,
        );
        return ingestNotification(
          s,
          { MessageId: id, Timestamp: new Date(at).toISOString(), TopicArn: TOPIC, Type: 'Notification' },
          note,
          c,
        );
      }),
    );
    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
    const rows = await s.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM incidents`);
    expect(Number(rows[0].n)).toBe(1);
    // Whatever the arrival order, the newest state (OK at T0+5s) wins.
    expect((await s.incidents.get(results[0].incidentId as string))?.state).toBe('OK');
  });

  it('never loses an update that lands while an item is being delivered', async () => {
    const s = get();
    await s.outbox.enqueue({ kind: 'card', dedupKey: 'card:i', incidentId: 'i', availableAt: T0 });
    const [claimed] = await s.outbox.claim('w1', T0, 60_000, 10);
    await s.outbox.enqueue({ kind: 'card', dedupKey: 'card:i', incidentId: 'i', availableAt: T0 });
    // The delivery read older state: the item stays, released, to run again.
    expect(await s.outbox.complete(claimed, 'w1')).toBe(false);
    const [again] = await s.outbox.claim('w1', T0, 60_000, 10);
    expect(again.version).toBe(2);
    expect(await s.outbox.complete(again, 'w1')).toBe(true);
    expect(await s.outbox.list()).toEqual([]);
  });

  it("keeps a pending intent's payload when the same intent is enqueued again without one", async () => {
    const s = get();
    await s.outbox.enqueue({
      kind: 'card',
      dedupKey: 'card:i',
      incidentId: 'i',
      payload: { force: true },
      availableAt: T0,
    });
    await s.outbox.enqueue({ kind: 'card', dedupKey: 'card:i', incidentId: 'i', availableAt: T0 });
    expect((await s.outbox.list())[0]).toMatchObject({ version: 2, payload: { force: true } });
  });

  it('claims with a lease: another worker waits, a lapsed lease is taken over, retries back off', async () => {
    const s = get();
    await s.outbox.enqueue({ kind: 'note', channel: 'C1', payload: { note: 'subscribed' }, availableAt: T0 });
    const a = await s.outbox.claim('w1', T0, 60_000, 10);
    expect(a).toHaveLength(1);
    expect(await s.outbox.claim('w2', T0 + 1000, 60_000, 10)).toHaveLength(0);
    const b = await s.outbox.claim('w2', T0 + 61_000, 60_000, 10);
    expect(b).toHaveLength(1);
    expect(b[0].claimedBy).toBe('w2');
    // The crashed first worker can no longer finish it.
    expect(await s.outbox.complete(a[0], 'w1')).toBe(false);
    await s.outbox.retry(b[0], 'w2', T0 + 70_000, 'http_500');
    expect(await s.outbox.claim('w2', T0 + 65_000, 60_000, 10)).toHaveLength(0);
    const c = await s.outbox.claim('w2', T0 + 70_000, 60_000, 10);
    expect(c[0]).toMatchObject({ attempts: 1, lastError: 'http_500', payload: { note: 'subscribed' } });
    await s.outbox.defer(c[0], 'w2', T0 + 80_000);
    expect((await s.outbox.list())[0]).toMatchObject({ attempts: 1, availableAt: T0 + 80_000, claimedBy: undefined });
    expect(await s.outbox.stats()).toEqual({ depth: 1, oldestCreatedAt: T0 });
  });

  it('never hands one item to two workers claiming at once', async () => {
    const s = get();
    for (let i = 0; i < 30; i++)
      await s.outbox.enqueue({ kind: 'note', channel: 'C1', payload: { i }, availableAt: T0 });
    const claims = await Promise.all(Array.from({ length: 6 }, (_, w) => s.outbox.claim(`w${w}`, T0, 60_000, 7)));
    const ids = claims.flat().map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(30);
  });
});
