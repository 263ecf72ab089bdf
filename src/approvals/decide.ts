import type { AppContext } from '../context';
import { ForbiddenError, NotFoundError, UserFacingError } from '../errors';
import { escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import type { ChangeRequest } from '../store/change-requests';
import { auditRequest } from './audit';
import { updateCard } from './card';
import { execute } from './execute';
import type { ChangeRules } from './runtime';

/** A click that cannot be honoured; `message` is mrkdwn built by the bot (user and AWS text escaped). */
export class DecisionRefused extends UserFacingError {
  override readonly code = 'decision_refused';
  override readonly mrkdwn = true;
}

/** Why a request can no longer be decided, in mrkdwn for the person who clicked. */
export function notPendingText(r: ChangeRequest, now: number): string {
  const by = r.decidedBy ? ` by ${mentionUser(r.decidedBy)}` : '';
  switch (r.status) {
    case 'pending':
      return r.expiresAt <= now
        ? `This request expired ${slackDate(r.expiresAt)}; nothing was changed. Request it again if it is still needed.`
        : 'This request is still pending.';
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

/** The configured account a request acts in, as policy rules name it (none on a single-account install). */
export function requestAccount(ctx: AppContext, r: Pick<ChangeRequest, 'plan'>): string | undefined {
  return ctx.accounts.multi ? r.plan.where?.account : undefined;
}

/**
 * An approver's click. Checks the policy, records the approval (once per person), and tries the one
 * atomic pending → executing transition, which only succeeds once the request has as many distinct
 * approvers as it needs; only the winner goes on to execute. An approval that is not the last one
 * updates the card; everyone else gets an explanation.
 */
export async function approveRequest(ctx: AppContext, rules: ChangeRules, id: string, userId: string): Promise<void> {
  const r = await load(ctx, id);
  const now = ctx.clock.now();
  if (r.status !== 'pending' || r.expiresAt <= now) throw new DecisionRefused(notPendingText(r, now));
  const ok = await rules.policy.canApprove(userId, { ...r, account: requestAccount(ctx, r) });
  if (!ok.ok) await refused(ctx, r, userId, ok.reason);
  const { added, claimed, approvals } = await ctx.store.changeRequests.approve(id, userId, ctx.clock.now());
  if (!claimed) {
    const again = await load(ctx, id);
    if (again.status !== 'pending' || again.expiresAt <= ctx.clock.now())
      throw new DecisionRefused(notPendingText(again, ctx.clock.now()));
    const waiting = { ...again, approvals };
    if (!added) {
      throw new DecisionRefused(
        `You have already approved this request; it needs ${again.approvalsNeeded} different approvers (${approvals.length} so far).`,
      );
    }
    await auditRequest(ctx, waiting, 'approved', {
      actor: userId,
      approver: userId,
      detail: { approvals: approvals.length, needed: again.approvalsNeeded, approvers: approvals },
    });
    ctx.logger.info({ requestId: id, approver: userId, approvals: approvals.length }, 'change approval recorded');
    await updateCard(ctx, waiting);
    return;
  }
  ctx.metrics.approvals.inc({ action: claimed.action, outcome: 'approved' });
  ctx.logger.info(
    { requestId: id, approver: userId, approvers: approvals, action: claimed.action, target: claimed.target },
    'change approved',
  );
  await updateCard(ctx, claimed);
  await execute(ctx, rules.executors, claimed);
}

/** An approver rejects a pending request. */
export async function rejectRequest(ctx: AppContext, rules: ChangeRules, id: string, userId: string): Promise<void> {
  const r = await load(ctx, id);
  const now = ctx.clock.now();
  if (r.status !== 'pending' || r.expiresAt <= now) throw new DecisionRefused(notPendingText(r, now));
  const ok = await rules.policy.canReject(userId, { ...r, account: requestAccount(ctx, r) });
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
export async function cancelRequest(ctx: AppContext, rules: ChangeRules, id: string, userId: string): Promise<void> {
  const r = await load(ctx, id);
  const now = ctx.clock.now();
  if (!rules.policy.canCancelRequest(userId, r).ok) {
    await auditRequest(ctx, r, 'refused', {
      actor: userId,
      error: 'only the requester can cancel',
      detail: { click: 'cancel' },
    });
    throw new DecisionRefused(
      `Only the requester (${mentionUser(r.requestedBy)}) can cancel this request; approvers can reject it.`,
    );
  }
  if (r.status !== 'pending' || r.expiresAt <= now) throw new DecisionRefused(notPendingText(r, now));
  const done = await ctx.store.changeRequests.decide(id, 'cancelled', userId, ctx.clock.now());
  if (!done) throw new DecisionRefused(notPendingText(await load(ctx, id), ctx.clock.now()));
  await auditRequest(ctx, done, 'cancelled', { actor: userId });
  await updateCard(ctx, done);
}
