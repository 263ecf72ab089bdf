import fs from 'node:fs';
import path from 'node:path';
import { Store, openStore } from '../../src/store';
import { StoreUnavailableError, type Db } from '../../src/store/db';
import { MIGRATIONS, migrate } from '../../src/store/migrations';
import { STORE_KINDS, describeEachStore, openTestStore, type TestStore } from '../helpers/stores';

/**
 * The driver's constraint error, whatever the store. (Not `rejects.toThrow()`: better-sqlite3 builds its
 * errors with the SqliteError class of the first jest test file that loaded it, so in a later file they
 * come from another realm and jest does not recognise them as errors.)
 */
async function expectUniqueViolation(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(String((err as { message?: unknown } | undefined)?.message)).toMatch(
    /UNIQUE constraint failed|duplicate key value violates unique constraint/,
  );
}

// Life-cycle promises that need a database of their own (describeEachStore's is shared by a test's body).
describe.each(STORE_KINDS)('store contract: opening and closing [%s]', (kind) => {
  const reopen = (ts: TestStore) => openStore(kind === 'sqlite' ? { kind, path: ts.url } : { kind, url: ts.url });

  it('opens an existing database without applying anything again, and keeps its data', async () => {
    const ts = await openTestStore(kind);
    try {
      await ts.store.audit.record({ at: 1, actor: 'U1', action: 'a', target: 't', outcome: 'recorded' });
      const again = await reopen(ts);
      try {
        expect(await migrate(again.db)).toEqual([]);
        const rows = await again.db.query<{ version: unknown }>(
          `SELECT version FROM schema_migrations ORDER BY version`,
        );
        expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
        expect((await again.audit.latest(5)).map((e) => e.actor)).toEqual(['U1']);
      } finally {
        await again.close();
      }
    } finally {
      await ts.cleanup();
    }
  });

  it('refuses work once closed, with StoreUnavailableError, and closes twice harmlessly', async () => {
    const ts = await openTestStore(kind);
    const second = await reopen(ts);
    try {
      await second.close();
      await expect(second.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(second.audit.latest(1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(second.db.tx(async (q) => q.query('SELECT 1'))).rejects.toBeInstanceOf(StoreUnavailableError);
      await second.close();
      // The other replica's store is unaffected.
      await ts.store.ping();
    } finally {
      await ts.cleanup();
    }
  });
});

describeEachStore('store contract: foundation', (get, kind) => {
  it('answers ping and reports its dialect', async () => {
    await get().ping();
    expect(get().dialect).toBe(kind);
  });

  it('records audit entries with JSON before/after and lists newest first', async () => {
    const s = get();
    const id1 = await s.audit.record({
      at: 1000,
      actor: 'U1',
      action: 'scale-service',
      target: 'lab/api',
      outcome: 'succeeded',
      requestId: 'r1',
      before: { desired: 1 },
      after: { desired: 4 },
    });
    const id2 = await s.audit.record({
      at: 2000,
      actor: 'U2',
      action: 'scale-instances',
      target: 'lab',
      outcome: 'failed',
      error: 'boom',
    });
    expect(id2).toBeGreaterThan(id1);
    const rows = await s.audit.latest(10);
    expect(rows.map((r) => r.actor)).toEqual(['U2', 'U1']);
    expect(rows[1]).toMatchObject({ at: 1000, before: { desired: 1 }, after: { desired: 4 }, requestId: 'r1' });
    expect(await s.audit.forRequest('r1')).toHaveLength(1);
  });

  it('rolls back a transaction that throws', async () => {
    const s = get();
    await expect(
      s.db.tx(async (q) => {
        await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['k', 'v', 1]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.db.query(`SELECT * FROM kv`)).toEqual([]);
  });

  it('keeps concurrent transactions from interleaving', async () => {
    const s = get();
    await s.db.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['n', '0', 0]);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.db.tx(async (q) => {
          // Lock the row first (PostgreSQL) so the read-modify-write is serialised as SQLite's queue does.
          const rows = await q.query<{ value: string }>(
            `SELECT value FROM kv WHERE key = $1 ${q.dialect === 'postgres' ? 'FOR UPDATE' : ''}`,
            ['n'],
          );
          await q.run(`UPDATE kv SET value = $1 WHERE key = $2`, [String(Number(rows[0].value) + 1), 'n']);
        }),
      ),
    );
    const rows = await s.db.query<{ value: string }>(`SELECT value FROM kv WHERE key = $1`, ['n']);
    expect(rows[0].value).toBe('20');
  });
});

describeEachStore('store contract: the SQL layer', (get) => {
  it('round-trips epoch milliseconds beyond 32 bits, text, NULL for undefined and booleans as 0/1', async () => {
    const s = get();
    const at = Date.UTC(2031, 0, 2, 3, 4, 5, 678);
    const text = `it's "quoted" — ünïcode 🚨 <&> $1 \\n`;
    await s.db.run(
      `INSERT INTO audit (at, actor, action, target, outcome, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [at, text, 'a', 't', 'recorded', undefined, null],
    );
    const rows = await s.db.query<Record<string, unknown>>(`SELECT at, actor, request_id, detail FROM audit`);
    expect(rows).toEqual([{ at, actor: text, request_id: null, detail: null }]);
    expect(typeof rows[0].at).toBe('number');
    await s.db.run(
      `INSERT INTO incident_events (incident_id, at, kind, text, posted, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      ['i', at, 'info', 'x', true, at],
    );
    const ev = await s.db.query<{ posted: unknown }>(`SELECT posted FROM incident_events`);
    expect(Number(ev[0].posted)).toBe(1);
  });

  it('reports the rows a statement changed, and 0 when none matched', async () => {
    const s = get();
    for (const k of ['a', 'b', 'c'])
      await s.db.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, [k, 'v', 1]);
    expect(await s.db.run(`UPDATE kv SET value = $1 WHERE updated_at = $2`, ['w', 1])).toBe(3);
    expect(await s.db.run(`DELETE FROM kv WHERE key = $1`, ['nope'])).toBe(0);
    expect(await s.db.run(`DELETE FROM kv WHERE key IN ($1, $2)`, ['a', 'b'])).toBe(2);
  });

  it('stays usable after a statement fails inside a transaction, which rolls back whole', async () => {
    const s = get();
    await s.db.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['dup', 'v', 1]);
    await expectUniqueViolation(
      s.db.tx(async (q) => {
        await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['fresh', 'v', 1]);
        await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['dup', 'v', 2]); // primary key violation
      }),
    );
    expect((await s.db.query<{ key: string }>(`SELECT key FROM kv ORDER BY key`)).map((r) => r.key)).toEqual(['dup']);
    // Every pooled connection is back in a clean state: many transactions after it all commit.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        s.db.tx((q) => q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, [`k${i}`, 'v', i])),
      ),
    );
    expect(await s.db.query(`SELECT key FROM kv`)).toHaveLength(13);
  });

  it('returns what a transaction returns, and its writes are visible after it commits', async () => {
    const s = get();
    const out = await s.db.tx(async (q) => {
      await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['t', 'inside', 1]);
      const seen = await q.query<{ value: string }>(`SELECT value FROM kv WHERE key = $1`, ['t']);
      return seen[0].value;
    });
    expect(out).toBe('inside');
    expect(await s.db.query(`SELECT value FROM kv WHERE key = $1`, ['t'])).toEqual([{ value: 'inside' }]);
  });
});

