import { openStore, type Store } from '../../src/store';
import { tempDbPath } from './test-bot';

/** PostgreSQL for tests: CI's machine runs one on 127.0.0.1:5432 with trust auth and a `test` database. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

export interface TestStore {
  store: Store;
  /** DATABASE_URL that opens the same database (for a second bot replica or a restart). */
  url: string;
  /** Schema name (PostgreSQL) so a second replica can share it. */
  schema?: string;
  cleanup(): Promise<void>;
}

/** Opens a fresh, migrated store: a temp SQLite file, or a private PostgreSQL schema dropped afterwards. */
export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const file = tempDbPath();
    const store = await openStore({ kind: 'sqlite', path: file });
    return { store, url: file, cleanup: () => store.close() };
  }
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const store = await openStore({ kind: 'postgres', url });
  return {
    store,
    url,
    schema,
    async cleanup() {
      await store.db.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await store.close();
    },
  };
}

/**
 * Runs the same suite against both stores. Neither is ever skipped: CI's machine always has
 * PostgreSQL, and an unreachable one fails the suite loudly.
 */
export function describeEachStore(name: string, fn: (get: () => Store, kind: StoreKind) => void): void {
  for (const kind of STORE_KINDS) {
    describe(`${name} [${kind}]`, () => {
      let ts: TestStore;
      beforeEach(async () => {
        ts = await openTestStore(kind);
      });
      afterEach(async () => {
        await ts.cleanup();
      });
      fn(() => ts.store, kind);
    });
  }
}
