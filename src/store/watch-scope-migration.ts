import type { Migration } from './migrations';

/**
 * Version 15 (accounts): a diagnosis watch remembers the account and region of its service, so the
 * watcher reads it there. Rows without them (older ones, and every watch of a single-account install)
 * mean the bot's default account and region.
 */
export const WATCH_SCOPE_MIGRATION: Migration = {
  version: 15,
  name: 'diagnosis-watch-scope',
  up: () => [
    `ALTER TABLE diagnosis_watches ADD COLUMN account TEXT`,
    `ALTER TABLE diagnosis_watches ADD COLUMN region TEXT`,
  ],
};
