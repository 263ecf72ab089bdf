import type { Migration } from './migrations';

/**
 * Version 7 (SNS ingest speed): SNS deliveries keyed by (publish time, MessageId) instead of
 * the random MessageId alone, so that inserts append to the index (see SnsMessageRepo).
 *
 * The table only holds the last two hours of MessageIds, for deduplicating SNS retries, so it is
 * recreated rather than converted: the old rows carry no publish time to key them by. A retry of a
 * message accepted just before the upgrade is therefore applied once more; for an alarm that is the
 * same state at the same StateChangeTime, which the incident rules treat as unchanged (no card post).
 */
export const SNS_DEDUP_MIGRATION: Migration = {
  version: 7,
  name: 'sns-dedup-by-publish-time',
  up: (d) => [
    `DROP TABLE sns_messages`,
    `CREATE TABLE sns_messages (
      published TEXT NOT NULL,
      message_id TEXT NOT NULL,
      topic_arn TEXT NOT NULL,
      type TEXT NOT NULL,
      received_at BIGINT NOT NULL,
      PRIMARY KEY (published, message_id)
    )${d === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    `CREATE INDEX sns_messages_received ON sns_messages (received_at)`,
  ],
};
