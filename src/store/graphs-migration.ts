import type { Migration } from './migrations';

/**
 * Version 13 (pictures in the message): `message_graphs` keeps, per Slack message, the uploaded file
 * its image block shows, the file still waiting for Slack to accept it, what the image was rendered
 * for (so a state change renders it again), the refusals counted towards the fallback, and why there
 * is no image when the bot may not render or upload one.
 */
export const GRAPHS_MIGRATION: Migration = {
  version: 13,
  name: 'message-graphs',
  up: () => [
    `CREATE TABLE message_graphs (
      channel TEXT NOT NULL,
      ts TEXT NOT NULL,
      file_id TEXT,
      pending_file_id TEXT,
      rendered_for TEXT,
      rendered_at BIGINT,
      attempts INTEGER NOT NULL DEFAULT 0,
      problem TEXT,
      shared_in_thread INTEGER NOT NULL DEFAULT 0,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (channel, ts)
    )`,
  ],
};