describeEachStore('store contract: audit', (get) => {
  it("records inside a caller's transaction and keeps nothing when it rolls back", async () => {
    const s = get();
    await expect(
      s.db.tx(async (q) => {
        await s.audit.record(
          { at: 1, actor: 'U1', action: 'scale-service', target: 'x', outcome: 'requested', requestId: 'r9' },
          q,
        );
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.audit.forRequest('r9')).toEqual([]);
    await s.db.tx((q) =>
      s.audit.record(
        {
          at: 2,
          actor: 'U1',
          action: 'scale-service',
          target: 'x',
          outcome: 'requested',
          requestId: 'r9',
          detail: { n: [1, 'two'] },
        },
        q,
      ),
    );
    expect(await s.audit.forRequest('r9')).toEqual([
      expect.objectContaining({
        at: 2,
        outcome: 'requested',
        detail: { n: [1, 'two'] },
        before: undefined,
        approver: undefined,
        error: undefined,
      }),
    ]);
  });

  it("lists a request's entries in the order they were written and bounds latest()", async () => {
    const s = get();
    for (const outcome of ['requested', 'succeeded'] as const)
      await s.audit.record({ at: 5, actor: 'U1', action: 'a', target: 't', outcome, requestId: 'r1' });
    expect((await s.audit.forRequest('r1')).map((e) => e.outcome)).toEqual(['requested', 'succeeded']);
    // Same timestamp: the later write comes first.
    expect((await s.audit.latest(1)).map((e) => e.outcome)).toEqual(['succeeded']);
    expect(await s.audit.latest(0)).toHaveLength(1);
  });
});

describeEachStore('store contract: SNS MessageIds', (get) => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:t';
  const msg = (id: string) => ({
    MessageId: id,
    Timestamp: '2026-11-28T10:00:00.000Z',
    TopicArn: TOPIC,
    Type: 'Notification',
  });

  it('accepts one of many concurrent deliveries of the same MessageId', async () => {
    const s = get();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => s.db.tx((q) => s.snsMessages.remember(msg('same'), 1000 + i, q))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await s.snsMessages.seen(msg('same'))).toBe(true);
  });

  it("forgets a MessageId whose transaction rolled back, so SNS's retry is accepted", async () => {
    const s = get();
    await expect(
      s.db.tx(async (q) => {
        expect(await s.snsMessages.remember(msg('m-retry'), 1000, q)).toBe(true);
        throw new Error('store failed after the dedup row');
      }),
    ).rejects.toThrow('store failed after the dedup row');
    expect(await s.snsMessages.seen(msg('m-retry'))).toBe(false);
    expect(await s.snsMessages.remember(msg('m-retry'), 2000)).toBe(true);
  });
});

