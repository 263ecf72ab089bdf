import type { Migration } from './migrations';

/**
 * Version 4 (reactions and App Home): finding an incident by a message it owns, "handled by hand"
 * marks, and the CloudWatch mute rules a silence created. Portable SQL: epoch-ms BIGINT.
 */
export const REACTIONS_MIGRATION: Migration = {
  version: 4,
  name: 'reactions',
  up: () => [
    // A reaction names only (channel, ts): the card is found by its ts.
    `CREATE INDEX incidents_card_ts ON incidents (card_ts)`,
    // Thread replies known to belong to an incident (recorded when posted, or learnt once from Slack).
    `CREATE TABLE incident_messages (
      channel TEXT NOT NULL,
      ts TEXT NOT NULL,
      incident_id TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (channel, ts)
    )`,
    // Who marked an incident as handled by hand, and when (one mark per incident; the latest wins).
    `CREATE TABLE incident_marks (
      incident_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      user_id TEXT NOT NULL,
      at BIGINT NOT NULL,
      PRIMARY KEY (incident_id, kind)
    )`,
    // CloudWatch alarm mute rules created for a silence, so removing the reaction deletes them.
    `CREATE TABLE alarm_mute_rules (
      incident_id TEXT PRIMARY KEY,
      rule_name TEXT NOT NULL,
      alarm_name TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    )`,
  ],
};
