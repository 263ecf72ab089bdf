import type { Queryable } from './db';

/**
 * Leases up to `limit` due rows of a polled table (status column = `status`, `next_poll_at`,
 * `lease_owner`, `lease_until`) to `owner` until now + leaseMs, and returns them. The conditions are
 * repeated outside the sub-select so that, when replicas race, PostgreSQL re-checks them on the locked
 * row and only one wins it; SQLite has a single writer. `table` and `status` are code constants.
 */
export async function claimDueRows(
  db: Queryable,
  table: 'rollouts' | 'diagnosis_watches',
  status: string,
  o: { owner: string; now: number; leaseMs: number; limit: number },
): Promise<Record<string, unknown>[]> {
  const due = `status = '${status}' AND next_poll_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)`;
  return db.query(
    `UPDATE ${table} SET lease_owner = $1, lease_until = $3
     WHERE id IN (SELECT id FROM ${table} WHERE ${due} ORDER BY next_poll_at LIMIT $4)
       AND ${due}
     RETURNING *`,
    [o.owner, o.now, o.now + o.leaseMs, o.limit],
  );
}
