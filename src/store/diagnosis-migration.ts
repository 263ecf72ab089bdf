import type { Migration } from './migrations';

/** Version 6 (the Diagnose button's watches): services the bot watches in an alarm thread after a diagnosis. */
export const DIAGNOSIS_MIGRATION: Migration = {
  version: 6,
  name: 'diagnosis-watches',
  up: () => [
    `CREATE TABLE diagnosis_watches (
      id TEXT PRIMARY KEY,
      cluster TEXT NOT NULL,
      service TEXT NOT NULL,
      channel TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      status TEXT NOT NULL,
      desired INTEGER NOT NULL,
      started_at BIGINT NOT NULL,
      deadline_at BIGINT NOT NULL,
      next_poll_at BIGINT NOT NULL,
      lease_owner TEXT,
      lease_until BIGINT,
      finished_at BIGINT,
      last_seen TEXT,
      polls INTEGER NOT NULL
    )`,
    `CREATE INDEX diagnosis_watches_due ON diagnosis_watches (status, next_poll_at)`,
  ],
};
