import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import { ApprovalPolicy } from './policy';
import { loadPolicyFile } from './policy-file';
import { slackErrorCode } from '../slack/errors';

const policies = new WeakMap<object, ApprovalPolicy>();

/** Test seams read from ctx.inject.approvals (see docs/approvals.md). */
export interface ApprovalsInjections {
  /** Rollout poll interval (default 15 s). */
  pollIntervalMs?: number;
  /** Expiry sweep interval (default 30 s). */
  expiryIntervalMs?: number;
  /** How long user group members are cached (default 60 s). */
  groupTtlMs?: number;
  /** Follower id for rollout leases (default a random id per process). */
  instanceId?: string;
}

export function injections(ctx: AppContext): ApprovalsInjections {
  return ((ctx as AppContext & { inject?: Record<string, unknown> }).inject?.approvals ?? {}) as ApprovalsInjections;
}

/**
 * The approval policy of this bot: settings plus the policy file, read and validated once (the
 * feature builds it at start so a bad file stops the bot), with user groups resolved through Slack.
 */
export function policyFor(ctx: AppContext): ApprovalPolicy {
  let p = policies.get(ctx);
  if (!p) {
    const file = ctx.config.policy.policyFile ? loadPolicyFile(ctx.config.policy.policyFile) : undefined;
    p = new ApprovalPolicy(
      ctx.config.policy,
      file,
      async (group) => {
        try {
          const res = await ctx.slack.usergroups.users.list({ usergroup: group });
          return (res.users as string[] | undefined) ?? [];
        } catch (err) {
          const code = slackErrorCode(err);
          ctx.logger.warn({ group, err }, 'user group lookup failed');
          throw new UserFacingError(
            `could not check the members of user group ${group} (Slack said ${code}); nothing was changed. The bot needs the usergroups:read scope.`,
          );
        }
      },
      injections(ctx).groupTtlMs,
    );
    policies.set(ctx, p);
  }
  return p;
}
