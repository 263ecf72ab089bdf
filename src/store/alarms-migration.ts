import type { Dialect } from './db';
import { sqlFor } from './db';

/**
 * Migration 2 (alarms): SNS message dedup, incidents with their timeline, storm digests, and the outbox
 * that carries every Slack post. Portable SQL: epoch-ms BIGINT, JSON as TEXT.
 */
export const ALARMS_MIGRATION = {
  version: 2,
  name: 'alarms',
  up: (d: Dialect): string[] => [
    `CREATE TABLE sns_messages (
      message_id TEXT PRIMARY KEY,
      topic_arn TEXT NOT NULL,
      type TEXT NOT NULL,
      received_at BIGINT NOT NULL
    )${d === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    `CREATE INDEX sns_messages_received ON sns_messages (received_at)`,
    `CREATE TABLE incidents (
      id TEXT PRIMARY KEY,
      alarm_key TEXT NOT NULL,
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL,
      name TEXT NOT NULL,
      state TEXT NOT NULL,
      state_at BIGINT NOT NULL,
      fired_at BIGINT,
      alarm_since BIGINT,
      resolved_at BIGINT,
      alarm_ms BIGINT NOT NULL DEFAULT 0,
      flaps INTEGER NOT NULL DEFAULT 0,
      updates INTEGER NOT NULL DEFAULT 1,
      cluster TEXT,
      service TEXT,
      channel TEXT,
      card_ts TEXT,
      card_kind TEXT,
      card_posted_at BIGINT,
      digest_id TEXT,
      version INTEGER NOT NULL DEFAULT 1,
      rendered_version INTEGER NOT NULL DEFAULT 0,
      ack_by TEXT,
      ack_at BIGINT,
      silenced_by TEXT,
      silenced_until BIGINT,
      notification TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      UNIQUE (alarm_key, seq)
    )`,
    `CREATE INDEX incidents_card_posted ON incidents (card_posted_at)`,
    `CREATE INDEX incidents_digest ON incidents (digest_id)`,
    `CREATE TABLE incident_events (
      id ${sqlFor(d).autoId},
      incident_id TEXT NOT NULL,
      at BIGINT NOT NULL,
      kind TEXT NOT NULL,
      state TEXT,
      text TEXT NOT NULL,
      posted INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX incident_events_pending ON incident_events (incident_id, posted, id)`,
    `CREATE TABLE alarm_digests (
      id TEXT PRIMARY KEY,
      channel TEXT NOT NULL,
      ts TEXT,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX alarm_digests_channel ON alarm_digests (channel, created_at)`,
    `CREATE TABLE outbox (
      id ${sqlFor(d).autoId},
      kind TEXT NOT NULL,
      dedup_key TEXT UNIQUE,
      channel TEXT,
      incident_id TEXT,
      payload TEXT NOT NULL,
      version INTEGER NOT NULL DEFAULT 1,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL,
      available_at BIGINT NOT NULL,
      claimed_by TEXT,
      claimed_until BIGINT,
      last_error TEXT
    )`,
    `CREATE INDEX outbox_due ON outbox (available_at, id)`,
  ],
};
