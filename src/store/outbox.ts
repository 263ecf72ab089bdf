import type { Db, Queryable } from './db';
import { json, num, numOrUndef, sqlFor, strOrUndef } from './db';

/**
 * What the outbox worker must bring to Slack. Items are idempotent intents rendered from the latest
 * state when delivered, never pre-rendered messages: `card` syncs one incident's card and thread,
 * `digest` one storm digest, `graph` attaches a metric graph, `note` posts a short channel note.
 */
export type OutboxKind = 'card' | 'digest' | 'graph' | 'note';

export interface OutboxItem {
  id: number;
  kind: OutboxKind;
  dedupKey?: string;
  channel?: string;
  incidentId?: string;
  payload: Record<string, unknown>;
  /** Bumped each time the same intent is enqueued again while pending, so a delivery that read older state runs once more. */
  version: number;
  attempts: number;
  createdAt: number;
  availableAt: number;
  claimedBy?: string;
  claimedUntil?: number;
  lastError?: string;
}

/** Why an item was given up on (see FailureClass in alarms/slack-errors.ts). */
export type DeadLetterReason = 'transient' | 'operator' | 'refused' | 'own';

/** An outbox item set aside after failing too often: kept for operators, never retried by itself. */
export interface DeadLetter {
  id: number;
  kind: OutboxKind;
  dedupKey?: string;
  channel?: string;
  incidentId?: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: number;
  failedAt: number;
  reason: DeadLetterReason;
  lastError?: string;
}

export interface NewOutboxItem {
  kind: OutboxKind;
  /** Intents with the same key coalesce into one pending item. */
  dedupKey?: string;
  channel?: string;
  incidentId?: string;
  payload?: Record<string, unknown>;
  availableAt: number;
}

export class OutboxRepo {
  constructor(private readonly db: Db) {}

  /**
   * Adds an intent. With a `dedupKey` already pending, the pending item is kept and its version bumped;
   * its payload is replaced only by a non-empty one (so a `{ force: true }` is not lost to a plain sync).
   */
  async enqueue(item: NewOutboxItem, q: Queryable = this.db): Promise<void> {
    const params = [
      item.kind,
      item.dedupKey,
      item.channel,
      item.incidentId,
      JSON.stringify(item.payload ?? {}),
      item.availableAt,
      item.availableAt,
    ];
    if (item.dedupKey) {
      await q.run(
        `INSERT INTO outbox (kind, dedup_key, channel, incident_id, payload, created_at, available_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (dedup_key) DO UPDATE SET version = outbox.version + 1,
           payload = CASE WHEN excluded.payload = '{}' THEN outbox.payload ELSE excluded.payload END`,
        params,
      );
    } else {
      await q.run(
        `INSERT INTO outbox (kind, dedup_key, channel, incident_id, payload, created_at, available_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        params,
      );
    }
  }

  /**
   * Claims up to `limit` due items for `worker` until `now + leaseMs`, atomically: on PostgreSQL the
   * inner SELECT skips rows another replica holds and the outer WHERE re-checks the lease, so no two
   * replicas ever deliver one item at once; a crashed worker's claim lapses after the lease.
   */
  async claim(worker: string, now: number, leaseMs: number, limit: number): Promise<OutboxItem[]> {
    const d = this.db.dialect;
    const rows = await this.db.query<Record<string, unknown>>(
      `UPDATE outbox SET claimed_by = $1, claimed_until = $2
       WHERE id IN (
         SELECT id FROM outbox
         WHERE available_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)
         ORDER BY available_at, id LIMIT $4 ${sqlFor(d).skipLocked}
       ) AND (claimed_until IS NULL OR claimed_until < $3)
       RETURNING *`,
      [worker, now + leaseMs, now, limit],
    );
    return rows.map(rowToItem).sort((a, b) => a.availableAt - b.availableAt || a.id - b.id);
  }

  /**
   * Done: deletes the item unless it was enqueued again meanwhile (version changed), in which case it
   * is released to run once more with the newer state. Returns true when deleted.
   */
  async complete(item: OutboxItem, worker: string): Promise<boolean> {
    const n = await this.db.run(`DELETE FROM outbox WHERE id = $1 AND claimed_by = $2 AND version = $3`, [
      item.id,
      worker,
      item.version,
    ]);
    if (n > 0) return true;
    await this.db.run(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, attempts = 0, last_error = NULL WHERE id = $1 AND claimed_by = $2`,
      [item.id, worker],
    );
    return false;
  }

