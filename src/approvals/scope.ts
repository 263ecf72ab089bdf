import type { AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import { UsageError } from '../errors';
import { isAccountName } from '../aws/accounts-config';
import { isKnownRegion } from '../aws/regions';
import { locateCluster } from '../slack/commands/scope-flags';
import type { ChangePlan, ChangeProposal, ChangeWhere } from '../store/change-requests';

/**
 * Where a change runs. With several accounts or regions a proposal names (or is looked up to) one
 * account and region, stamped on its plan as `where`; every read of the change (plan, re-read,
 * rollout) goes to that account's read session and the change itself to a session of its own there.
 * A single-account install has no `where` and runs exactly as before.
 */

/** The proposal's account and region, checked for shape (whether they are configured is checked on use). */
export function validateProposalScope(p: ChangeProposal): void {
  if (p.account !== undefined && (typeof p.account !== 'string' || !isAccountName(p.account)))
    throw new UsageError(`"${String(p.account).slice(0, 40)}" is not an account name`);
  if (p.region !== undefined && (typeof p.region !== 'string' || !isKnownRegion(p.region)))
    throw new UsageError(`"${String(p.region).slice(0, 40)}" is not an AWS region code such as eu-west-1`);
}

/**
 * The account and region a proposal's cluster is in. Undefined for a single-account install, unless
 * CHANGE_ROLE_ARN gives its changes a session of their own (the card then names it).
 */
export async function proposalScope(ctx: AppContext, p: ChangeProposal): Promise<AwsScope | undefined> {
  if (!ctx.accounts.multi) return ctx.accounts.settings.changeRoleArn ? ctx.accounts.defaultScope : undefined;
  const t = await locateCluster(ctx, p.cluster, { filter: { account: p.account, region: p.region } });
  return { account: t.account, region: t.region };
}

/** `where` for a plan in `scope`: its account ID and the role a change there assumes. */
export async function whereOf(ctx: AppContext, scope: AwsScope): Promise<ChangeWhere> {
  const accountId = await ctx.accounts.accountId(scope.account);
  const roleArn = ctx.accounts.changeRoleOf(scope.account);
  return { ...scope, ...(accountId ? { accountId } : {}), ...(roleArn ? { roleArn } : {}) };
}

export function scopeOfPlan(ctx: AppContext, plan: Pick<ChangePlan, 'where'>): AwsScope {
  return plan.where ? { account: plan.where.account, region: plan.where.region } : ctx.accounts.defaultScope;
}

/** The context an executor plans and re-reads with: `aws` is the read clients of the change's account and region. */
export function readContext(ctx: AppContext, scope: AwsScope | undefined): AppContext {
  return scope ? { ...ctx, aws: ctx.accounts.read(scope) } : ctx;
}
