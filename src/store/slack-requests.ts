import type { Queryable } from './db';

/**
 * Signatures of Slack requests already accepted, shared by every replica. Slack signs the timestamp
 * and the body, so the same signature means the same request sent again: a replay, never a retry
 * (Slack's retries carry a new timestamp, hence a new signature). A signature is remembered until its
 * timestamp leaves the window in which it would be accepted (`expiresAt`), then pruned.
 *
 * The same table remembers the Events API event ids already run (`claimEvent`): a retry is the same
 * event_id in a new request. Their keys start `event:`, which no signature (`v0=…`) does.
 */
export class SlackRequestRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Records a signature unless it is already there, in one statement (two replicas receiving the
   * same request at once: exactly one of them gets true). False means the request was seen before.
   */
  async claim(signature: string, expiresAt: number): Promise<boolean> {
    const n = await this.db.run(
      `INSERT INTO slack_request_signatures (signature, expires_at) VALUES ($1, $2) ON CONFLICT (signature) DO NOTHING`,
      [signature, expiresAt],
    );
    return n > 0;
  }

  /** Records an Events API event_id unless it is there; false means another copy of the event ran. */
  claimEvent(eventId: string, expiresAt: number): Promise<boolean> {
    return this.claim(`event:${eventId}`, expiresAt);
  }

  /** Forgets signatures and event ids whose window closed before `now`; returns how many. */
  prune(now: number): Promise<number> {
    return this.db.run(`DELETE FROM slack_request_signatures WHERE expires_at < $1`, [now]);
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM slack_request_signatures`);
    return Number(rows[0]?.n ?? 0);
  }
}
