import type { FlagSpec } from '../context';
import { UsageError } from '../errors';
import { parseTargetWords } from '../slack/commands/parse';
import { SCOPE_FLAGS, SCOPE_USAGE } from '../slack/commands/scope-flags';

export const DEPLOYMENTS_USAGE = `deployments <cluster>/<service> [--limit N] ${SCOPE_USAGE}`;
export const DEPLOYMENTS_FLAGS: FlagSpec = { ...SCOPE_FLAGS, limit: 'string' };
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 25;

export interface DeploymentsRequest {
  cluster: string;
  service: string;
  limit: number;
}

/** Validates the words and flags of /ecs deployments; nothing is read from AWS before this passes. */
export function parseDeploymentsRequest(
  args: { positional: string[]; flags: Record<string, string | boolean> },
  defaultCluster?: string,
): DeploymentsRequest {
  if (args.positional.length === 0)
    throw new UsageError('name the service whose deployments to list', DEPLOYMENTS_USAGE);
  const t = parseTargetWords(args.positional, DEPLOYMENTS_USAGE);
  const service = t.bare ?? t.service;
  if (!service) throw new UsageError('name a service: deployments are listed per service', DEPLOYMENTS_USAGE);
  const cluster = t.cluster ?? defaultCluster;
  if (!cluster)
    throw new UsageError(
      `no cluster named for service "${service.slice(0, 80)}", and no default cluster is set (ECS_DEFAULT_CLUSTER)`,
      DEPLOYMENTS_USAGE,
    );
  let limit = DEFAULT_LIMIT;
  const l = args.flags.limit;
  if (l !== undefined) {
    if (typeof l !== 'string' || !/^\d{1,4}$/.test(l.trim()))
      throw new UsageError(
        `--limit takes a whole number from 1 to ${MAX_LIMIT}, not "${String(l).slice(0, 40)}"`,
        DEPLOYMENTS_USAGE,
      );
    limit = Number(l);
    if (limit < 1 || limit > MAX_LIMIT)
      throw new UsageError(`--limit must be from 1 to ${MAX_LIMIT}, not ${limit}`, DEPLOYMENTS_USAGE);
  }
  return { cluster, service, limit };
}
