import type { AppContext } from '../context';
import { ForbiddenError, UsageError, UserFacingError } from '../errors';
import { isEcsName } from '../slack/commands/parse';
import { isAsgName } from '../aws/autoscaling';
import { renderChangeCard } from './render/change-request';
import { auditRequest } from './audit';
import { cardView } from './card';
import type { ChangeRules } from './runtime';
import { proposalScope, readContext, validateProposalScope, whereOf } from './scope';
import { changeSessionName } from '../aws/accounts';
import { CHANGE_ACTIONS, type ChangePlan, type ChangeProposal, type Requester } from './types';
import { slackErrorCode } from '../slack/errors';

export const MAX_REASON_CHARS = 500;

/** Checks what every proposal shares, then the executor's own shape rules. Returns a cleaned copy. */
export function normaliseProposal(executors: ChangeRules['executors'], p: ChangeProposal): ChangeProposal {
  if (!CHANGE_ACTIONS.includes(p.action)) throw new UsageError(`unknown change "${String(p.action)}"`);
  if (!executors.get(p.action))
    throw new UsageError(`the bot cannot make a ${p.action} change (no executor is registered)`);
  if (typeof p.cluster !== 'string' || !isEcsName(p.cluster))
    throw new UsageError(`"${String(p.cluster)}" is not a valid cluster name`);
  if (p.service !== undefined && (typeof p.service !== 'string' || !isEcsName(p.service))) {
    throw new UsageError(`"${String(p.service)}" is not a valid service name`);
  }
  if (p.group !== undefined) {
    if (typeof p.group !== 'string' || !isAsgName(p.group))
      throw new UsageError(`"${String(p.group)}" is not a valid Auto Scaling group name`);
    if (p.action !== 'scale-instances') throw new UsageError('only scale-instances names an Auto Scaling group');
  }
  let reason: string | undefined;
  if (p.reason !== undefined && p.reason !== null) {
    if (typeof p.reason !== 'string') throw new UsageError('the reason must be text');
    // eslint-disable-next-line no-control-regex
    reason = p.reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    if (reason.length > MAX_REASON_CHARS)
      throw new UsageError(`the reason is ${reason.length} characters; keep it under ${MAX_REASON_CHARS}`);
    if (reason === '') reason = undefined;
  }
  if (p.revision !== undefined && p.action !== 'rollback-service')
    throw new UsageError('only rollback-service names a task-definition revision');
  validateProposalScope(p);
  const out: ChangeProposal = { ...p, reason };
  if (out.account === undefined) delete out.account;
  if (out.region === undefined) delete out.region;
  executors.get(p.action)!.validate?.(out);
  return out;
}

function targetOf(p: ChangeProposal): string {
  return p.service ? `${p.cluster}/${p.service}` : p.cluster;
}

async function refuse(
  ctx: AppContext,
  p: ChangeProposal,
  who: Requester,
  message: string,
  plan?: ChangePlan,
): Promise<never> {
  ctx.metrics.approvals.inc({ action: p.action, outcome: 'refused' });
  try {
    await ctx.store.audit.record({
      at: ctx.clock.now(),
      actor: who.userId,
      action: p.action,
      target: plan?.target ?? targetOf(p),
      outcome: 'refused',
      before: plan?.current.value,
      after: plan?.requested.value ?? p.desired ?? p.insights,
      error: message,
      detail: { proposal: p },
    });
  } catch (err) {
    ctx.logger.error({ err }, 'audit record failed');
  }
  throw new ForbiddenError(message);
}

/**
 * Turns a proposal into a change request: checks the requester against the policy, lets the executor
 * read the current state and check the bounds, stores the request as pending and posts the approval
 * card in the channel (or thread). With dryRun, returns the plan and stores and changes nothing.
 * Refusals throw UsageError / ForbiddenError / NotFoundError / AwsError for the caller's error boundary.
 */
