import type { Queryable } from './db';
import type { RevisionDiff } from '../ecs/revision-diff';
import { json, num, numOrUndef, strOrUndef } from './db';

/*
 * What a change request stores. The approval flow (src/approvals) gives these shapes their meaning:
 * an executor plans a proposal, an approver approves, and the same executor applies it exactly once.
 */

export type ChangeAction =
  | 'scale-service'
  | 'scale-instances'
  | 'container-insights'
  | 'restart-service'
  | 'rollback-service'
  | 'alarm-create'
  | 'alarm-delete';

export type InsightsValue = 'enabled' | 'enhanced' | 'disabled';

export interface ChangeProposal {
  action: ChangeAction;
  cluster: string;
  /** scale-service / restart-service / rollback-service */
  service?: string;
  /**
   * rollback-service: the revision to deploy as the requester named it (`family:N`, `N` or a task-definition
   * ARN); undefined: the previous revision that ran steady.
   */
  revision?: string;
  /** scale-service / scale-instances */
  desired?: number;
  /** scale-instances: the Auto Scaling group to scale, when the cluster has several. */
  group?: string;
  /** container-insights */
  insights?: InsightsValue;
  /** alarm-create / alarm-delete: the alarm definition, as the alarm-admin executors read it. */
  alarm?: Record<string, unknown>;
  reason?: string;
  /** The configured account and region the change is in (several accounts or regions); else the default. */
  account?: string;
  region?: string;
}

/**
 * Where a change runs and how CloudTrail names it: the account and region, and the session an
 * approved change assumes there (`ecs-chatops-<request id>`, with the approver as source identity).
 */
export interface ChangeWhere {
  account: string;
  region: string;
  /** 12 digits, when known. */
  accountId?: string;
  /** The role the change session assumes; undefined when the change runs with the bot's own credentials. */
  roleArn?: string;
  /** RoleSessionName of the change session (set once the request has its id). */
  sessionName?: string;
}

/** A value as the card shows it and as the store compares it ("was X, now Y"). */
export interface StateValue {
  /** Compared with JSON equality before executing: must be plain JSON. */
  value: string | number | boolean | null;
  /** Human text, e.g. "1 task" or "enabled". */
  label: string;
}

/** What the rollout follower watches after a successful change; undefined means nothing to follow. */
export type FollowUp = (
  | { kind: 'service'; cluster: string; service: string; desired: number }
  | { kind: 'instances'; cluster: string; group: string; desired: number }
  /** One ECS deployment of a service (restart), followed until it completes, fails or is rolled back. */
  | { kind: 'deployment'; cluster: string; service: string; deploymentId: string; taskDefinition: string }
) & {
  /** The account and region to read the rollout in (several accounts or regions). */
  where?: { account: string; region: string };
};

/**
 * The plan an executor builds from the current state. It is stored with the request (JSON), shown on
 * the card and in a dry run, and handed back to `execute`. Everything in it must be plain JSON.
 */
export interface ChangePlan {
  action: ChangeAction;
  cluster: string;
  service?: string;
  /** What is changed, for the card and the audit: "EcsLabCluster/EcsLabApi", "EcsLabCluster · group EcsLabAsg". */
  target: string;
  /** One line: "Scale service EcsLabCluster/EcsLabApi from 1 to 4 tasks". Plain text (renderers escape it). */
  summary: string;
  /** The value re-read before executing; a difference stops the change. */
  current: StateValue;
  requested: StateValue;
  /** Facts about the target (plain text, one per line): running/pending, task size, min/max … */
  details: string[];
  /** Side effects stated plainly (plain text): "Max size is raised from 1 to 4 so the desired capacity fits." */
  effects: string[];
  /** What may undo or defeat the change (plain text). */
  warnings: string[];
  /** Executor-specific data needed by execute (group name, new max size …). */
  data: Record<string, unknown>;
  /** rollback-service: what changes between the revision the service runs and the one it goes back to. */
  revisionDiff?: RevisionDiff;
  /** Set by the approval flow (not executors) when several accounts or regions are configured. */
  where?: ChangeWhere;
}

/** What an executor reports after the change. */
export interface ExecutionResult {
  /** The state after the change (plain JSON, audited as `after`). */
  after: unknown;
  /** `$metadata.requestId` of the mutating call. */
  awsRequestId?: string;
  /** One line for the card: "Desired count is now 4." */
  summary: string;
  followUp?: FollowUp;
}

export type ChangeStatus = 'pending' | 'executing' | 'succeeded' | 'failed' | 'rejected' | 'cancelled' | 'expired';

