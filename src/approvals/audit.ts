import type { AppContext } from '../context';
import type { AuditOutcome } from '../store/audit';
import type { ChangeRequest, ChangeWhere } from '../store/change-requests';
import { AUDIT_OUTCOME_ICON } from './render/audit-log';

// Every outcome the store records has its icon in the audit log (a new outcome fails to compile here).
AUDIT_OUTCOME_ICON satisfies Record<AuditOutcome, string>;

/** The bot itself as an actor (expiry, interrupted executions). */
export const BOT_ACTOR = 'ecs-chatops';

/** One audit row about a change request, and the matching metric. Never throws (logged instead). */
export async function auditRequest(
  ctx: AppContext,
  r: Pick<ChangeRequest, 'id' | 'action' | 'plan'> & Partial<Pick<ChangeRequest, 'requestedBy' | 'decidedBy'>>,
  outcome: AuditOutcome,
  e: { actor: string; approver?: string; after?: unknown; awsRequestId?: string; error?: string; detail?: unknown },
): Promise<void> {
  ctx.metrics.approvals.inc({ action: r.action, outcome });
  try {
    await ctx.store.audit.record({
      at: ctx.clock.now(),
      actor: e.actor,
      action: r.action,
      target: r.plan.target,
      outcome,
      requestId: r.id || undefined,
      approver: e.approver,
      before: r.plan.current.value,
      after: e.after,
      awsRequestId: e.awsRequestId,
      error: e.error,
      detail: withWhere(r.plan.where, e.detail),
    });
  } catch (err) {
    ctx.logger.error({ err, requestId: r.id, outcome }, 'audit record failed');
  }
}

/** Every audit entry of a change says where it runs and its session name, so CloudTrail can be searched. */
function withWhere(w: ChangeWhere | undefined, detail: unknown): unknown {
  if (!w) return detail;
  const where = {
    account: w.account,
    region: w.region,
    ...(w.accountId ? { accountId: w.accountId } : {}),
    ...(w.sessionName ? { session: w.sessionName } : {}),
  };
  return detail && typeof detail === 'object' && !Array.isArray(detail)
    ? { ...where, ...detail }
    : { ...where, detail };
}
