import type { Migration } from './migrations';

/**
 * Version 8: the signatures of Slack requests the bot has accepted, so that the same signed bytes
 * sent again are refused by every replica (see SlackRequestRepo). A row is only needed while Slack's
 * timestamp window could still accept its request, so rows expire minutes after they are written.
 */
export const SLACK_REQUESTS_MIGRATION: Migration = {
  version: 8,
  name: 'slack-request-signatures',
  up: (d) => [
    `CREATE TABLE slack_request_signatures (
      signature TEXT NOT NULL PRIMARY KEY,
      expires_at BIGINT NOT NULL
    )${d === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    `CREATE INDEX slack_request_signatures_expires ON slack_request_signatures (expires_at)`,
  ],
};
