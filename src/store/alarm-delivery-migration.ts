import type { Migration } from './migrations';
import { sqlFor } from './db';

/**
 * Version 9 (alarm delivery that neither sticks nor doubles):
 * - `outbox_dead`: outbox items set aside after failing a bounded number of times, kept for operators
 *   (/ecs alarms, the doctor) instead of being retried for ever. Out of the `outbox` table, so that
 *   the next change of the same incident enqueues a fresh item under the same dedup key.
 * - `incidents.card_attempt_at`: when the bot last sent a card that Slack may have accepted without
 *   the bot hearing back (a crash, a lost answer); the next attempt first looks for it in the channel.
 */
export const ALARM_DELIVERY_MIGRATION: Migration = {
  version: 9,
  name: 'alarm-delivery',
  up: (d) => [
    `CREATE TABLE outbox_dead (
      id ${sqlFor(d).autoId},
      kind TEXT NOT NULL,
      dedup_key TEXT,
      channel TEXT,
      incident_id TEXT,
      payload TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      failed_at BIGINT NOT NULL,
      failure TEXT NOT NULL,
      last_error TEXT
    )`,
    `CREATE INDEX outbox_dead_failed ON outbox_dead (failed_at)`,
    `ALTER TABLE incidents ADD COLUMN card_attempt_at BIGINT`,
  ],
};
