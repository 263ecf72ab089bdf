import type { Db, Dialect, Queryable } from './db';
import { sqlFor } from './db';
import { ALARMS_MIGRATION } from './alarms-migration';
import { APPROVALS_MIGRATION } from './approvals-migration';
import { REACTIONS_MIGRATION } from './reactions-migration';
import { DIAGNOSIS_MIGRATION } from './diagnosis-migration';
import { SNS_DEDUP_MIGRATION } from './sns-dedup-migration';
import { ALARM_DELIVERY_MIGRATION } from './alarm-delivery-migration';
import { GRAPHS_MIGRATION } from './graphs-migration';
import { GRAPH_RENDERS_MIGRATION } from './graph-renders-migration';
import { SLACK_REQUESTS_MIGRATION } from './slack-requests-migration';
import { APPROVALS_COUNT_MIGRATION } from './approvals-count-migration';
import { WATCH_SCOPE_MIGRATION } from './watch-scope-migration';

/**
 * Versioned migrations, shared by SQLite and PostgreSQL. Append only: never edit a released one.
 * Each feature owns its versions: 1 foundation (audit), 2 alarms, 3 approvals, 4 reactions/home, 6 diagnosis, 7 SNS dedup key, 8 Slack request signatures (replays), 9 alarm delivery (dead letters, card attempts), 10 distinct approvals per change request, 13 message graphs, 14 graph renders (the per-message limit across replicas), 15 the account and region of a diagnosis watch.
 */
export interface Migration {
  version: number;
  name: string;
  up: (dialect: Dialect) => string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit',
    up: (d) => [
      `CREATE TABLE audit (
        id ${sqlFor(d).autoId},
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        request_id TEXT,
        approver TEXT,
        before_state TEXT,
        after_state TEXT,
        aws_request_id TEXT,
        error TEXT,
        detail TEXT
      )`,
      `CREATE INDEX audit_at ON audit (at)`,
      `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)`,
    ],
  },
  ALARMS_MIGRATION,
  APPROVALS_MIGRATION,
  REACTIONS_MIGRATION,
  DIAGNOSIS_MIGRATION,
  SNS_DEDUP_MIGRATION,
  SLACK_REQUESTS_MIGRATION,
  ALARM_DELIVERY_MIGRATION,
  APPROVALS_COUNT_MIGRATION,
  GRAPHS_MIGRATION,
  GRAPH_RENDERS_MIGRATION,
  WATCH_SCOPE_MIGRATION,
];

/** Applies every migration newer than the database, each in its own transaction. Safe to run concurrently. */
export async function migrate(db: Db, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  // Serialise migrators across replicas starting at the same moment (one lock per schema). Even
  // CREATE TABLE IF NOT EXISTS needs it: PostgreSQL's IF NOT EXISTS is not race-free.
  const lock = async (q: Queryable) => {
    if (q.dialect === 'postgres')
      await q.query(`SELECT pg_advisory_xact_lock(727274, hashtext(coalesce(current_schema(), '')))`);
  };
  await db.tx(async (q) => {
    await lock(q);
    await q.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
  });
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.tx(async (q) => {
      await lock(q);
      const rows = await q.query(`SELECT version FROM schema_migrations WHERE version = $1`, [m.version]);
      if (rows.length > 0) return false;
      for (const stmt of m.up(q.dialect)) await q.run(stmt);
      await q.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        Date.now(),
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
