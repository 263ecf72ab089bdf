import type { types } from '@slack/bolt';
import type { ChangePlan, ChangeStatus, ProposeButtonValue } from '../types';
import { ACTIONS, encodeValue } from '../../slack/actions';
import { code, escapeText, mentionUser, neutraliseText, slackDate } from '../../slack/mrkdwn';
import { plural, truncate } from '../../util/text';
import { LIMITS } from '../../slack/limits';
import { totalTextLength } from '../../slack/block-budget';
import { revisionDiffBlocks } from './revision-diff';

/**
 * Pure renderers for change requests: the approval card in each state, the dry-run plan, the rollout
 * lines posted in the card's thread, and the propose button other features put on their messages.
 * Plan texts are plain text from the executors and are escaped here; every block stays within limits.
 */

type KnownBlock = types.KnownBlock;
type Button = types.Button;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** An ephemeral answer (assignable to Bolt's RespondArguments), typed so tests can read its blocks. */
export interface EphemeralMessage extends SlackMessage {
  response_type: 'ephemeral';
  replace_original?: boolean;
}

/** Everything the card shows; built from the stored request. */
export interface ChangeCardView {
  id: string;
  status: ChangeStatus;
  plan: ChangePlan;
  requestedBy: string;
  reason?: string;
  createdAt: number;
  expiresAt: number;
  decidedBy?: string;
  /** Distinct approvers the change needs (1 unless the policy asks for more) and who has approved so far. */
  approvalsNeeded?: number;
  approvals?: string[];
  decidedAt?: number;
  finishedAt?: number;
  /** ExecutionResult.summary once succeeded. */
  resultSummary?: string;
  /** True when the rollout is followed in the card's thread. */
  followed?: boolean;
  error?: string;
}

/** The value of Approve / Reject / Cancel: the request id, validated by the handler. */
export interface DecisionValue {
  id: string;
}

const ACTION_TITLE: Record<string, string> = {
  'scale-service': 'Scale a service',
  'scale-instances': 'Scale cluster instances',
  'container-insights': 'Change Container Insights',
  'restart-service': 'Restart a service',
  'rollback-service': 'Roll back a service',
  'alarm-create': 'Create an alarm',
  'alarm-delete': 'Delete an alarm',
};

export function actionTitle(action: string): string {
  return ACTION_TITLE[action] ?? action;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function context(...texts: string[]): KnownBlock {
  return {
    type: 'context',
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, LIMITS.sectionText) })),
  };
}

function lines(prefix: string, items: string[]): string {
  return items.map((i) => `${prefix}${escapeText(i)}`).join('\n');
}

/** Where a change runs and the session it runs as (a plan's `where`). */
export interface ChangeWhereView {
  account: string;
  region: string;
  accountId?: string;
  roleArn?: string;
  sessionName?: string;
}

/** `prod (111111111111) · eu-west-1`: the account and region of a change. */
export function whereText(w: Pick<ChangeWhereView, 'account' | 'region' | 'accountId'>): string {
  return `${escapeText(w.account)}${w.accountId ? ` (${escapeText(w.accountId)})` : ''} · ${escapeText(w.region)}`;
}

/**
 * Where a change runs and how CloudTrail will name it, so an auditor can find its events: the
 * session name, and the approver as its source identity.
 */
export function whereLine(w: ChangeWhereView): string {
  const session = w.sessionName
    ? `runs as session ${code(w.sessionName)} of role ${code(w.roleArn ?? '')}, source identity: the approver`
    : w.roleArn
      ? `runs in a session of its own of role ${code(w.roleArn)}, source identity: the approver`
      : "runs with the bot's own credentials (no change role for this account: CloudTrail shows the bot, not the approver)";
  return truncate(`:cloud: *Account* ${whereText(w)} · ${session}`, 600);
}

/**
 * Character budgets per part, so a card stays well under Slack's cumulative block-text limit
 * (LIMITS.cumulativeBlockText) whatever the executors and the requester wrote.
 */
const BUDGET = {
  summary: 300,
  target: 300,
  value: 200,
  reason: 700,
  details: 1500,
  effects: 1500,
  warnings: 3000,
  status: 1800,
  /** A rollback's revision diff, at most. */
  diff: 3500,
  /** Header, status line, buttons and their confirmation, and a margin: what follows the plan on a card. */
  cardRest: 2800,
};

