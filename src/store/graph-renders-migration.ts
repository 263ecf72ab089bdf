import type { Migration } from './migrations';

/**
 * Version 14 (graph renders across replicas): `graph_renders` keeps when each message last had a
 * graph rendered, so "at most one render per message per minute" holds whichever replica renders.
 */
export const GRAPH_RENDERS_MIGRATION: Migration = {
  version: 14,
  name: 'graph-renders',
  up: () => [
    `CREATE TABLE graph_renders (
      render_key TEXT PRIMARY KEY,
      last_at BIGINT NOT NULL
    )`,
    `CREATE INDEX graph_renders_last_at ON graph_renders (last_at)`,
  ],
};
