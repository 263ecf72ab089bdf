import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db, Queryable, SqlValue } from './db';
import { StoreUnavailableError } from './db';

/** Rewrites $1 placeholders to named @p1 parameters (better-sqlite3 binds those from an object). */
const rewritten = new Map<string, { text: string; indices: number[] }>();
function bind(sql: string, params: SqlValue[] = []): [string, Record<string, unknown>] {
  let r = rewritten.get(sql);
  if (!r) {
    const indices = new Set<number>();
    const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
      indices.add(Number(n));
      return `@p${n}`;
    });
    r = { text, indices: [...indices] };
    if (rewritten.size > 1000) rewritten.clear();
    rewritten.set(sql, r);
  }
  const named: Record<string, unknown> = {};
  for (const n of r.indices) {
    const v = params[n - 1];
    named[`p${n}`] = v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return [r.text, named];
}

const BUSY_WAIT_MS = 5000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * SQLite through better-sqlite3 (synchronous). Every operation is queued so that a transaction that
 * awaits between statements never sees another caller's statement run inside it.
 *
 * Another connection may hold the write lock (the SNS ingest thread's, see alarms/ingest-thread.ts).
 * SQLite's busy handler would wait for it by sleeping inside the call, which on the bot's thread
 * stops the event loop: a profile had a quarter of it asleep there. So by default a connection does
 * not wait in SQLite (busy_timeout 0): a write that finds the lock taken has done nothing and is
 * retried after an asynchronous back-off (1 ms doubling to 50 ms, for up to 5 s). A transaction takes
 * the lock first (BEGIN IMMEDIATE), so only its BEGIN is ever retried. `blockingWait` retries in
 * place instead, for a connection on a thread of its own, every 50 µs: SQLite's own busy handler
 * sleeps 1 ms at the least, then 2, 5, 10…, while the bot's transactions hold the lock for well
 * under a millisecond (the SNS ingest thread spent half its time asleep there).
 */
export function openSqliteDb(file: string, o: { blockingWait?: boolean; cacheMiB?: number } = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 0');
    db.pragma('foreign_keys = ON');
    // Page cache (SQLite's default is 2 MiB): 16 MiB for the bot's connection, 64 MiB for the SNS
    // ingest thread's, so that an alarm storm's hot incidents and indexes stay in memory instead of
    // being re-read from the OS on every statement (bench/: +15% notifications/s).
    db.pragma(`cache_size = -${(o.cacheMiB ?? 16) * 1024}`);
  } catch (err) {
    throw new StoreUnavailableError(`cannot open SQLite database ${file}: ${(err as Error).message}`, { cause: err });
  }
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      if (cache.size > 500) cache.clear();
      cache.set(sql, st);
    }
    return st;
  };
  let closed = false;
  const directQuery = <T>(sql: string, params?: SqlValue[]): T[] => {
    const [text, named] = bind(sql, params);
    return prepare(text).all(named) as T[];
  };
  const directRun = (sql: string, params?: SqlValue[]): number => {
    const [text, named] = bind(sql, params);
    const st = prepare(text);
    if (st.reader) {
      st.all(named);
      return 0;
    }
    return st.run(named).changes;
  };
  const direct: Queryable = {
    dialect: 'sqlite',
    query: async <T>(sql: string, params?: SqlValue[]) => directQuery<T>(sql, params),
    run: async (sql: string, params?: SqlValue[]) => directRun(sql, params),
  };

  const nap = new Int32Array(new SharedArrayBuffer(4));
  /** Runs `fn` (which must have done nothing when it fails with SQLITE_BUSY) until the lock is free. */
  async function whenUnlocked<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    if (o.blockingWait) {
      for (;;) {
        try {
          return fn();
        } catch (err) {
          if (!isBusy(err) || Date.now() > deadline) throw err;
        }
        Atomics.wait(nap, 0, 0, 0.05);
      }
    }
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err) || Date.now() > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  let tail: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = tail.then(() => {
      if (closed) throw new StoreUnavailableError('the SQLite store is closed');
      return fn();
    });
    tail = next.catch(() => undefined);
    return next;
  }

  return {
    dialect: 'sqlite',
    file: file === ':memory:' ? undefined : path.resolve(file),
    query: (sql, params) => serial(() => whenUnlocked(() => directQuery(sql, params))),
    run: (sql, params) => serial(() => whenUnlocked(() => directRun(sql, params))),
    tx: <T>(fn: (q: Queryable) => Promise<T>) =>
      serial(async () => {
        await whenUnlocked(() => db.exec('BEGIN IMMEDIATE'));
        try {
          const out = await fn(direct);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    ping: () => serial(async () => void db.prepare('SELECT 1').get()),
    close: () =>
      serial(async () => {
        closed = true;
        db.close();
      }).catch(() => undefined),
  };
}
