import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import { rolloutStartText } from './render/change-request';
import type { ChangeRequest } from '../store/change-requests';
import { auditRequest } from './audit';
import { cardThread, postInThread, updateCard } from './card';
import type { ExecutorRegistry } from './registry';
import type { ExecutionResult, FollowUp } from './types';
import type { ChangeSession } from '../aws/accounts';
import { readContext, scopeOfPlan } from './scope';

/** Raised when the value changed between the request and the approval: the plan is stale. */
export class StaleRequestError extends UserFacingError {
  override readonly code = 'stale_request';
}

/** Every approver of a change that needed several (the audit's `approver` is the last of them). */
function approversDetail(r: ChangeRequest): { approvers?: string[] } {
  return r.approvalsNeeded > 1 && r.approvals ? { approvers: r.approvals } : {};
}

/** Runs an approved request once: re-read, compare, execute, audit, update the card, follow the rollout. */
export async function execute(ctx: AppContext, executors: ExecutorRegistry, r: ChangeRequest): Promise<void> {
  const executor = executors.get(r.action);
  const scope = scopeOfPlan(ctx, r.plan);
  const approver = r.decidedBy ?? r.requestedBy;
  let result: ExecutionResult;
  let session: ChangeSession | undefined;
  try {
    if (!executor) throw new UserFacingError(`no executor is registered for ${r.action}`);
    const current = await executor.readCurrent(readContext(ctx, r.plan.where ? scope : undefined), r.plan);
    if (JSON.stringify(current.value) !== JSON.stringify(r.plan.current.value)) {
      throw new StaleRequestError(
        `changed since the request (was ${r.plan.current.label}, now ${current.label}); nothing was changed. Request it again if it is still needed.`,
      );
    }
    // A session of its own, assumed before anything changes: CloudTrail names the approver and the request.
    // SourceIdentity holds one name (the approver whose approval ran it); every approver goes in a tag.
    session = await ctx.accounts.change(scope, {
      requestId: r.id,
      requester: r.requestedBy,
      approver,
      ...approversDetail(r),
    });
    ctx.logger.info(
      {
        requestId: r.id,
        ...scope,
        session: session.sessionName,
        sourceIdentity: session.sourceIdentity,
        approvers: session.approvers,
      },
      'change session',
    );
    result = await executor.execute({ ...ctx, aws: session.clients }, r.plan);
  } catch (err) {
    const ref = ctx.newId(4);
    const message =
      err instanceof UserFacingError ? err.message : `unexpected error (ref ${ref}); verify the current state`;
    if (!(err instanceof UserFacingError)) ctx.logger.error({ err, requestId: r.id, ref }, 'change execution failed');
    else ctx.logger.warn({ requestId: r.id, error: message }, 'change not applied');
    const done = await ctx.store.changeRequests.finish(r.id, { status: 'failed', error: message }, ctx.clock.now());
    await auditRequest(ctx, r, 'failed', {
      actor: r.requestedBy,
      approver: r.decidedBy,
      error: message,
      detail: { ...sessionDetail(r, session), ...approversDetail(r) },
    });
    await updateCard(ctx, done);
    return;
  } finally {
    session?.close();
  }
  if (r.plan.where && result.followUp) result = { ...result, followUp: { ...result.followUp, where: scope } };
  const done = await ctx.store.changeRequests.finish(r.id, { status: 'succeeded', result }, ctx.clock.now());
  if (!done) ctx.logger.error({ requestId: r.id }, 'change applied, but the request had already been marked finished');
  // Follow first, then audit and update the card: once the card shows the result, everything is in place.
  if (result.followUp && done) await startFollowing(ctx, done, result.followUp);
  await auditRequest(ctx, r, 'succeeded', {
    actor: r.requestedBy,
    approver: r.decidedBy,
    after: result.after,
    awsRequestId: result.awsRequestId,
    detail: { summary: result.summary, ...sessionDetail(r, session), ...approversDetail(r) },
  });
  ctx.logger.info({ requestId: r.id, awsRequestId: result.awsRequestId, target: r.target }, 'change applied');
  await updateCard(ctx, done);
}

/** Where the change ran and the session CloudTrail names it by (audit detail); empty for a plain single-account change. */
function sessionDetail(r: ChangeRequest, s: ChangeSession | undefined): Record<string, string> {
  const w = r.plan.where;
  return {
    ...(w ? { account: w.account, region: w.region, ...(w.accountId ? { accountId: w.accountId } : {}) } : {}),
    ...(s?.sessionName ? { session: s.sessionName } : {}),
    ...(s?.sourceIdentity ? { sourceIdentity: s.sourceIdentity } : {}),
    ...(s?.roleArn ? { role: s.roleArn } : {}),
  };
}

function followWhat(f: FollowUp): string {
  if (f.kind === 'deployment') return `the new deployment of ${f.taskDefinition} completes, fails or is rolled back`;
  return f.kind === 'service' ? `${f.desired} tasks run` : `${f.desired} instances are in service`;
}

async function startFollowing(ctx: AppContext, r: ChangeRequest, f: FollowUp): Promise<void> {
  const where = cardThread(r);
  if (!where) return;
  const now = ctx.clock.now();
  await ctx.store.rollouts.create({
    id: r.id,
    requestId: r.id,
    target: f,
    channel: where.channel,
    threadTs: where.threadTs,
    startedAt: now,
    deadlineAt: now + ctx.config.rolloutTimeoutMs,
    nextPollAt: now,
  });
  await postInThread(
    ctx,
    where,
    rolloutStartText({
      target: r.target,
      what: followWhat(f),
      timeoutMs: ctx.config.rolloutTimeoutMs,
      where: r.plan.where,
    }),
  );
}
