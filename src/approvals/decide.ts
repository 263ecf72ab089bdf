import type { AppContext } from '../context';
import { ForbiddenError, NotFoundError, UserFacingError } from '../errors';
import { escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import { rolloutStartText } from '../slack/render/change-request';
import type { ChangeRequest } from '../store/change-requests';
import { auditRequest, BOT_ACTOR } from './audit';
import { cardThread, postInThread, updateCard } from './card';
import { executorFor } from './registry';
import { policyFor } from './runtime';
import type { ExecutionResult, FollowUp } from './types';

/** Raised when the value changed between the request and the approval: the plan is stale. */
export class StaleRequestError extends UserFacingError {
  override readonly code = 'stale_request';
}

/** A click that cannot be honoured; `message` is mrkdwn built by the bot (user and AWS text escaped). */
export class DecisionRefused extends UserFacingError {
  override readonly code = 'decision_refused';
  readonly mrkdwn = true;
}

/** Why a request can no longer be decided, in mrkdwn for the person who clicked. */
export function notPendingText(r: ChangeRequest, now: number): string {
  const by = r.decidedBy ? ` by ${mentionUser(r.decidedBy)}` : '';
  switch (r.status) {
    case 'pending':
      return r.expiresAt <= now ? `This request expired ${slackDate(r.expiresAt)}; nothing was changed. Request it again if it is still needed.` : 'This request is still pending.';
    case 'executing':
      return `This request was already approved${by} and is being applied.`;
    case 'succeeded':
      return `This request was already approved${by} and applied.`;
    case 'failed':
      return `This request was already decided${by} and failed: ${escapeText(r.error ?? 'see the card')}`;
    case 'rejected':
      return `This request was rejected${by}; it can no longer be approved. Request it again if needed.`;
    case 'cancelled':
      return 'This request was cancelled by its requester; it can no longer be approved.';
    case 'expired':
      return `This request expired ${slackDate(r.expiresAt)}; nothing was changed. Request it again if it is still needed.`;
  }
}

async function load(ctx: AppContext, id: string): Promise<ChangeRequest> {
  const r = await ctx.store.changeRequests.get(id);
  if (!r) throw new NotFoundError('This change request does not exist (any more).');
  return r;
}

async function refused(ctx: AppContext, r: ChangeRequest, userId: string, reason: string): Promise<never> {
  await auditRequest(ctx, r, 'refused', { actor: userId, error: reason, detail: { click: true } });
  throw new ForbiddenError(`You cannot approve this: ${reason}`);
}

/**
 * An approver's click. Checks the policy, then wins (or loses) the one atomic pending → executing
 * transition; only the winner goes on to execute. Everyone else gets an explanation.
 */
export async function approveRequest(ctx: AppContext, id: string, userId: string): Promise<void> {
  const r = await load(ctx, id);
  const now = ctx.clock.now();
  if (r.status !== 'pending' || r.expiresAt <= now) throw new DecisionRefused(notPendingText(r, now));
  const ok = await policyFor(ctx).canApprove(userId, r);
  if (!ok.ok) await refused(ctx, r, userId, ok.reason);
  const claimed = await ctx.store.changeRequests.claimForExecution(id, userId, ctx.clock.now());
  if (!claimed) {
    const again = await load(ctx, id);
    throw new DecisionRefused(notPendingText(again, ctx.clock.now()));
  }
  ctx.metrics.approvals.inc({ action: claimed.action, outcome: 'approved' });
  ctx.logger.info({ requestId: id, approver: userId, action: claimed.action, target: claimed.target }, 'change approved');
  await updateCard(ctx, claimed);
  await execute(ctx, claimed);
}

/** Runs an approved request once: re-read, compare, execute, audit, update the card, follow the rollout. */
async function execute(ctx: AppContext, r: ChangeRequest): Promise<void> {
  const executor = executorFor(r.action);
  let result: ExecutionResult;
  try {
    if (!executor) throw new UserFacingError(`no executor is registered for ${r.action}`);
    const current = await executor.readCurrent(ctx, r.plan);
    if (JSON.stringify(current.value) !== JSON.stringify(r.plan.current.value)) {
      throw new StaleRequestError(
        `changed since the request (was ${r.plan.current.label}, now ${current.label}); nothing was changed. Request it again if it is still needed.`,
      );
    }
    result = await executor.execute(ctx, r.plan);
  } catch (err) {
    const ref = ctx.newId(4);
    const message = err instanceof UserFacingError ? err.message : `unexpected error (ref ${ref}); verify the current state`;
    if (!(err instanceof UserFacingError)) ctx.logger.error({ err, requestId: r.id, ref }, 'change execution failed');
    else ctx.logger.warn({ requestId: r.id, error: message }, 'change not applied');
    const done = await ctx.store.changeRequests.finish(r.id, { status: 'failed', error: message }, ctx.clock.now());
    await auditRequest(ctx, r, 'failed', { actor: r.requestedBy, approver: r.decidedBy, error: message });
    await updateCard(ctx, done);
    return;
  }
  const done = await ctx.store.changeRequests.finish(r.id, { status: 'succeeded', result }, ctx.clock.now());
  if (!done) ctx.logger.error({ requestId: r.id }, 'change applied, but the request had already been marked finished');
  // Follow first, then audit and update the card: once the card shows the result, everything is in place.
  if (result.followUp && done) await startFollowing(ctx, done, result.followUp);
  await auditRequest(ctx, r, 'succeeded', {
    actor: r.requestedBy,
    approver: r.decidedBy,
    after: result.after,
    awsRequestId: result.awsRequestId,
    detail: { summary: result.summary },
  });
  ctx.logger.info({ requestId: r.id, awsRequestId: result.awsRequestId, target: r.target }, 'change applied');
  await updateCard(ctx, done);
}

function followWhat(f: FollowUp): string {
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
  await postInThread(ctx, where, rolloutStartText({ target: r.target, what: followWhat(f), timeoutMs: ctx.config.rolloutTimeoutMs }));
}

/** An approver rejects a pending request. */
export async function rejectRequest(ctx: AppContext, id: string, userId: string): Promise<void> {
  const r = await load(ctx, id);
  const now = ctx.clock.now();
  if (r.status !== 'pending' || r.expiresAt <= now) throw new DecisionRefused(notPendingText(r, now));
  const ok = await policyFor(ctx).canReject(userId, r);
  if (!ok.ok) {
    await auditRequest(ctx, r, 'refused', { actor: userId, error: ok.reason, detail: { click: 'reject' } });
    throw new ForbiddenError(`You cannot reject this: ${ok.reason}`);
  }
  const done = await ctx.store.changeRequests.decide(id, 'rejected', userId, ctx.clock.now());
  if (!done) throw new DecisionRefused(notPendingText(await load(ctx, id), ctx.clock.now()));
  await auditRequest(ctx, done, 'rejected', { actor: userId, approver: userId });
  await updateCard(ctx, done);
}

/** The requester withdraws a pending request; nobody else may. */
export async function cancelRequest(ctx: AppContext, id: string, userId: string): Promise<void> {
  const r = await load(ctx, id);
  const now = ctx.clock.now();
  if (userId !== r.requestedBy) {
    await auditRequest(ctx, r, 'refused', { actor: userId, error: 'only the requester can cancel', detail: { click: 'cancel' } });
    throw new DecisionRefused(`Only the requester (${mentionUser(r.requestedBy)}) can cancel this request; approvers can reject it.`);
  }
  if (r.status !== 'pending' || r.expiresAt <= now) throw new DecisionRefused(notPendingText(r, now));
  const done = await ctx.store.changeRequests.decide(id, 'cancelled', userId, ctx.clock.now());
  if (!done) throw new DecisionRefused(notPendingText(await load(ctx, id), ctx.clock.now()));
  await auditRequest(ctx, done, 'cancelled', { actor: userId });
  await updateCard(ctx, done);
}

/** Expires pending requests whose time is up: card updated, audited. Returns how many. */
export async function expireDue(ctx: AppContext): Promise<number> {
  const rows = await ctx.store.changeRequests.expireDue(ctx.clock.now());
  for (const r of rows) {
    await auditRequest(ctx, r, 'expired', { actor: BOT_ACTOR, detail: { requestedBy: r.requestedBy } });
    await updateCard(ctx, r);
  }
  return rows.length;
}

/** How long a request may sit in `executing` before it is taken for interrupted (the process died). */
export const INTERRUPTED_AFTER_MS = 5 * 60_000;

export const INTERRUPTED_MESSAGE = 'interrupted (the bot stopped while applying it); verify the current state before requesting it again';

/**
 * Requests left executing by a process that died are marked failed, never run again: at most once
 * beats twice. Every replica may run this; each row is marked by exactly one.
 */
export async function failInterrupted(ctx: AppContext, olderThanMs = INTERRUPTED_AFTER_MS): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.store.changeRequests.failInterrupted(now - olderThanMs, now, INTERRUPTED_MESSAGE);
  for (const r of rows) {
    await auditRequest(ctx, r, 'failed', { actor: BOT_ACTOR, approver: r.decidedBy, error: INTERRUPTED_MESSAGE });
    await updateCard(ctx, r);
  }
  return rows.length;
}