/** A change request as stored: the proposal, the plan it was approved against, and its life cycle. */
export interface ChangeRequest {
  id: string;
  action: ChangeAction;
  cluster: string;
  service?: string;
  target: string;
  proposal: ChangeProposal;
  plan: ChangePlan;
  status: ChangeStatus;
  requestedBy: string;
  reason?: string;
  /** Where it was requested (and where the card is posted). */
  channelId: string;
  threadTs?: string;
  /** The approval card, once posted. */
  cardChannel?: string;
  cardTs?: string;
  createdAt: number;
  expiresAt: number;
  decidedBy?: string;
  decidedAt?: number;
  finishedAt?: number;
  /** Distinct approvers the change needs (the policy's `approvals` when it was requested; 1 by default). */
  approvalsNeeded: number;
  /** Who has approved so far, oldest first; filled by `withApprovals` (not by every query). */
  approvals?: string[];
  /** ExecutionResult as JSON once succeeded. */
  result?: unknown;
  error?: string;
}

export type NewChangeRequest = Pick<
  ChangeRequest,
  | 'id'
  | 'action'
  | 'cluster'
  | 'service'
  | 'target'
  | 'proposal'
  | 'plan'
  | 'requestedBy'
  | 'reason'
  | 'channelId'
  | 'threadTs'
  | 'createdAt'
  | 'expiresAt'
> & { approvalsNeeded?: number };

/**
 * Change requests and their state machine. Every transition is one conditional UPDATE … RETURNING,
 * so it happens at most once however many clicks, retries or replicas race for it:
 *
 *   pending ──claim──▶ executing ──finish──▶ succeeded | failed
 *   pending ──decide─▶ rejected | cancelled      pending ──expire──▶ expired
 *   executing (stale, after a crash) ──interrupt──▶ failed          (never run again)
 */
export class ChangeRequestRepo {
  constructor(private readonly db: Queryable) {}

  async create(r: NewChangeRequest): Promise<ChangeRequest> {
    const rows = await this.db.query(
      `INSERT INTO change_requests (id, action, cluster, service, target, proposal, plan, status, requested_by, reason, channel_id, thread_ts, created_at, expires_at, approvals_needed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
      [
        r.id,
        r.action,
        r.cluster,
        r.service,
        r.target,
        JSON.stringify(r.proposal),
        JSON.stringify(r.plan),
        r.requestedBy,
        r.reason,
        r.channelId,
        r.threadTs,
        r.createdAt,
        r.expiresAt,
        r.approvalsNeeded ?? 1,
      ],
    );
    return toRequest(rows[0]);
  }

  async get(id: string): Promise<ChangeRequest | undefined> {
    const rows = await this.db.query(`SELECT * FROM change_requests WHERE id = $1`, [id]);
    return rows[0] ? toRequest(rows[0]) : undefined;
  }

  async setCard(id: string, channel: string, ts: string): Promise<void> {
    await this.db.run(`UPDATE change_requests SET card_channel = $2, card_ts = $3 WHERE id = $1`, [id, channel, ts]);
  }

  /**
   * Records `approver`'s approval of a pending, unexpired request (once per person: a second click
   * adds nothing), then tries the transition to executing, which succeeds only once the request has
   * as many distinct approvals as it needs. `claimed` is set for the single caller that won it; the
   * approvals so far are returned either way. The row count is re-read inside the conditional UPDATE,
   * so concurrent approvals can neither run the change twice nor leave it pending with enough approvals.
   */
  async approve(
    id: string,
    approver: string,
    now: number,
  ): Promise<{ added: boolean; claimed?: ChangeRequest; approvals: string[] }> {
    const inserted = await this.db.query(
      `INSERT INTO change_request_approvals (request_id, approver, at)
       SELECT id, $2, $3 FROM change_requests WHERE id = $1 AND status = 'pending' AND expires_at > $3
       ON CONFLICT (request_id, approver) DO NOTHING RETURNING approver`,
      [id, approver, now],
    );
    const rows = await this.db.query(
      `UPDATE change_requests SET status = 'executing', decided_by = $2, decided_at = $3
       WHERE id = $1 AND status = 'pending' AND expires_at > $3
         AND (SELECT COUNT(*) FROM change_request_approvals a WHERE a.request_id = $1) >= approvals_needed
       RETURNING *`,
      [id, approver, now],
    );
    const approvals = await this.approvers(id);
    return {
      added: inserted.length > 0,
      claimed: rows[0] ? { ...toRequest(rows[0]), approvals } : undefined,
      approvals,
    };
  }

  /** The distinct approvers of a request so far, oldest first. */
  async approvers(id: string): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT approver FROM change_request_approvals WHERE request_id = $1 ORDER BY at, approver`,
      [id],
    );
    return rows.map((r) => String(r.approver));
  }

  /** The request with its approvals so far (for the card and the audit). */
  async withApprovals(r: ChangeRequest): Promise<ChangeRequest> {
    return r.approvalsNeeded > 1 ? { ...r, approvals: await this.approvers(r.id) } : r;
  }

  /**
   * The one transition that leads to an AWS change: pending → executing, recording the approver.
   * Returns the row only to the single caller that won it; undefined when the request is not pending
   * any more or has expired.
   */
  async claimForExecution(id: string, approver: string, now: number): Promise<ChangeRequest | undefined> {
    const rows = await this.db.query(
      `UPDATE change_requests SET status = 'executing', decided_by = $2, decided_at = $3
       WHERE id = $1 AND status = 'pending' AND expires_at > $3 RETURNING *`,
      [id, approver, now],
    );
    return rows[0] ? toRequest(rows[0]) : undefined;
  }

