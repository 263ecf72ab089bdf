import type { Queryable } from './db';

/**
 * SNS MessageIds already accepted. SNS delivers at least once and retries for up to an hour with the
 * same MessageId, so a row lives at least two hours (`prune`).
 */
export class SnsMessageRepo {
  constructor(private readonly db: Queryable) {}

  /** Records a MessageId; false when it was already there (a duplicate delivery). */
  async remember(messageId: string, topicArn: string, type: string, at: number, q: Queryable = this.db): Promise<boolean> {
    const n = await q.run(
      `INSERT INTO sns_messages (message_id, topic_arn, type, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING`,
      [messageId, topicArn, type, at],
    );
    return n > 0;
  }

  async seen(messageId: string, q: Queryable = this.db): Promise<boolean> {
    const rows = await q.query(`SELECT 1 AS one FROM sns_messages WHERE message_id = $1`, [messageId]);
    return rows.length > 0;
  }

  /** Forgets MessageIds received before `before`; returns how many. */
  prune(before: number): Promise<number> {
    return this.db.run(`DELETE FROM sns_messages WHERE received_at < $1`, [before]);
  }
}
