import type { Migration } from './migrations';

/** Version 3 (approvals): change requests and the rollouts followed after them. */
export const APPROVALS_MIGRATION: Migration = {
  version: 3,
  name: 'approvals',
  up: () => [
    `CREATE TABLE change_requests (
      id TEXT PRIMARY KEY,
      action TEXT NOT NULL,
      cluster TEXT NOT NULL,
      service TEXT,
      target TEXT NOT NULL,
      proposal TEXT NOT NULL,
      plan TEXT NOT NULL,
      status TEXT NOT NULL,
      requested_by TEXT NOT NULL,
      reason TEXT,
      channel_id TEXT NOT NULL,
      thread_ts TEXT,
      card_channel TEXT,
      card_ts TEXT,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      decided_by TEXT,
      decided_at BIGINT,
      finished_at BIGINT,
      result TEXT,
      error TEXT
    )`,
    `CREATE INDEX change_requests_status ON change_requests (status, expires_at)`,
    `CREATE TABLE rollouts (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL,
      target TEXT NOT NULL,
      channel TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at BIGINT NOT NULL,
      deadline_at BIGINT NOT NULL,
      next_poll_at BIGINT NOT NULL,
      last_progress TEXT,
      lease_owner TEXT,
      lease_until BIGINT,
      finished_at BIGINT,
      polls INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX rollouts_due ON rollouts (status, next_poll_at)`,
    `CREATE UNIQUE INDEX rollouts_request ON rollouts (request_id)`,
  ],
};
