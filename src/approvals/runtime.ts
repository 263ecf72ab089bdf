import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import { ApprovalPolicy } from './policy';
import { loadPolicyFile } from './policy-file';
import type { ExecutorDeclaration, ExecutorRegistry } from './registry';
import { slackErrorCode } from '../slack/errors';

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

/** What every change request is checked against: who may do what, and the executor of each kind of change. */
export interface ChangeRules {
  policy: ApprovalPolicy;
  executors: ExecutorRegistry;
}

/**
 * The approval policy of a bot: settings plus the policy file, read and validated here (the approvals
 * feature builds it at start, so a bad file stops the bot), with user groups resolved through Slack.
 */
export function buildPolicy(ctx: AppContext, groupTtlMs?: number): ApprovalPolicy {
  const file = ctx.config.policy.policyFile ? loadPolicyFile(ctx.config.policy.policyFile) : undefined;
  return new ApprovalPolicy(
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
}
