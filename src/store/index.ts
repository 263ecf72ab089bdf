import type { Config } from '../config';
import { AuditRepo } from './audit';
import type { Db } from './db';
import { migrate } from './migrations';
import { openPostgresDb } from './postgres-db';
import { openSqliteDb } from './sqlite-db';

/**
 * The bot's state, one repository per concern, all written once over the shared Db layer so SQLite and
 * PostgreSQL keep the same promises. Features add their repository here and their tables in migrations.ts.
 */
export class Store {
  readonly audit: AuditRepo;

  constructor(readonly db: Db) {
    this.audit = new AuditRepo(db);
  }

  get dialect() {
    return this.db.dialect;
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Opens the configured database and applies pending migrations. */
export async function openStore(database: Config['database'], opts: { schema?: string } = {}): Promise<Store> {
  const db = database.kind === 'postgres' ? openPostgresDb(database.url, opts) : openSqliteDb(database.path);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new Store(db);
}

export type { Db, Queryable } from './db';
