import type { Queryable } from './db';

/** What identifies one SNS delivery: a retry repeats the same MessageId and the same (signed) Timestamp. */
export interface SnsDelivery {
  MessageId: string;
  /** The envelope's Timestamp (publish time, ISO 8601 UTC), exactly as sent. */
  Timestamp: string;
  TopicArn: string;
  Type: string;
}

/**
 * SNS MessageIds already accepted. SNS delivers at least once and retries for up to an hour with the
 * same MessageId and Timestamp, so a row lives at least two hours (`prune`).
 *
 * The key is (publish time, MessageId), not the MessageId alone: MessageIds are random UUIDs, so a
 * key of their own sends every insert to a random page of the index, and a batch of 30 notifications
 * dirtied about 30 pages that the commit then writes to the WAL. Led by the publish time, inserts
 * land on the index's last pages (`bench/`: about half the WAL frames per commit of an alarm storm).
 */
export class SnsMessageRepo {
  constructor(private readonly db: Queryable) {}

  /** Records a delivery; false when it was already there (a duplicate delivery). */
  async remember(m: SnsDelivery, at: number, q: Queryable = this.db): Promise<boolean> {
    const n = await q.run(
      `INSERT INTO sns_messages (published, message_id, topic_arn, type, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (published, message_id) DO NOTHING`,
      [m.Timestamp, m.MessageId, m.TopicArn, m.Type, at],
    );
    return n > 0;
  }

  async seen(m: Pick<SnsDelivery, 'MessageId' | 'Timestamp'>, q: Queryable = this.db): Promise<boolean> {
    const rows = await q.query(`SELECT 1 AS one FROM sns_messages WHERE published = $1 AND message_id = $2`, [
      m.Timestamp,
      m.MessageId,
    ]);
    return rows.length > 0;
  }

  /** Forgets MessageIds received before `before`; returns how many. */
  prune(before: number): Promise<number> {
    return this.db.run(`DELETE FROM sns_messages WHERE received_at < $1`, [before]);
  }
}
