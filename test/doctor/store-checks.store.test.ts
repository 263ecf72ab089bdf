import { checkDatabase } from '../../src/doctor/store-checks';
import type { CheckResult } from '../../src/doctor/types';
import { openStore } from '../../src/store';
import { MIGRATIONS } from '../../src/store/migrations';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores';

const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));
const latest = Math.max(...MIGRATIONS.map((m) => m.version));

/** Makes the database refuse inserts into schema_migrations, as a read-only replica or file would. */
async function refuseWrites(ts: TestStore): Promise<void> {
  if (ts.store.dialect === 'sqlite') {
    await ts.store.db.run(
      `CREATE TRIGGER refuse_writes BEFORE INSERT ON schema_migrations BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END`,
    );
  } else {
    await ts.store.db.run(
      `CREATE FUNCTION refuse_writes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'cannot execute INSERT in a read-only transaction'; END $$ LANGUAGE plpgsql`,
    );
    await ts.store.db.run(
      `CREATE TRIGGER refuse_writes BEFORE INSERT ON schema_migrations FOR EACH ROW EXECUTE FUNCTION refuse_writes()`,
    );
  }
}

describe.each(STORE_KINDS)('the doctor checks the database [%s]', (kind) => {
  let ts: TestStore;
  beforeEach(async () => {
    ts = await openTestStore(kind);
  });
  afterEach(async () => {
    await ts.cleanup();
  });

  it('a healthy store: answers, every migration applied, takes a write; the probe leaves nothing behind', async () => {
    const before = await ts.store.db.query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`);
    const r = byId(await checkDatabase(ts.store));
    expect(r['store.reachable']).toMatchObject({ status: 'pass', detail: expect.stringMatching(/answers$/) });
    expect(r['store.migrations'].status).toBe('pass');
    expect(r['store.migrations'].detail).toMatch(
      new RegExp(`^all ${MIGRATIONS.length} migrations applied \\(1[–,].*${latest}\\)$`),
    );
    expect(r['store.writable']).toMatchObject({
      status: 'pass',
      ok: true,
      detail: expect.stringMatching(/takes writes$/),
    });
    expect(await ts.store.db.query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)).toEqual(
      before,
    );
  });

  it('a closed store: the failure is named and the checks that need it are skipped', async () => {
    // A second connection to the same database, closed, as a store whose pool or file went away.
    const closed = await openStore(kind === 'sqlite' ? { kind, path: ts.url } : { kind, url: ts.url });
    await closed.close();
    const [reachable, migrations, writable] = await checkDatabase(closed);
    expect(reachable).toMatchObject({ id: 'store.reachable', status: 'fail', ok: false });
    expect(reachable.detail).toMatch(
      kind === 'sqlite' ? /^SQLite .* does not answer: the SQLite store is closed$/ : /^PostgreSQL does not answer: /,
    );
    expect(reachable.fix).toContain('DATABASE_URL');
    expect([migrations.status, writable.status]).toEqual(['skip', 'skip']);
  });

  it('a migration this bot needs is missing: a failure naming it, and the fix is a restart', async () => {
    await ts.store.db.run(`DELETE FROM schema_migrations WHERE version = $1`, [latest]);
    const r = byId(await checkDatabase(ts.store));
    expect(r['store.migrations'].status).toBe('fail');
    expect(r['store.migrations'].detail).toMatch(
      new RegExp(`^1 migration this bot needs is not applied \\(${latest}; applied: 1`),
    );
    expect(r['store.migrations'].fix).toMatch(/^Restart the bot/);
  });

  it('a migration this bot does not know (a newer bot used the database): a warning', async () => {
    await ts.store.db.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
      9999,
      'from the future',
      0,
    ]);
    const r = byId(await checkDatabase(ts.store));
    expect(r['store.migrations']).toMatchObject({ status: 'warn', ok: true });
    expect(r['store.migrations'].detail).toContain('and 9999 that it does not know');
  });

  it('a database that refuses writes: the write check fails with what the database said', async () => {
    await refuseWrites(ts);
    const r = byId(await checkDatabase(ts.store));
    expect(r['store.reachable'].status).toBe('pass');
    expect(r['store.writable']).toMatchObject({ status: 'fail', ok: false });
    expect(r['store.writable'].detail).toMatch(/refuses writes: .*(readonly database|read-only transaction)/);
    // The store still works for reads and the probe changed nothing.
    expect((await ts.store.db.query(`SELECT version FROM schema_migrations WHERE version < 0`)).length).toBe(0);
  });
});
