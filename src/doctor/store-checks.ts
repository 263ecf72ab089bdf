import type { Store } from '../store';
import { MIGRATIONS } from '../store/migrations';
import { result, type CheckResult } from './types';
import { plural, truncate } from '../util/text';

/** Thrown inside the write probe's transaction so that it always rolls back. */
class ProbeRollback extends Error {}

/** A version outside every real migration's range, so the probe row can never collide with one. */
const PROBE_VERSION = -727274;

const where = (store: Store) =>
  store.dialect === 'sqlite' ? `SQLite${store.db.file ? ` ${store.db.file}` : ' (in memory)'}` : 'PostgreSQL';

const message = (err: unknown) => truncate(String((err as Error)?.message ?? err), 300);

/** "1–9" for a run of versions, "1–7, 9" with gaps. */
function versions(list: number[]): string {
  const sorted = [...list].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/**
 * The bot's database, as /readyz sees it and more: it answers (the readiness probe), every migration
 * this version of the bot knows is applied, and it takes a write (a row written and rolled back in one
 * transaction, so a read-only file, a full disk or a read-only replica shows up here and not on the next
 * alarm). Inside the bot (`/ecs doctor`) and from `npm run doctor`, which opens the store as it is.
 */
export async function checkDatabase(store: Store): Promise<CheckResult[]> {
  const at = where(store);
  try {
    await store.ping();
  } catch (err) {
    return [
      result(
        'store.reachable',
        'Database',
        'fail',
        `${at} does not answer: ${message(err)}`,
        'Check DATABASE_URL, that the database server runs and accepts the bot (or that the SQLite file and its folder are there), then restart the bot.',
      ),
      result('store.migrations', 'Database migrations', 'skip', 'not checked: the database does not answer'),
      result('store.writable', 'Database writes', 'skip', 'not checked: the database does not answer'),
    ];
  }
  const reachable = result('store.reachable', 'Database', 'pass', `${at} answers`);
  return [reachable, await checkMigrations(store), await checkWritable(store, at)];
}

async function checkMigrations(store: Store): Promise<CheckResult> {
  const id = 'store.migrations';
  const name = 'Database migrations';
  let applied: number[];
  try {
    const rows = await store.db.query<{ version: unknown }>(`SELECT version FROM schema_migrations`);
    applied = rows.map((r) => Number(r.version));
  } catch (err) {
    return result(id, name, 'fail', `the migrations table cannot be read: ${message(err)}`, RESTART);
  }
  const known = MIGRATIONS.map((m) => m.version);
  const missing = known.filter((v) => !applied.includes(v));
  const unknown = applied.filter((v) => !known.includes(v) && v !== PROBE_VERSION);
  if (missing.length > 0) {
    return result(
      id,
      name,
      'fail',
      `${plural(missing.length, 'migration')} this bot needs ${missing.length === 1 ? 'is' : 'are'} not applied (${versions(missing)}; applied: ${applied.length ? versions(applied) : 'none'})`,
      RESTART,
    );
  }
  if (unknown.length > 0) {
    return result(
      id,
      name,
      'warn',
      `all ${plural(known.length, 'migration')} of this bot are applied, and ${versions(unknown)} that it does not know: a newer version of the bot has used this database`,
      'Run the newer version everywhere (replicas on one database must run the same version), or restore the database from before the upgrade.',
    );
  }
  return result(id, name, 'pass', `all ${plural(known.length, 'migration')} applied (${versions(known)})`);
}

const RESTART =
  'Restart the bot: it applies its migrations at start (and says why in its log when one fails). Check that its database user may create tables.';

async function checkWritable(store: Store, at: string): Promise<CheckResult> {
  const id = 'store.writable';
  const name = 'Database writes';
  try {
    await store.db.tx(async (q) => {
      await q.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        PROBE_VERSION,
        'doctor write probe (rolled back)',
        0,
      ]);
      throw new ProbeRollback();
    });
  } catch (err) {
    if (err instanceof ProbeRollback) return result(id, name, 'pass', `${at} takes writes`);
    return result(
      id,
      name,
      'fail',
      `${at} refuses writes: ${message(err)}`,
      'The bot records alarms, approvals and audit entries there: give it a writable database (file permissions and free disk for SQLite; a primary, not a read-only replica, and a user with INSERT and UPDATE for PostgreSQL).',
    );
  }
  return result(id, name, 'fail', 'the write probe was not rolled back', 'Report this with the log line.');
}
