import type { Queryable } from './db';
import { num, numOrUndef, strOrUndef } from './db';
import { claimDueRows } from './lease';

export type WatchStatus = 'watching' | 'recovered' | 'expired' | 'gone';

/**
 * A service the bot keeps an eye on after a diagnosis found it short of its desired count, so the
 * alarm thread hears when it is back whatever fixed it. Persisted, so a restart keeps watching;
 * replicas share the polling through leases, like rollouts.
 */
export interface DiagnosisWatch {
  /** One watch per thread and service: `channel:threadTs:cluster/service`. */
  id: string;
  cluster: string;
  service: string;
  /** The configured account and region the service is in; both unset: the bot's default ones. */
  account?: string;
  region?: string;
  channel: string;
  threadTs: string;
  status: WatchStatus;
  /** Desired count when the watch started (for the record; recovery compares with the live one). */
  desired: number;
  startedAt: number;
  deadlineAt: number;
  nextPollAt: number;
  leaseOwner?: string;
  leaseUntil?: number;
  finishedAt?: number;
  /** "1 of 4 running, 3 pending" at the last poll. */
  lastSeen?: string;
  polls: number;
}

export type NewDiagnosisWatch = Pick<
  DiagnosisWatch,
  | 'cluster'
  | 'service'
  | 'account'
  | 'region'
  | 'channel'
  | 'threadTs'
  | 'desired'
  | 'startedAt'
  | 'deadlineAt'
  | 'nextPollAt'
>;

/** `channel:threadTs:cluster/service`, and `@account/region` after it for a service outside the default scope. */
export function watchId(
  w: Pick<DiagnosisWatch, 'channel' | 'threadTs' | 'cluster' | 'service' | 'account' | 'region'>,
): string {
  const where = w.account && w.region ? `@${w.account}/${w.region}` : '';
  return `${w.channel}:${w.threadTs}:${w.cluster}/${w.service}${where}`;
}

export class DiagnosisWatchRepo {
  constructor(private readonly db: Queryable) {}

  /** Starts watching, or restarts the watch of the same thread and service (a later diagnosis). */
  async watch(w: NewDiagnosisWatch): Promise<string> {
    const id = watchId(w);
    await this.db.run(
      `INSERT INTO diagnosis_watches (id, cluster, service, channel, thread_ts, status, desired, started_at, deadline_at, next_poll_at, polls, account, region)
       VALUES ($1, $2, $3, $4, $5, 'watching', $6, $7, $8, $9, 0, $10, $11)
       ON CONFLICT (id) DO UPDATE SET status = 'watching', desired = excluded.desired, started_at = excluded.started_at,
         deadline_at = excluded.deadline_at, next_poll_at = excluded.next_poll_at, lease_owner = NULL, lease_until = NULL,
         finished_at = NULL, last_seen = NULL, polls = 0`,
      [
        id,
        w.cluster,
        w.service,
        w.channel,
        w.threadTs,
        w.desired,
        w.startedAt,
        w.deadlineAt,
        w.nextPollAt,
        // Both or neither: a watch is in one place.
        w.account && w.region ? w.account : null,
        w.account && w.region ? w.region : null,
      ],
    );
    return id;
  }

  async get(id: string): Promise<DiagnosisWatch | undefined> {
    const rows = await this.db.query(`SELECT * FROM diagnosis_watches WHERE id = $1`, [id]);
    return rows[0] ? toWatch(rows[0]) : undefined;
  }

  /** Leases up to `limit` due rows to `owner` until now + leaseMs (see claimDueRows). */
  async claimDue(owner: string, now: number, leaseMs: number, limit = 20): Promise<DiagnosisWatch[]> {
    const rows = await claimDueRows(this.db, 'diagnosis_watches', 'watching', { owner, now, leaseMs, limit });
    return rows.map(toWatch);
  }

  /** Records a poll and releases the lease; false when the lease was lost. */
  async reschedule(id: string, owner: string, nextPollAt: number, lastSeen: string): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE diagnosis_watches SET next_poll_at = $3, last_seen = $4, polls = polls + 1, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'watching'`,
      [id, owner, nextPollAt, lastSeen],
    );
    return n === 1;
  }

  /** Ends the watch; false when the lease was lost (another replica finished it). */
  async finish(
    id: string,
    owner: string,
    status: Exclude<WatchStatus, 'watching'>,
    now: number,
    lastSeen?: string,
  ): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE diagnosis_watches SET status = $3, finished_at = $4, last_seen = COALESCE($5, last_seen), polls = polls + 1, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'watching'`,
      [id, owner, status, now, lastSeen ?? null],
    );
    return n === 1;
  }
}

function toWatch(r: Record<string, unknown>): DiagnosisWatch {
  return {
    id: String(r.id),
    cluster: String(r.cluster),
    service: String(r.service),
    ...(strOrUndef(r.account) && strOrUndef(r.region)
      ? { account: strOrUndef(r.account), region: strOrUndef(r.region) }
      : {}),
    channel: String(r.channel),
    threadTs: String(r.thread_ts),
    status: r.status as WatchStatus,
    desired: num(r.desired),
    startedAt: num(r.started_at),
    deadlineAt: num(r.deadline_at),
    nextPollAt: num(r.next_poll_at),
    leaseOwner: strOrUndef(r.lease_owner),
    leaseUntil: numOrUndef(r.lease_until),
    finishedAt: numOrUndef(r.finished_at),
    lastSeen: strOrUndef(r.last_seen),
    polls: num(r.polls),
  };
}