  /** executing → succeeded | failed. Undefined if the request was not executing (already finished). */
  async finish(
    id: string,
    outcome: { status: 'succeeded' | 'failed'; result?: unknown; error?: string },
    now: number,
  ): Promise<ChangeRequest | undefined> {
    const rows = await this.db.query(
      `UPDATE change_requests SET status = $2, result = $3, error = $4, finished_at = $5
       WHERE id = $1 AND status = 'executing' RETURNING *`,
      [id, outcome.status, outcome.result === undefined ? null : JSON.stringify(outcome.result), outcome.error, now],
    );
    return rows[0] ? toRequest(rows[0]) : undefined;
  }

  /** pending → rejected | cancelled by `by`, only while not expired. Cancelling is the requester's alone. */
  async decide(
    id: string,
    status: 'rejected' | 'cancelled',
    by: string,
    now: number,
  ): Promise<ChangeRequest | undefined> {
    const onlyRequester = status === 'cancelled' ? ' AND requested_by = $2' : '';
    const rows = await this.db.query(
      `UPDATE change_requests SET status = $4, decided_by = $2, decided_at = $3, finished_at = $3
       WHERE id = $1 AND status = 'pending' AND expires_at > $3${onlyRequester} RETURNING *`,
      [id, by, now, status],
    );
    return rows[0] ? toRequest(rows[0]) : undefined;
  }

  /** Marks pending requests whose time is up as expired; each row is returned to exactly one caller. */
  async expireDue(now: number, limit = 50): Promise<ChangeRequest[]> {
    const rows = await this.db.query(
      `UPDATE change_requests SET status = 'expired', finished_at = $1
       WHERE id IN (SELECT id FROM change_requests WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2)
         AND status = 'pending' AND expires_at <= $1
       RETURNING *`,
      [now, limit],
    );
    return rows.map(toRequest);
  }

  /**
   * Requests left in `executing` since before `decidedBefore` (the process died mid-change): marked
   * failed, never re-run, because running a change twice is worse than asking a human to check.
   */
  async failInterrupted(decidedBefore: number, now: number, error: string, limit = 50): Promise<ChangeRequest[]> {
    const rows = await this.db.query(
      `UPDATE change_requests SET status = 'failed', error = $3, finished_at = $2
       WHERE id IN (SELECT id FROM change_requests WHERE status = 'executing' AND decided_at <= $1 ORDER BY decided_at LIMIT $4)
         AND status = 'executing' AND decided_at <= $1
       RETURNING *`,
      [decidedBefore, now, error, limit],
    );
    return rows.map(toRequest);
  }

  /** One service's requests, newest first: the changes the bot was asked to make to it. */
  async forService(cluster: string, service: string, limit = 50): Promise<ChangeRequest[]> {
    const rows = await this.db.query(
      `SELECT * FROM change_requests WHERE cluster = $1 AND service = $2 ORDER BY created_at DESC, id LIMIT $3`,
      [cluster, service, Math.max(1, Math.min(limit, 500))],
    );
    return rows.map(toRequest);
  }

  /** Newest first, optionally only some statuses. */
  async list(o: { statuses?: ChangeStatus[]; limit?: number } = {}): Promise<ChangeRequest[]> {
    const params: (string | number)[] = [];
    let where = '';
    if (o.statuses?.length) {
      where = `WHERE status IN (${o.statuses
        .map((s) => {
          params.push(s);
          return `$${params.length}`;
        })
        .join(', ')})`;
    }
    params.push(Math.max(1, Math.min(o.limit ?? 50, 500)));
    const rows = await this.db.query(
      `SELECT * FROM change_requests ${where} ORDER BY created_at DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRequest);
  }
}

function toRequest(r: Record<string, unknown>): ChangeRequest {
  return {
    id: String(r.id),
    action: r.action as ChangeAction,
    cluster: String(r.cluster),
    service: strOrUndef(r.service),
    target: String(r.target),
    proposal: json<ChangeProposal>(r.proposal),
    plan: json<ChangePlan>(r.plan),
    status: r.status as ChangeStatus,
    requestedBy: String(r.requested_by),
    reason: strOrUndef(r.reason),
    channelId: String(r.channel_id),
    threadTs: strOrUndef(r.thread_ts),
    cardChannel: strOrUndef(r.card_channel),
    cardTs: strOrUndef(r.card_ts),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    decidedBy: strOrUndef(r.decided_by),
    decidedAt: numOrUndef(r.decided_at),
    finishedAt: numOrUndef(r.finished_at),
    approvalsNeeded: r.approvals_needed == null ? 1 : num(r.approvals_needed),
    result: r.result == null ? undefined : json(r.result),
    error: strOrUndef(r.error),
  };
}