/** The body shared by the card and the dry run: what changes, from what to what, and what to know. */
export function planBlocks(plan: ChangePlan, o: { requestedBy: string; reason?: string }): KnownBlock[] {
  const blocks: KnownBlock[] = [
    section(`*${escapeText(truncate(plan.summary, BUDGET.summary))}*`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Requested by*\n${mentionUser(o.requestedBy)}` },
        { type: 'mrkdwn', text: `*Target*\n${code(truncate(plan.target, BUDGET.target))}` },
        {
          type: 'mrkdwn',
          text: `*Current → requested*\n${escapeText(truncate(plan.current.label, BUDGET.value))} → *${escapeText(truncate(plan.requested.label, BUDGET.value))}*`,
        },
        {
          type: 'mrkdwn',
          text: truncate(`*Reason*\n${o.reason ? escapeText(o.reason) : '_none given_'}`, BUDGET.reason),
        },
      ],
    },
  ];
  if (plan.where) blocks.push(context(whereLine(plan.where)));
  if (plan.details.length) blocks.push(context(truncate(lines('', plan.details), BUDGET.details)));
  const after: KnownBlock[] = [];
  if (plan.effects.length) after.push(section(truncate(lines(':information_source: ', plan.effects), BUDGET.effects)));
  if (plan.warnings.length) after.push(section(truncate(lines(':warning: ', plan.warnings), BUDGET.warnings)));
  if (plan.revisionDiff) {
    // The diff takes what the rest of the card leaves of Slack's cumulative limit (status and buttons included).
    const left = LIMITS.cumulativeBlockText - BUDGET.cardRest - totalTextLength([...blocks, ...after]);
    blocks.push(...revisionDiffBlocks(plan.revisionDiff, { maxChars: Math.min(BUDGET.diff, left) }));
  }
  return [...blocks, ...after];
}

/** "1 of 2 approvals: @B; waiting for one more" while a change needs several approvers. */
function approvalsLine(v: ChangeCardView): string {
  const approvals = v.approvals ?? [];
  const needed = v.approvalsNeeded ?? 1;
  const left = Math.max(needed - approvals.length, 0);
  const who = approvals.length ? `: ${approvals.map(mentionUser).join(', ')}` : '';
  const more = left === 1 ? 'one more' : `${left} more`;
  return `*${approvals.length} of ${needed} approvals*${who}; waiting for ${more}`;
}

function statusLine(v: ChangeCardView): string {
  const several = (v.approvalsNeeded ?? 1) > 1 && (v.approvals?.length ?? 0) > 0;
  const by = v.decidedBy ? mentionUser(v.decidedBy) : 'someone';
  const approvedBy = several ? v.approvals!.map(mentionUser).join(' and ') : by;
  switch (v.status) {
    case 'pending':
      return (v.approvalsNeeded ?? 1) > 1
        ? `:hourglass_flowing_sand: ${approvalsLine(v)} · expires ${slackDate(v.expiresAt)} · request ${code(v.id)}`
        : `:hourglass_flowing_sand: *Waiting for an approver* · expires ${slackDate(v.expiresAt)} · request ${code(v.id)}`;
    case 'executing':
      return `:gear: *Approved by ${approvedBy}* — applying the change…`;
    case 'succeeded':
      return `:white_check_mark: *Approved by ${approvedBy}* and applied${v.finishedAt ? ` ${slackDate(v.finishedAt)}` : ''}.${v.resultSummary ? ` ${escapeText(v.resultSummary)}` : ''}${v.followed ? ' The rollout is followed in the thread.' : ''}`;
    case 'failed':
      return v.decidedBy
        ? `:x: *Approved by ${approvedBy}, but the change failed:* ${escapeText(truncate(v.error ?? 'unknown error', 1500))}`
        : `:x: *Failed:* ${escapeText(truncate(v.error ?? 'unknown error', 1500))}`;
    case 'rejected':
      return `:no_entry: *Rejected by ${by}*${v.decidedAt ? ` ${slackDate(v.decidedAt)}` : ''}. Nothing was changed.`;
    case 'cancelled':
      return `:no_entry_sign: *Cancelled by ${by}* (the requester). Nothing was changed.`;
    case 'expired':
      return `:hourglass: *Expired* ${slackDate(v.expiresAt)} without a decision. Nothing was changed; request it again if it is still needed.`;
  }
}

function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
  confirm?: Button['confirm'],
): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(neutraliseText(text), LIMITS.buttonText) },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
    ...(confirm ? { confirm } : {}),
  };
}

/** The approval card: header, plan, status, and Approve / Reject / Cancel while pending. */
export function renderChangeCard(v: ChangeCardView): SlackMessage {
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`Change request: ${actionTitle(v.plan.action)}`, LIMITS.headerText) },
    },
    ...planBlocks(v.plan, { requestedBy: v.requestedBy, reason: v.reason }),
    context(truncate(statusLine(v), BUDGET.status)),
  ];
  if (v.status === 'pending') {
    const value = encodeValue({ id: v.id } satisfies DecisionValue);
    blocks.push({
      type: 'actions',
      block_id: `change_${v.id}`.slice(0, LIMITS.blockId),
      elements: [
        button('Approve', ACTIONS.changeApprove, value, 'primary', {
          title: { type: 'plain_text', text: 'Approve this change?' },
          text: { type: 'plain_text', text: truncate(`${neutraliseText(v.plan.summary)}. It runs at once.`, 300) },
          confirm: { type: 'plain_text', text: 'Approve' },
          deny: { type: 'plain_text', text: 'Not yet' },
        }),
        button('Reject', ACTIONS.changeReject, value, 'danger'),
        button('Cancel (requester)', ACTIONS.changeCancel, value),
      ],
    });
  }
  const state: Record<ChangeStatus, string> = {
    pending: 'waiting for an approver',
    executing: 'approved, applying',
    succeeded: 'applied',
    failed: 'failed',
    rejected: 'rejected',
    cancelled: 'cancelled',
    expired: 'expired',
  };
  const waiting =
    v.status === 'pending' && (v.approvalsNeeded ?? 1) > 1
      ? `${v.approvals?.length ?? 0} of ${v.approvalsNeeded} approvals, waiting for more`
      : state[v.status];
  return { text: truncate(`Change request: ${escapeText(v.plan.summary)} (${waiting})`, 3000), blocks };
}

/** `--dry-run`: the plan, ephemeral, saying plainly that nothing was requested or changed. */
export function renderDryRun(
  plan: ChangePlan,
  o: { requestedBy: string; reason?: string; command?: string },
): EphemeralMessage {
  return {
    response_type: 'ephemeral',
    text: truncate(`Dry run: ${escapeText(plan.summary)}. Nothing was requested or changed.`, 3000),
    blocks: [
      section(':test_tube: *Dry run* — this is the plan; nothing was requested or changed.'),
      ...planBlocks(plan, o),
      context(
        o.command
          ? `Run ${code(o.command)} (without --dry-run) to ask an approver.`
          : 'Run the command without --dry-run to ask an approver.',
      ),
    ],
  };
}

/** The ephemeral answer to a requester once the card is posted. */
export function requestPostedText(plan: ChangePlan, id: string, permalink?: string): string {
  const where = permalink ? `<${permalink}|the approval card>` : 'the approval card in this channel';
  return `:inbox_tray: Requested: ${escapeText(plan.summary)}. An approver approves it on ${where} (request ${code(id)}).`;
}

// ---------------------------------------------------------------------------------------------
// Rollout lines (posted in the card's thread)

export interface ServiceProgress {
  kind: 'service';
  target: string;
  /** The count the request set. */
  desired: number;
  /** The service's desired count now (differs when something else changed it). */
  desiredNow: number;
  running: number;
  pending: number;
}

export interface InstancesProgress {
  kind: 'instances';
  target: string;
  desired: number;
  /** The group's desired capacity now (differs when something else changed it). */
  desiredNow: number;
  inService: number;
  /** Instances of the group registered as container instances in the cluster. */
  registered: number;
  pendingTasks: number;
}

/** One deployment of a service, as ECS reports it. */
export interface DeploymentProgress {
  kind: 'deployment';
  target: string;
  deploymentId: string;
  taskDefinition: string;
  /** IN_PROGRESS, COMPLETED, FAILED; undefined when ECS no longer lists the deployment. */
  rolloutState?: string;
  rolloutStateReason?: string;
  /** PRIMARY while it is the deployment ECS works towards; ACTIVE once another replaced it. */
  status?: string;
  desired: number;
  running: number;
  pending: number;
  failedTasks: number;
  /** The service's PRIMARY deployment when it is another one (a rollback or a newer deployment). */
  replacedBy?: { id: string; taskDefinition: string };
}

export type RolloutProgress = ServiceProgress | InstancesProgress | DeploymentProgress;

export function progressText(p: RolloutProgress): string {
  if (p.kind === 'deployment') {
    const failed = p.failedTasks ? ` · ${p.failedTasks} failed` : '';
    return `${code(p.target)}: deployment of ${code(p.taskDefinition)} ${escapeText((p.rolloutState ?? 'gone').toLowerCase().replace('_', ' '))} · ${p.running}/${p.desired} new tasks running · ${p.pending} pending${failed}`;
  }
  if (p.kind === 'service') {
    return `${code(p.target)}: ${p.running}/${p.desired} tasks running · ${p.pending} pending`;
  }
  return `${code(p.target)}: ${p.inService}/${p.desired} instances in service · ${p.registered} registered in the cluster · ${p.pendingTasks} tasks pending`;
}

export function rolloutStartText(p: {
  target: string;
  what: string;
  timeoutMs: number;
  where?: ChangeWhereView;
}): string {
  const w = p.where;
  const at = w
    ? ` Changed in ${whereText(w)}${w.sessionName ? ` by session ${code(w.sessionName)} (CloudTrail: source identity of the approver)` : ''}.`
    : '';
  return `:arrows_counterclockwise: Following the rollout of ${code(p.target)} until ${escapeText(p.what)} (up to ${Math.round(p.timeoutMs / 60_000)} min).${at}`;
}

export function rolloutProgressLine(p: RolloutProgress): string {
  return `:hourglass_flowing_sand: ${progressText(p)}`;
}

export function rolloutReachedLine(p: RolloutProgress, elapsedMs: number): string {
  return `:white_check_mark: Reached: ${progressText(p)} (after ${formatMinutes(elapsedMs)}).`;
}

export function rolloutTimeoutLine(p: RolloutProgress | undefined, timeoutMs: number, hint: string): string {
  return `:warning: Not reached after ${formatMinutes(timeoutMs)}${p ? `: ${progressText(p)}` : ''}. ${escapeText(hint)} The bot stops following here.`;
}

/**
 * A followed deployment that ended without completing: failed (the circuit breaker stopped it, and
 * rolled it back when rollback is on) or replaced by another deployment.
 */
export function deploymentEndedLine(p: DeploymentProgress): string {
  const why = p.rolloutStateReason ? ` ECS says: ${escapeText(truncate(p.rolloutStateReason, 500))}` : '';
  const back = p.replacedBy
    ? ` The service now deploys ${code(p.replacedBy.taskDefinition)} (deployment ${code(p.replacedBy.id)}).`
    : '';
  if (p.rolloutState === 'FAILED') {
    // Say which: the circuit breaker rolled it back (another deployment is PRIMARY), or only stopped it.
    const how = p.replacedBy
      ? ` Rolled back by the deployment circuit breaker.${back}`
      : ` Not rolled back: no other deployment took over (the circuit breaker's rollback is off, or nothing earlier had completed).`;
    return `:x: The deployment of ${code(p.taskDefinition)} on ${code(p.target)} failed${p.failedTasks ? ` (${plural(p.failedTasks, 'task')} failed)` : ''}.${why}${how} Check the service events and ${code(`/ecs logs ${p.target}`)}. The bot stops following here.`;
  }
  return `:information_source: The deployment ${code(p.deploymentId)} of ${code(p.target)} was replaced by another deployment before it completed.${back} The bot stops following this request.`;
}

/** Something else (auto scaling, a person in the console) changed the desired count meanwhile. */
export function rolloutStoppedLine(p: RolloutProgress): string {
  if (p.kind === 'deployment') return deploymentEndedLine(p);
  const what = p.kind === 'service' ? 'desired count' : 'desired capacity';
  const who =
    p.kind === 'service'
      ? 'service auto scaling or someone in the console'
      : 'capacity provider managed scaling or someone in the console';
  return `:information_source: The ${what} of ${code(p.target)} is now ${p.desiredNow}, not ${p.desired}: changed outside this request (${who}). The bot stops following this request.`;
}

export function formatMinutes(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m} min ${s} s` : `${m} min`;
}

// ---------------------------------------------------------------------------------------------
// Propose buttons (other features put them on their messages)

/**
 * A button that proposes a change request (never acts by itself). `n` makes the action_id unique
 * within its actions block (Slack requires it); the listener matches the ACTIONS.changePropose prefix.
 */
export function proposeButton(label: string, value: ProposeButtonValue, n?: number): Button {
  return button(
    label,
    n === undefined ? ACTIONS.changePropose : `${ACTIONS.changePropose}:${n}`,
    encodeValue(value as unknown as Record<string, unknown>),
  );
}
