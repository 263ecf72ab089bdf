import { auditCommand } from './commands/audit';
import { insightsCommand } from './commands/insights';
import { restartCommand } from './commands/restart';
import { rollbackCommand } from './commands/rollback';
import { scaleCommand } from './commands/scale';
import type { AppContext, Feature } from '../context';
import { expiryWorker } from './expiry';
import { registerApprovalListeners } from './listeners';
import { rolloutFollower } from './rollout-follower';
import { Changes } from './changes';
import { APPROVAL_EXECUTORS, ExecutorRegistry } from './registry';
import { buildPolicy, type ApprovalsOptions } from './runtime';

/**
 * Change requests: `/ecs scale`, `/ecs restart`, `/ecs rollback`, `/ecs insights`, `/ecs audit`, the Approve / Reject / Cancel and
 * propose buttons, the alarm card's Scale… button, the rollout follower and the expiry worker.
 * Builds the policy at once so an invalid POLICY_FILE stops the bot at start (ConfigError).
 */
/** The approvals feature, and the change requests it hands the features that request or decide changes. */
export interface ApprovalsFeature extends Feature {
  changes: Changes;
}

export function approvalsFeature(ctx: AppContext, options: ApprovalsOptions = {}): ApprovalsFeature {
  const changes = new Changes(
    ctx,
    buildPolicy(ctx, options.groupTtlMs),
    new ExecutorRegistry([...APPROVAL_EXECUTORS, ...(options.executors ?? [])]),
  );
  const owner = options.instanceId ?? `follower-${ctx.newId(6)}`;
  return {
    name: 'approvals',
    subcommands: [
      scaleCommand(changes),
      restartCommand(changes),
      rollbackCommand(changes),
      insightsCommand(changes),
      auditCommand,
    ],
    register(app) {
      registerApprovalListeners(app, ctx, changes);
    },
    workers: [
      rolloutFollower(ctx, { owner, intervalMs: options.pollIntervalMs }),
      expiryWorker(ctx, options.expiryIntervalMs),
    ],
    changes,
  };
}
