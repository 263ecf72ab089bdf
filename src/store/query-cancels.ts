import type { Queryable } from './db';
import { json, num } from './db';

export interface QueryCancel {
  queryId: string;
  userId: string;
  at: number;
}

const PREFIX = 'query-cancel:';
/** Claims older than this are deleted on the next claim (a query is followed for minutes, not days). */
export const QUERY_CANCEL_RETENTION_MS = 24 * 60 * 60_000;

/**
 * Who cancelled which Logs Insights query, shared by every replica, so the replica that follows the
 * query can say "cancelled by @user" even when the click reached another one. Lives in the shared
 * `kv` table under `query-cancel:<queryId>`; the first claim wins (a double click cancels once).
 */
export class QueryCancelRepo {
  constructor(private readonly db: Queryable) {}

  /** Records the cancel unless one exists; returns the claim that holds (the new one, or the earlier one). */
  async claim(queryId: string, userId: string, at: number): Promise<{ won: boolean; cancel: QueryCancel }> {
    await this.db.run(`DELETE FROM kv WHERE key LIKE $1 AND updated_at < $2`, [
      `${PREFIX}%`,
      at - QUERY_CANCEL_RETENTION_MS,
    ]);
    const changed = await this.db.run(
      `INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
      [PREFIX + queryId, JSON.stringify({ userId }), at],
    );
    const cancel = await this.get(queryId);
    if (!cancel) throw new Error(`query cancel claim for ${queryId} vanished`);
    return { won: changed === 1, cancel };
  }

  /** Forgets a claim whose StopQuery did not happen (the query had already ended, or AWS refused). */
  async release(queryId: string): Promise<void> {
    await this.db.run(`DELETE FROM kv WHERE key = $1`, [PREFIX + queryId]);
  }

  async get(queryId: string): Promise<QueryCancel | undefined> {
    const rows = await this.db.query<{ value: string; updated_at: unknown }>(
      `SELECT value, updated_at FROM kv WHERE key = $1`,
      [PREFIX + queryId],
    );
    if (rows.length === 0) return undefined;
    const v = json<{ userId?: unknown }>(rows[0].value);
    return { queryId, userId: String(v.userId ?? ''), at: num(rows[0].updated_at) };
  }
}
