import { Pool, types } from 'pg';
import type { Db, Queryable, SqlValue } from './db';
import { StoreUnavailableError } from './db';

// BIGINT (int8) columns hold epoch milliseconds and counters, all well inside Number's safe range.
types.setTypeParser(20, (v) => Number(v));

const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  '57P01',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

function wrap(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code && TRANSIENT.has(code))
    return new StoreUnavailableError(`PostgreSQL unavailable: ${(err as Error).message}`, { cause: err });
  return err;
}

function norm(params: SqlValue[] = []): unknown[] {
  return params.map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v));
}

/**
 * PostgreSQL through a pg Pool. `schema` (also read from a `schema` query parameter of the URL)
 * sets the search_path of every connection, so tests and several bots can share one database.
 */
export function openPostgresDb(url: string, opts: { schema?: string; max?: number } = {}): Db {
  const u = new URL(url);
  const schema = opts.schema ?? u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const pool = new Pool({
    connectionString: u.toString(),
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5000,
    // A startup option, so every pooled connection has the schema on its path from its first query.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
  // The schema must exist before its first use; statements wait for that once (retried after a failure).
  let schemaReady: Promise<unknown> | undefined;
  const ensureSchema = () => {
    if (!schema) return Promise.resolve();
    schemaReady ??= pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((err) => {
      // IF NOT EXISTS is not race-free: when replicas start together, the losers get a duplicate error.
      if (['23505', '42P06'].includes((err as { code?: string }).code ?? '')) return;
      schemaReady = undefined;
      throw err;
    });
    return schemaReady;
  };
  // After close() every call fails as the SQLite store's does, not with pg's "pool after end" Error.
  let closed = false;
  const ready = () => {
    if (closed) throw new StoreUnavailableError('the PostgreSQL store is closed');
    return ensureSchema();
  };
  const on = (c: { query: Pool['query'] }, first = true): Queryable => ({
    dialect: 'postgres',
    async query<T>(sql: string, params?: SqlValue[]) {
      try {
        if (first) await ready();
        return (await c.query(sql, norm(params))).rows as T[];
      } catch (err) {
        throw wrap(err);
      }
    },
    async run(sql: string, params?: SqlValue[]) {
      try {
        if (first) await ready();
        return (await c.query(sql, norm(params))).rowCount ?? 0;
      } catch (err) {
        throw wrap(err);
      }
    },
  });
  const direct = on(pool);
  return {
    ...direct,
    async tx<T>(fn: (q: Queryable) => Promise<T>) {
      let client;
      try {
        await ready();
        client = await pool.connect();
      } catch (err) {
        if (err instanceof StoreUnavailableError) throw err;
        throw new StoreUnavailableError(`PostgreSQL unavailable: ${(err as Error).message}`, { cause: err });
      }
      try {
        await client.query('BEGIN');
        const out = await fn(on(client as unknown as { query: Pool['query'] }, false));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw wrap(err);
      } finally {
        client.release();
      }
    },
    async ping() {
      await direct.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => undefined);
    },
  };
}