export async function requestChange(
  ctx: AppContext,
  rules: ChangeRules,
  proposal: ChangeProposal,
  who: Requester,
  opts: { dryRun?: boolean } = {},
): Promise<{ requestId?: string; plan: ChangePlan }> {
  const p = normaliseProposal(rules.executors, proposal);
  // Checked before anything is read when the account is known (or there is only one); otherwise once
  // the cluster's account is found, since rules may name accounts.
  const multi = ctx.accounts.multi;
  if (!multi || p.account !== undefined) {
    const allowed = await rules.policy.canRequest(who.userId, p.cluster, p.action, multi ? p.account : undefined);
    if (!allowed.ok) await refuse(ctx, p, who, allowed.reason);
  }

  const executor = rules.executors.get(p.action)!;
  // The account and region the cluster is in (several accounts or regions): the plan reads there.
  const scope = await proposalScope(ctx, p);
  const account = multi ? scope?.account : undefined;
  if (account !== undefined && account !== p.account) {
    const inAccount = await rules.policy.canRequest(who.userId, p.cluster, p.action, account);
    if (!inAccount.ok) await refuse(ctx, p, who, inAccount.reason);
  }
  const effective = rules.policy.effective(p.cluster, p.action, account);
  // The executors check the bounds of the matching rule (an account may allow less than the default).
  const bounded: AppContext = {
    ...ctx,
    config: { ...ctx.config, policy: { ...ctx.config.policy, ...effective.bounds } },
  };
  let plan: ChangePlan;
  try {
    // The proposal names where it is planned, so an executor can say so (and use what is particular there).
    plan = await executor.plan(readContext(bounded, scope), scope ? { ...p, ...scope } : p);
    if (scope) plan = { ...plan, where: await whereOf(ctx, scope) };
  } catch (err) {
    // Bounds are policy: audit the refusal. Typos and missing names are just answered.
    if (err instanceof ForbiddenError) await refuse(ctx, p, who, err.message);
    throw err;
  }

  if (opts.dryRun) {
    await auditRequest(ctx, { id: '', action: p.action, plan }, 'dry-run', {
      actor: who.userId,
      after: plan.requested.value,
      detail: { summary: plan.summary, effects: plan.effects, warnings: plan.warnings, reason: p.reason },
    });
    return { plan };
  }

  const now = ctx.clock.now();
  const id = ctx.newId(9);
  // The session an approved change will assume is named after the request, so the card can say it now.
  if (plan.where?.roleArn) plan = { ...plan, where: { ...plan.where, sessionName: changeSessionName(id) } };
  const req = await ctx.store.changeRequests.create({
    id,
    action: p.action,
    cluster: plan.cluster,
    service: plan.service,
    target: plan.target,
    proposal: p,
    plan,
    requestedBy: who.userId,
    reason: p.reason,
    channelId: who.channelId,
    threadTs: who.threadTs,
    createdAt: now,
    expiresAt: now + ctx.config.policy.requestTtlMs,
    approvalsNeeded: effective.approvals,
  });
  const msg = renderChangeCard(cardView(req));
  let ts: string | undefined;
  try {
    const res = await ctx.slack.chat.postMessage({
      channel: who.channelId,
      thread_ts: who.threadTs,
      text: msg.text,
      blocks: msg.blocks,
      unfurl_links: false,
    });
    ts = res.ts;
  } catch (err) {
    const code = slackErrorCode(err);
    await ctx.store.changeRequests.decide(id, 'cancelled', who.userId, now);
    ctx.logger.warn({ requestId: id, err }, 'approval card could not be posted');
    throw new UserFacingError(
      code === 'not_in_channel' || code === 'channel_not_found'
        ? 'I cannot post the approval card in this channel: invite the bot (`/invite @ecs-ops`) and request again. Nothing was requested.'
        : `The approval card could not be posted (Slack said ${code}); nothing was requested. Try again.`,
    );
  }
  if (!ts) throw new UserFacingError('Slack did not return the approval card; nothing was requested. Try again.');
  await ctx.store.changeRequests.setCard(id, who.channelId, ts);
  await auditRequest(ctx, req, 'requested', {
    actor: who.userId,
    after: plan.requested.value,
    detail: {
      summary: plan.summary,
      effects: plan.effects,
      warnings: plan.warnings,
      reason: p.reason,
      expiresAt: req.expiresAt,
    },
  });
  ctx.logger.info({ requestId: id, action: p.action, target: plan.target, requester: who.userId }, 'change requested');
  return { requestId: id, plan };
}
