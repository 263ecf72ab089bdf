import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import { ApprovalPolicy } from './policy';
import { loadPolicyFile } from './policy-file';
import type { ExecutorDeclaration } from './registry';
import { slackErrorCode } from '../slack/errors';

const policies = new WeakMap<object, ApprovalPolicy>();

/** The approvals feature's timings and lease owner; tests set them (see docs/approvals.md). */
export interface ApprovalsOptions {
  /** Rollout poll interval (default 15 s). */
  pollIntervalMs?: number;
  /** Expiry sweep interval (default 30 s). */
  expiryIntervalMs?: number;
  /** How long user group members are cached (default 60 s). */
  groupTtlMs?: number;
  /** Follower id for rollout leases (default a random id per process). */
  instanceId?: string;
  /** The executors other features contribute (alarm-admin's), beside approvals' own. */
  executors?: readonly ExecutorDeclaration[];
}

/**
 * The approval policy of this bot: settings plus the policy file, read and validated once (the
 * feature builds it at start, with its group cache time, so a bad file stops the bot), with user
 * groups resolved through Slack.
 */
export function policyFor(ctx: AppContext, groupTtlMs?: number): ApprovalPolicy {
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
      groupTtlMs,
    );
    policies.set(ctx, p);
  }
  return p;
}
