import type { AppContext } from '../context';
import { auditRequest, BOT_ACTOR } from './audit';
import { updateCard } from './card';

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

export const INTERRUPTED_MESSAGE =
  'interrupted (the bot stopped while applying it); verify the current state before requesting it again';

/**
 * Requests left executing by a process that died are marked failed, never run again: at most once
 * beats twice. Every replica may run this; each row is marked by exactly one.
 */
export async function failInterrupted(
  ctx: AppContext,
  decidedBefore = ctx.clock.now() - INTERRUPTED_AFTER_MS,
): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.store.changeRequests.failInterrupted(decidedBefore, now, INTERRUPTED_MESSAGE);
  for (const r of rows) {
    await auditRequest(ctx, r, 'failed', { actor: BOT_ACTOR, approver: r.decidedBy, error: INTERRUPTED_MESSAGE });
    await updateCard(ctx, r);
  }
  return rows.length;
}
