import fs from 'node:fs';
import { IngestThread, InlineIngester, ingesterFor } from '../../src/alarms/ingest-thread';
import type { IngestJob } from '../../src/alarms/ingest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openStore, type Store } from '../../src/store';
import { StoreUnavailableError } from '../../src/store/db';
import { openTestStore } from '../helpers/stores';
import { LogCapture, tempDbPath, testEnv } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:t';

function job(i: number, o: { alarm?: string; state?: string; at?: number; id?: string } = {}): IngestJob {
  const at = o.at ?? T0 + i * 1000;
  const Message = JSON.stringify(
    pendingTaskAlarm({ name: o.alarm ?? `alarm-${i % 4}`, state: o.state ?? (i % 2 ? 'OK' : 'ALARM'), at }),
  );
  return {
    msg: {
      MessageId: o.id ?? `m-${i}`,
      Timestamp: new Date(at).toISOString(),
      TopicArn: TOPIC,
      Type: 'Notification',
      Message,
    },
    now: at + 500,
  };
}

describe('the SNS ingest thread (SQLite)', () => {
  let store: Store;
  let path: string;
  let thread: IngestThread;
  const errors: string[] = [];
  beforeEach(async () => {
    path = tempDbPath();
    store = await openStore({ kind: 'sqlite', path });
    thread = new IngestThread({ path, routing: { alarmRoutes: [], slack: { alarmChannel: 'C1' } } }, (why) =>
      errors.push(why),
    );
    errors.splice(0);
  });
  afterEach(async () => {
    await thread.close();
    await store.close();
  });

  it('applies concurrent notifications in the thread, in order, visible to the bot at once', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => thread.submit(job(i))));
    expect(results.every((r) => r.ok)).toBe(true);
    const outcomes = results.map((r) => (r.ok ? r.result.outcome : 'error'));
    // Four alarms in turn: alarm-0 and alarm-2 only ever ALARM (opened, then updated), alarm-1 and
    // alarm-3 only ever OK (tracked, no card). In submission order: the thread keeps it.
    expect(outcomes).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 ? 'tracked' : i < 4 ? 'opened' : 'updated')));
    expect(results[0]).toMatchObject({ ok: true, n: { kind: 'alarm', state: 'ALARM' } });
    // What the thread committed, the bot's own connection reads.
    const [{ n }] = await store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM sns_messages');
    expect(Number(n)).toBe(40);
    const incidents = await store.db.query<{ name: string; state: string; channel: string }>(
      'SELECT name, state, channel FROM incidents ORDER BY name',
    );
    expect(incidents.map((i) => [i.name, i.state, i.channel])).toEqual([
      ['alarm-0', 'ALARM', 'C1'],
      ['alarm-1', 'OK', 'C1'],
      ['alarm-2', 'ALARM', 'C1'],
      ['alarm-3', 'OK', 'C1'],
    ]);
    expect(errors).toEqual([]);
  });

  it('answers a redelivery as a duplicate, across batches', async () => {
    const first = await thread.submit(job(0, { id: 'same' }));
    const again = await thread.submit(job(0, { id: 'same' }));
    expect(first).toMatchObject({ ok: true, result: { outcome: 'opened', enqueued: true } });
    expect(again).toMatchObject({ ok: true, result: { outcome: 'duplicate', enqueued: false } });
  });

  it('writes while the bot holds the write lock, without stopping the bot (it retries asynchronously)', async () => {
    await thread.submit(job(0)); // the thread is up
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const held = store.db.tx(async (q) => {
      await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ('held', 'x', 1)`);
      await new Promise((r) => setTimeout(r, 150));
    });
    const during = thread.submit(job(1));
    // And the bot's own writes wait for the thread without blocking its event loop.
    const mine = store.db.run(`INSERT INTO kv (key, value, updated_at) VALUES ('mine', 'y', 2)`);
    await Promise.all([held, mine]);
    expect(await during).toMatchObject({ ok: true });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(10);
    expect((await store.db.query<{ key: string }>(`SELECT key FROM kv ORDER BY key`)).map((r) => r.key)).toEqual([
      'held',
      'mine',
    ]);
  });

  it('refuses notifications once closed, as a closed store would', async () => {
    await thread.submit(job(0));
    await thread.close();
    await expect(thread.submit(job(1))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('answers StoreUnavailableError when the thread cannot run, and reports it', async () => {
    // The database's directory is a file: the thread cannot open it.
    fs.writeFileSync(path + '-not-a-dir', '');
    const broken = new IngestThread(
      { path: path + '-not-a-dir/bot.db', routing: { alarmRoutes: [], slack: {} } },
      (why) => errors.push(why),
    );
    try {
      await expect(broken.submit(job(0))).rejects.toThrow(/SNS ingest thread stopped/);
      expect(errors).toHaveLength(1);
      // No new thread for every notification of a storm: refused at once for a second.
      await expect(broken.submit(job(1))).rejects.toThrow(/restarting/);
      expect(errors).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });
});

describe('ingesterFor', () => {
  it("uses a thread on the store's own SQLite file, and ingests inline on PostgreSQL and in memory", async () => {
    const logger = createLogger('error', new LogCapture());
    const env = (url: string) => loadConfig(testEnv({ apiUrl: 'http://127.0.0.1:9/api/' }, { DATABASE_URL: url }));
    const sqlite = await openStore({ kind: 'sqlite', path: tempDbPath() });
    const memory = await openStore({ kind: 'sqlite', path: ':memory:' });
    const pg = await openTestStore('postgres');
    try {
      // A store handed to the bot (a restart on the same database) wins over DATABASE_URL.
      const a = ingesterFor({ store: sqlite, config: env(tempDbPath()), newId: () => 'x', logger });
      const b = ingesterFor({ store: pg.store, config: env(pg.url), newId: () => 'x', logger });
      const c = ingesterFor({ store: memory, config: env(':memory:'), newId: () => 'x', logger });
      expect(a).toBeInstanceOf(IngestThread);
      expect(b).toBeInstanceOf(InlineIngester);
      expect(c).toBeInstanceOf(InlineIngester);
      expect(await a.submit(job(0))).toMatchObject({ ok: true, result: { outcome: 'opened' } });
      expect(await sqlite.db.query(`SELECT name FROM incidents`)).toEqual([{ name: 'alarm-0' }]);
      expect(await b.submit(job(0))).toMatchObject({ ok: true, result: { outcome: 'opened' } });
      expect(await c.submit(job(0))).toMatchObject({ ok: true, result: { outcome: 'opened' } });
      await a.close();
    } finally {
      await sqlite.close();
      await memory.close();
      await pg.cleanup();
    }
  });
});
