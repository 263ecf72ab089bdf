import type { Queryable } from './db';
import { json, num, strOrUndef } from './db';

export type AuditOutcome =
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'refused'
  | 'dry-run'
  | 'requested'
  | 'recorded'
  /** One approval of a change that needs several approvers, not yet the last. */
  | 'approved';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  requestId?: string;
  approver?: string;
  before?: unknown;
  after?: unknown;
  awsRequestId?: string;
  error?: string;
  detail?: unknown;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** Who did what, when, and with what result. Append-only. */
export class AuditRepo {
  constructor(private readonly db: Queryable) {}

  async record(e: NewAuditEntry, q: Queryable = this.db): Promise<number> {
    const rows = await q.query<{ id: number }>(
      `INSERT INTO audit (at, actor, action, target, outcome, request_id, approver, before_state, after_state, aws_request_id, error, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        e.at,
        e.actor,
        e.action,
        e.target,
        e.outcome,
        e.requestId,
        e.approver,
        e.before === undefined ? null : JSON.stringify(e.before),
        e.after === undefined ? null : JSON.stringify(e.after),
        e.awsRequestId,
        e.error,
        e.detail === undefined ? null : JSON.stringify(e.detail),
      ],
    );
    return num(rows[0].id);
  }

  async latest(limit = 10): Promise<AuditEntry[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM audit ORDER BY at DESC, id DESC LIMIT $1`,
      [Math.max(1, Math.min(limit, 200))],
    );
    return rows.map(rowToAudit);
  }

  async forRequest(requestId: string): Promise<AuditEntry[]> {
    const rows = await this.db.query<Record<string, unknown>>(`SELECT * FROM audit WHERE request_id = $1 ORDER BY id`, [
      requestId,
    ]);
    return rows.map(rowToAudit);
  }
}

function rowToAudit(r: Record<string, unknown>): AuditEntry {
  return {
    id: num(r.id),
    at: num(r.at),
    actor: String(r.actor),
    action: String(r.action),
    target: String(r.target),
    outcome: r.outcome as AuditOutcome,
    requestId: strOrUndef(r.request_id),
    approver: strOrUndef(r.approver),
    before: r.before_state == null ? undefined : json(r.before_state),
    after: r.after_state == null ? undefined : json(r.after_state),
    awsRequestId: strOrUndef(r.aws_request_id),
    error: strOrUndef(r.error),
    detail: r.detail == null ? undefined : json(r.detail),
  };
}
