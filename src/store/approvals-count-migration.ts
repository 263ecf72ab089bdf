import type { Migration } from './migrations';

/**
 * Version 10 (accounts): a change may need several distinct approvers. Each approval is a row of its
 * own, unique per (request, approver), so the same person clicking twice counts once; the number a
 * request needs is fixed when it is made (existing requests need one, as before).
 */
export const APPROVALS_COUNT_MIGRATION: Migration = {
  version: 10,
  name: 'approvals-count',
  up: () => [
    `ALTER TABLE change_requests ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 1`,
    `CREATE TABLE change_request_approvals (
      request_id TEXT NOT NULL,
      approver TEXT NOT NULL,
      at BIGINT NOT NULL,
      PRIMARY KEY (request_id, approver)
    )`,
  ],
};
