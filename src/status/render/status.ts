/**
 * Pure renderers for /ecs status: all clusters, one cluster, one service. Each returns blocks within
 * Slack's limits (≤ 50 blocks, ≤ 3000 characters a section, a cumulative text budget); what does not
 * fit is summarised (mismatches first, the rest counted) and the full table is returned as a CSV
 * file for the caller to attach. Every name and message from AWS is escaped.
 */
export * from './status-common';
export * from './status-overview';
export * from './status-accounts';
export * from './status-cluster';
export * from './status-service';
