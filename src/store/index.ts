import fs from 'node:fs';
import type { Config } from '../config';
import { AuditRepo } from './audit';
import { IncidentRepo } from './incidents';
import { OutboxRepo } from './outbox';
import { SnsMessageRepo } from './sns-messages';
import { ChangeRequestRepo } from './change-requests';
import { RolloutRepo } from './rollouts';
import { QueryCancelRepo } from './query-cancels';
import { IncidentReactionRepo } from './incident-reactions';
import { DiagnosisWatchRepo } from './diagnosis-watches';
import { MessageGraphRepo } from './message-graphs';
import { GraphRenderRepo } from './graph-renders';
import { SlackRequestRepo } from './slack-requests';
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
  readonly snsMessages: SnsMessageRepo;
  readonly incidents: IncidentRepo;
  readonly outbox: OutboxRepo;
  readonly changeRequests: ChangeRequestRepo;
  readonly rollouts: RolloutRepo;
  readonly queryCancels: QueryCancelRepo;
  readonly incidentReactions: IncidentReactionRepo;
  readonly diagnosisWatches: DiagnosisWatchRepo;
  readonly messageGraphs: MessageGraphRepo;
  readonly graphRenders: GraphRenderRepo;
  readonly slackRequests: SlackRequestRepo;

  constructor(readonly db: Db) {
    this.audit = new AuditRepo(db);
    this.snsMessages = new SnsMessageRepo(db);
    this.incidents = new IncidentRepo(db);
    this.outbox = new OutboxRepo(db);
    this.changeRequests = new ChangeRequestRepo(db);
    this.rollouts = new RolloutRepo(db);
    this.queryCancels = new QueryCancelRepo(db);
    this.incidentReactions = new IncidentReactionRepo(db);
    this.diagnosisWatches = new DiagnosisWatchRepo(db);
    this.messageGraphs = new MessageGraphRepo(db);
    this.graphRenders = new GraphRenderRepo(db);
    this.slackRequests = new SlackRequestRepo(db);
  }

  get dialect() {
    return this.db.dialect;
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  readonly #closing: (() => Promise<void>)[] = [];

  /** Runs `fn` when the store closes, before its connection does (e.g. to stop a thread that writes to it). */
  onClose(fn: () => Promise<void>): void {
    this.#closing.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.#closing.splice(0)) await fn().catch(() => undefined);
    return this.db.close();
  }
}

/**
 * Opens the configured database as it is, applying no migration and creating nothing: for the doctor,
 * which reports what it finds. Undefined when the SQLite file does not exist yet (the bot creates it on
 * its first start); a PostgreSQL server is not contacted until the first query.
 */
export function openStoreAsIs(database: Config['database']): Store | undefined {
  if (database.kind === 'postgres') return new Store(openPostgresDb(database.url, { max: 2 }));
  if (database.path !== ':memory:' && !fs.existsSync(database.path)) return undefined;
  return new Store(openSqliteDb(database.path));
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