describeEachStore('store contract: incidents', (get) => {
  const base = {
    id: 'inc-1',
    alarmKey: 'alarm:123456789012:us-east-1:a',
    seq: 1,
    kind: 'raw' as const,
    name: 'a',
    state: 'ALARM' as const,
    stateAt: 1_000,
    firedAt: 1_000,
    alarmSince: 1_000,
    alarmMs: 0,
    flaps: 0,
    updates: 1,
    version: 1,
    renderedVersion: 0,
    notification: {
      kind: 'raw',
      key: 'k',
      name: 'a',
      state: 'ALARM',
      level: 'critical',
      at: 1_000,
      summary: 's',
      excerpt: 'e',
      source: { topicArn: 't', messageId: 'm' },
    } as never,
    createdAt: 1_000,
    updatedAt: 1_000,
  };

  it('answers undefined for an alarm key with no incident', async () => {
    expect(await get().incidents.latestForKey('none')).toBeUndefined();
    expect(await get().incidents.get('none')).toBeUndefined();
  });

  it('save() keeps the channel a card was posted to and leaves card, ack and silence columns to their writers', async () => {
    const s = get();
    await s.incidents.insert({ ...base, channel: 'C1' });
    await s.incidents.setCard('inc-1', { channel: 'C1', ts: '1.000001', kind: 'card', postedAt: 2_000, version: 1 });
    await s.incidents.acknowledge('inc-1', 'U1', 2_500);
    const cur = (await s.incidents.get('inc-1'))!;
    // A notification read before the card was posted (no card fields, another channel) is saved.
    await s.incidents.save({ ...base, channel: 'C2', state: 'OK', version: cur.version + 1, updatedAt: 3_000 });
    expect(await s.incidents.get('inc-1')).toMatchObject({
      state: 'OK',
      channel: 'C1',
      cardTs: '1.000001',
      cardKind: 'card',
      renderedVersion: 1,
      ackBy: 'U1',
      version: 3,
    });
  });

  it('never moves the rendered version backwards, and clearCard() makes the next sync post anew', async () => {
    const s = get();
    await s.incidents.insert({ ...base, channel: 'C1', version: 5 });
    await s.incidents.setCard('inc-1', { channel: 'C1', ts: '1.000001', kind: 'card', postedAt: 2_000, version: 3 });
    await s.incidents.setRendered('inc-1', 5);
    await s.incidents.setRendered('inc-1', 4); // a slower delivery of an older version
    expect((await s.incidents.get('inc-1'))?.renderedVersion).toBe(5);
    await s.incidents.clearCard('inc-1');
    expect(await s.incidents.get('inc-1')).toMatchObject({
      cardTs: undefined,
      cardKind: undefined,
      cardPostedAt: undefined,
      renderedVersion: 0,
      channel: 'C1',
    });
  });

  it('records timeline lines inside the ingest transaction only when it commits', async () => {
    const s = get();
    await s.incidents.insert(base);
    await expect(
      s.db.tx(async (q) => {
        await s.incidents.addEvent({ incidentId: 'inc-1', at: 1, kind: 'state', state: 'OK', text: 'lost' }, 1, q);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await s.db.tx((q) => s.incidents.addEvent({ incidentId: 'inc-1', at: 2, kind: 'info', text: 'kept' }, 2, q));
    expect(await s.incidents.events('inc-1')).toEqual([
      expect.objectContaining({ text: 'kept', kind: 'info', state: undefined, posted: false }),
    ]);
  });
});

describeEachStore('store contract: outbox', (get) => {
  it('claims due items oldest first, up to the limit, and none that are not due yet', async () => {
    const s = get();
    await s.outbox.enqueue({ kind: 'note', channel: 'C1', payload: { n: 'later' }, availableAt: 5_000 });
    await s.outbox.enqueue({ kind: 'note', channel: 'C1', payload: { n: 'second' }, availableAt: 2_000 });
    await s.outbox.enqueue({ kind: 'note', channel: 'C1', payload: { n: 'first' }, availableAt: 1_000 });
    await s.outbox.enqueue({ kind: 'note', channel: 'C1', payload: { n: 'third' }, availableAt: 2_000 });
    const got = await s.outbox.claim('w1', 3_000, 60_000, 2);
    expect(got.map((i) => i.payload.n)).toEqual(['first', 'second']);
    expect(got[0]).toMatchObject({ claimedBy: 'w1', claimedUntil: 63_000 });
    expect((await s.outbox.claim('w1', 3_000, 60_000, 10)).map((i) => i.payload.n)).toEqual(['third']);
  });

  it('opens a new item for a dedup key once the previous one was delivered', async () => {
    const s = get();
    await s.outbox.enqueue({ kind: 'card', dedupKey: 'card:i', incidentId: 'i', availableAt: 1 });
    const [a] = await s.outbox.claim('w1', 1, 60_000, 10);
    expect(await s.outbox.complete(a, 'w1')).toBe(true);
    await s.outbox.enqueue({ kind: 'card', dedupKey: 'card:i', incidentId: 'i', availableAt: 2 });
    const items = await s.outbox.list();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ version: 1, attempts: 0, createdAt: 2 });
    expect(items[0].id).not.toBe(a.id);
  });

  it('lets only the holder of a claim complete, retry or defer it', async () => {
    const s = get();
    await s.outbox.enqueue({ kind: 'note', channel: 'C1', availableAt: 1 });
    const [a] = await s.outbox.claim('w1', 1, 60_000, 10);
    expect(await s.outbox.complete(a, 'intruder')).toBe(false);
    await s.outbox.retry(a, 'intruder', 99, 'x');
    await s.outbox.defer(a, 'intruder', 99);
    expect((await s.outbox.list())[0]).toMatchObject({ claimedBy: 'w1', availableAt: 1, attempts: 0 });
    await s.outbox.retry(a, 'w1', 10, 'e'.repeat(2000));
    expect((await s.outbox.list())[0].lastError).toHaveLength(500);
  });

  it('keeps nothing enqueued by a transaction that rolled back, and reports an empty outbox', async () => {
    const s = get();
    await expect(
      s.db.tx(async (q) => {
        await s.outbox.enqueue({ kind: 'card', dedupKey: 'card:x', incidentId: 'x', availableAt: 1 }, q);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.outbox.list()).toEqual([]);
    expect(await s.outbox.stats()).toEqual({ depth: 0, oldestCreatedAt: undefined });
  });
});

describeEachStore('store contract: rollouts', (get) => {
  const target = { kind: 'service' as const, cluster: 'c', service: 's', desired: 2 };
  const r = (id: string, requestId: string, startedAt: number) => ({
    id,
    requestId,
    target,
    channel: 'C1',
    threadTs: '1.1',
    startedAt,
    deadlineAt: startedAt + 600_000,
    nextPollAt: startedAt,
  });

  it('follows one rollout per request and lists those being followed, oldest first', async () => {
    const s = get();
    await s.rollouts.create(r('ro-b', 'req-b', 2_000));
    await s.rollouts.create(r('ro-a', 'req-a', 1_000));
    await expectUniqueViolation(s.rollouts.create(r('ro-c', 'req-a', 3_000)));
    expect((await s.rollouts.listFollowing()).map((x) => x.id)).toEqual(['ro-a', 'ro-b']);
    expect(await s.rollouts.get('nope')).toBeUndefined();
    expect(await s.rollouts.forRequest('nope')).toBeUndefined();
  });
});

describe('store contract: the audit of the audit', () => {
  const testRoot = path.join(__dirname, '..');
  const files = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : [],
      );
  const suites = files(testRoot)
    .map((f) => ({ file: path.relative(testRoot, f), text: fs.readFileSync(f, 'utf8') }))
    .filter((f) => f.text.includes('describeEachStore('));

  it('has a suite on both stores for every repository of the Store', () => {
    const repos = Object.entries(new Store({ dialect: 'sqlite' } as Db))
      .filter(([k, v]) => k !== 'db' && typeof v === 'object')
      .map(([k]) => k);
    expect(repos.length).toBeGreaterThanOrEqual(9);
    const uncovered = repos.filter((r) => !suites.some((s) => s.text.includes(`.${r}.`)));
    expect(uncovered).toEqual([]);
  });

  it('lets no store skip a contract test', () => {
    const skipping = suites.filter((s) =>
      /\b(it|test|describe)\.(skip|todo)\b|\bx(it|describe)\(|if\s*\(\s*kind\s*[!=]==?\s*'(sqlite|postgres)'\s*\)\s*return/.test(
        s.text,
      ),
    );
    expect(skipping.map((s) => s.file)).toEqual([]);
  });
});

describeEachStore('store contract: storm digests', (get) => {
  it('opens one digest per channel and window however many deliveries ask at once', async () => {
    const s = get();
    const opened = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.incidents.openDigest({ id: `d${i}`, channel: 'C1', createdAt: 10_000 + i }, 0),
      ),
    );
    expect(new Set(opened.map((d) => d.id)).size).toBe(1);
    expect(await s.db.query(`SELECT id FROM alarm_digests`)).toHaveLength(1);
    // Another channel gets its own; a window that has passed gets a new one.
    expect((await s.incidents.openDigest({ id: 'other', channel: 'C2', createdAt: 10_000 }, 0)).id).toBe('other');
    expect(await s.incidents.openDigest({ id: 'later', channel: 'C1', createdAt: 90_000 }, 30_000)).toEqual({
      id: 'later',
      channel: 'C1',
      ts: undefined,
      createdAt: 90_000,
    });
  });

  it('spills a full digest into a next one, and fills the one with room first', async () => {
    const s = get();
    const first = await s.incidents.openDigest({ id: 'd1', channel: 'C1', createdAt: 10_000 }, 0, 2);
    expect(first.id).toBe('d1');
    for (const n of ['a', 'b']) {
      await s.db.run(
        `INSERT INTO incidents (id, alarm_key, seq, kind, name, state, state_at, alarm_ms, flaps, updates, version, rendered_version, notification, created_at, updated_at, digest_id)
         VALUES ($1, $1, 1, 'alarm', $1, 'ALARM', 1, 0, 0, 0, 1, 0, '{}', 1, 1, 'd1')`,
        [n],
      );
    }
    expect((await s.incidents.openDigest({ id: 'd2', channel: 'C1', createdAt: 10_001 }, 0, 2)).id).toBe('d2');
    expect((await s.incidents.openDigest({ id: 'd3', channel: 'C1', createdAt: 10_002 }, 0, 2)).id).toBe('d2');
    expect(await s.db.query(`SELECT id FROM alarm_digests ORDER BY created_at`)).toEqual([{ id: 'd1' }, { id: 'd2' }]);
  });
});
