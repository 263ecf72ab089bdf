import type { AwsScope } from '../aws/scope';
import { scopeKey } from '../aws/scope';
import type { AppContext } from '../context';
import type { ChangeAction, ChangeRequest, ChangeStatus, ExecutionResult } from '../store/change-requests';
import { scopeOfPlan } from './scope';

/**
 * The changes the bot made to one service, read from its change requests: who asked, who approved,
 * when it ran and — for a restart or a rollback — the ECS deployment it started. What /ecs deployments
 * shows beside the deployments ECS and the service's events remember.
 */
export interface BotServiceChange {
  requestId: string;
  action: ChangeAction;
  status: ChangeStatus;
  requestedBy: string;
  /** Everyone who approved, oldest first (one person unless the policy asks for several). */
  approvedBy: string[];
  requestedAt: number;
  /** When the approval made it run. */
  executedAt?: number;
  /** The plan's one line ("Restart service c/s: a new deployment of fam:3"). Plain text. */
  summary: string;
  reason?: string;
  /** The ECS deployment the change started (restart, rollback). */
  deploymentId?: string;
  /** The revision that deployment runs. */
  taskDefinition?: string;
  /** The plan's requested value as the card showed it ("4 tasks"). */
  requested: string;
}

/** Statuses of a change that was approved and ran (or tried to). */
const RAN: readonly ChangeStatus[] = ['executing', 'succeeded', 'failed'];

function deploymentOf(result: unknown): { deploymentId?: string; taskDefinition?: string } {
  const r = (result ?? {}) as Partial<ExecutionResult> & { after?: Record<string, unknown> };
  const f = r.followUp;
  if (f && f.kind === 'deployment') return { deploymentId: f.deploymentId, taskDefinition: f.taskDefinition };
  const after = r.after && typeof r.after === 'object' ? r.after : {};
  return {
    deploymentId: typeof after.deploymentId === 'string' ? after.deploymentId : undefined,
    taskDefinition: typeof after.taskDefinition === 'string' ? after.taskDefinition : undefined,
  };
}

async function toChange(ctx: AppContext, r: ChangeRequest): Promise<BotServiceChange> {
  const approvedBy = r.approvalsNeeded > 1 ? await ctx.store.changeRequests.approvers(r.id) : [];
  if (approvedBy.length === 0 && r.decidedBy) approvedBy.push(r.decidedBy);
  return {
    requestId: r.id,
    action: r.action,
    status: r.status,
    requestedBy: r.requestedBy,
    approvedBy,
    requestedAt: r.createdAt,
    executedAt: r.decidedAt,
    summary: r.plan.summary,
    reason: r.reason,
    requested: r.plan.requested.label,
    ...deploymentOf(r.result),
  };
}

/**
 * The approved changes of `cluster/service` in `scope` (the default account and region when
 * undefined), newest first, at most `limit`. Requests that were never approved are left out.
 */
export async function serviceChanges(
  ctx: AppContext,
  target: { cluster: string; service: string; scope?: AwsScope },
  limit = 50,
): Promise<BotServiceChange[]> {
  const want = scopeKey(target.scope ?? ctx.accounts.defaultScope);
  const rows = await ctx.store.changeRequests.forService(target.cluster, target.service, limit * 2);
  const mine = rows
    .filter((r) => RAN.includes(r.status) && scopeKey(scopeOfPlan(ctx, r.plan)) === want)
    .slice(0, limit);
  return Promise.all(mine.map((r) => toChange(ctx, r)));
}
