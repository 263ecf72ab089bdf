import type { AppContext } from '../context';
import type { ChangeRequest } from '../store/change-requests';
import { renderChangeCard, type ChangeCardView } from './render/change-request';
import type { ExecutionResult } from './types';

export function cardView(r: ChangeRequest): ChangeCardView {
  const result = r.result as ExecutionResult | undefined;
  return {
    id: r.id,
    status: r.status,
    plan: r.plan,
    requestedBy: r.requestedBy,
    reason: r.reason,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    decidedBy: r.decidedBy,
    approvals: r.approvals,
    approvalsNeeded: r.approvalsNeeded,
    decidedAt: r.decidedAt,
    finishedAt: r.finishedAt,
    resultSummary: result?.summary,
    followed: !!result?.followUp,
    error: r.error,
  };
}

/** Where the rollout lines go: the card's thread (or the thread the card itself is in). */
export function cardThread(r: ChangeRequest): { channel: string; threadTs: string } | undefined {
  if (!r.cardChannel || !r.cardTs) return undefined;
  return { channel: r.cardChannel, threadTs: r.threadTs ?? r.cardTs };
}

/** Re-renders the card from the stored request. The store is the truth; a failed update is only logged. */
export async function updateCard(ctx: AppContext, r: ChangeRequest | undefined): Promise<void> {
  if (!r?.cardChannel || !r.cardTs) return;
  try {
    const msg = renderChangeCard(cardView(r.approvals ? r : await ctx.store.changeRequests.withApprovals(r)));
    await ctx.slack.chat.update({ channel: r.cardChannel, ts: r.cardTs, text: msg.text, blocks: msg.blocks });
  } catch (err) {
    ctx.logger.warn({ requestId: r.id, status: r.status, err }, 'change card update failed');
  }
}

/**
 * Posts a line in the card's thread; resolves with the reply's ts (so a graph can be added to it by an
 * update), or undefined when the post failed: failures are logged, never thrown.
 */
export async function postInThread(
  ctx: AppContext,
  where: { channel: string; threadTs: string },
  text: string,
): Promise<string | undefined> {
  try {
    const res = await ctx.slack.chat.postMessage({
      channel: where.channel,
      thread_ts: where.threadTs,
      text,
      unfurl_links: false,
    });
    return res.ts ?? undefined;
  } catch (err) {
    ctx.logger.warn({ channel: where.channel, err }, 'thread post failed');
    return undefined;
  }
}
