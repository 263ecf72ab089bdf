import { auditCommand } from './commands/audit';
import { insightsCommand } from './commands/insights';
import { scaleCommand } from './commands/scale';
import type { AppContext, Feature } from '../context';
import { expiryWorker } from './expiry';
import { registerApprovalListeners } from './listeners';
import { rolloutFollower } from './rollout-follower';
import { policyFor, type ApprovalsOptions } from './runtime';

/**
 * Change requests: `/ecs scale`, `/ecs insights`, `/ecs audit`, the Approve / Reject / Cancel and
 * propose buttons, the alarm card's Scale… button, the rollout follower and the expiry worker.
 * Builds the policy at once so an invalid POLICY_FILE stops the bot at start (ConfigError).
 */
export function approvalsFeature(ctx: AppContext, options: ApprovalsOptions = {}): Feature {
  policyFor(ctx, options.groupTtlMs);
  const owner = options.instanceId ?? `follower-${ctx.newId(6)}`;
  return {
    name: 'approvals',
    subcommands: [scaleCommand, insightsCommand, auditCommand],
    register(app) {
      registerApprovalListeners(app, ctx);
    },
    workers: [
      rolloutFollower(ctx, { owner, intervalMs: options.pollIntervalMs }),
      expiryWorker(ctx, options.expiryIntervalMs),
    ],
  };
}