  /** A failed attempt: back off until `availableAt`, keeping the error for operators. */
  async retry(item: OutboxItem, worker: string, availableAt: number, error: string): Promise<void> {
    await this.db.run(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1, available_at = $3, last_error = $4
       WHERE id = $1 AND claimed_by = $2`,
      [item.id, worker, availableAt, error.slice(0, 500)],
    );
  }

  /** Not an attempt (pacing, silence): run again at `availableAt`. */
  async defer(item: OutboxItem, worker: string, availableAt: number): Promise<void> {
    await this.db.run(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, available_at = $3 WHERE id = $1 AND claimed_by = $2`,
      [item.id, worker, availableAt],
    );
  }

  /**
   * Gives up on an item: moves it out of the outbox into `outbox_dead`, in one transaction, if this
   * worker still holds it. The next intent with the same dedup key (the incident changed again) is a
   * fresh item. Returns false when the claim was lost meanwhile (another replica has it).
   */
  async bury(item: OutboxItem, worker: string, at: number, reason: DeadLetterReason, error: string): Promise<boolean> {
    return this.db.tx(async (q) => {
      const n = await q.run(`DELETE FROM outbox WHERE id = $1 AND claimed_by = $2`, [item.id, worker]);
      if (n === 0) return false;
      await q.run(
        `INSERT INTO outbox_dead (kind, dedup_key, channel, incident_id, payload, attempts, created_at, failed_at, failure, last_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          item.kind,
          item.dedupKey,
          item.channel,
          item.incidentId,
          JSON.stringify(item.payload),
          item.attempts + 1,
          item.createdAt,
          at,
          reason,
          error.slice(0, 500),
        ],
      );
      return true;
    });
  }

  /** Items set aside, newest first. */
  async deadLetters(limit = 20): Promise<DeadLetter[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM outbox_dead ORDER BY failed_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: num(r.id),
      kind: String(r.kind) as OutboxKind,
      dedupKey: strOrUndef(r.dedup_key),
      channel: strOrUndef(r.channel),
      incidentId: strOrUndef(r.incident_id),
      payload: json<Record<string, unknown>>(r.payload) ?? {},
      attempts: num(r.attempts),
      createdAt: num(r.created_at),
      failedAt: num(r.failed_at),
      reason: String(r.failure) as DeadLetterReason,
      lastError: strOrUndef(r.last_error),
    }));
  }

  async deadLetterCount(): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM outbox_dead`);
    return num(rows[0]?.n ?? 0);
  }

  /** Forgets items set aside before `before`. Returns how many. */
  pruneDeadLetters(before: number): Promise<number> {
    return this.db.run(`DELETE FROM outbox_dead WHERE failed_at < $1`, [before]);
  }

  /** Items waiting and the creation time of the oldest (for the outbox gauges). */
  async stats(): Promise<{ depth: number; oldestCreatedAt?: number }> {
    const rows = await this.db.query<{ n: unknown; oldest: unknown }>(
      `SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox`,
    );
    return { depth: num(rows[0]?.n ?? 0), oldestCreatedAt: numOrUndef(rows[0]?.oldest) };
  }

  async list(): Promise<OutboxItem[]> {
    const rows = await this.db.query<Record<string, unknown>>(`SELECT * FROM outbox ORDER BY id`);
    return rows.map(rowToItem);
  }
}

function rowToItem(r: Record<string, unknown>): OutboxItem {
  return {
    id: num(r.id),
    kind: String(r.kind) as OutboxKind,
    dedupKey: strOrUndef(r.dedup_key),
    channel: strOrUndef(r.channel),
    incidentId: strOrUndef(r.incident_id),
    payload: json<Record<string, unknown>>(r.payload) ?? {},
    version: num(r.version),
    attempts: num(r.attempts),
    createdAt: num(r.created_at),
    availableAt: num(r.available_at),
    claimedBy: strOrUndef(r.claimed_by),
    claimedUntil: numOrUndef(r.claimed_until),
    lastError: strOrUndef(r.last_error),
  };
}
