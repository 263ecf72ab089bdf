import type { FollowUp } from './change-requests';
import type { Queryable } from './db';
import { json, num, numOrUndef, strOrUndef } from './db';
import { claimDueRows } from './lease';

export type RolloutStatus = 'following' | 'reached' | 'timed-out' | 'stopped';

/** A rollout the bot follows in a change request's thread until it is reached or times out. */
export interface Rollout {
  id: string;
  requestId: string;
  target: FollowUp;
  channel: string;
  threadTs: string;
  status: RolloutStatus;
  startedAt: number;
  deadlineAt: number;
  nextPollAt: number;
  /** Last progress line posted, so a line is posted only when progress changes. */
  lastProgress?: string;
  leaseOwner?: string;
  leaseUntil?: number;
  finishedAt?: number;
  polls: number;
}

export type NewRollout = Pick<
  Rollout,
  'id' | 'requestId' | 'target' | 'channel' | 'threadTs' | 'startedAt' | 'deadlineAt' | 'nextPollAt'
>;

/**
 * Rollouts being followed, persisted so a restart resumes following. Replicas share the work through
 * leases: a conditional UPDATE hands each due row to one follower at a time.
 */
export class RolloutRepo {
  constructor(private readonly db: Queryable) {}

  async create(r: NewRollout): Promise<void> {
    await this.db.run(
      `INSERT INTO rollouts (id, request_id, target, channel, thread_ts, status, started_at, deadline_at, next_poll_at, polls)
       VALUES ($1, $2, $3, $4, $5, 'following', $6, $7, $8, 0)`,
      [r.id, r.requestId, JSON.stringify(r.target), r.channel, r.threadTs, r.startedAt, r.deadlineAt, r.nextPollAt],
    );
  }

  async get(id: string): Promise<Rollout | undefined> {
    const rows = await this.db.query(`SELECT * FROM rollouts WHERE id = $1`, [id]);
    return rows[0] ? toRollout(rows[0]) : undefined;
  }

  async forRequest(requestId: string): Promise<Rollout | undefined> {
    const rows = await this.db.query(`SELECT * FROM rollouts WHERE request_id = $1`, [requestId]);
    return rows[0] ? toRollout(rows[0]) : undefined;
  }

  /** Leases up to `limit` due rows to `owner` until now + leaseMs (see claimDueRows). */
  async claimDue(owner: string, now: number, leaseMs: number, limit = 20): Promise<Rollout[]> {
    const rows = await claimDueRows(this.db, 'rollouts', 'following', { owner, now, leaseMs, limit });
    return rows.map(toRollout);
  }

  /** Records a poll and releases the lease; false when the lease was lost to another follower. */
  async progress(id: string, owner: string, o: { lastProgress?: string; nextPollAt: number }): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE rollouts SET last_progress = COALESCE($3, last_progress), next_poll_at = $4, polls = polls + 1, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'following'`,
      [id, owner, o.lastProgress ?? null, o.nextPollAt],
    );
    return n === 1;
  }

  /** Ends following (reached, timed out or stopped); false when the lease was lost. */
  async finish(
    id: string,
    owner: string,
    status: Exclude<RolloutStatus, 'following'>,
    now: number,
    lastProgress?: string,
  ): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE rollouts SET status = $3, finished_at = $4, last_progress = COALESCE($5, last_progress), polls = polls + 1, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'following'`,
      [id, owner, status, now, lastProgress ?? null],
    );
    return n === 1;
  }

  async listFollowing(): Promise<Rollout[]> {
    const rows = await this.db.query(`SELECT * FROM rollouts WHERE status = 'following' ORDER BY started_at`);
    return rows.map(toRollout);
  }
}

function toRollout(r: Record<string, unknown>): Rollout {
  return {
    id: String(r.id),
    requestId: String(r.request_id),
    target: json<FollowUp>(r.target),
    channel: String(r.channel),
    threadTs: String(r.thread_ts),
    status: r.status as RolloutStatus,
    startedAt: num(r.started_at),
    deadlineAt: num(r.deadline_at),
    nextPollAt: num(r.next_poll_at),
    lastProgress: strOrUndef(r.last_progress),
    leaseOwner: strOrUndef(r.lease_owner),
    leaseUntil: numOrUndef(r.lease_until),
    finishedAt: numOrUndef(r.finished_at),
    polls: num(r.polls),
  };
}
