import type { types } from '@slack/bolt';
import type { BotServiceChange } from '../../approvals/api';
import { addItems, BlockBudget, fitMessageText } from '../../slack/block-budget';
import { code, escapeText, mentionUser, slackDate } from '../../slack/mrkdwn';
import { formatDuration } from '../../util/duration';
import { plural, truncate } from '../../util/text';
import type { DeploymentHistory, DeploymentRow, HistorySource } from '../history';

/**
 * Pure renderer of /ecs deployments: one section per deployment, newest first, then the other changes
 * the bot made to the service, then where the history comes from. Every name, image, reason and id
 * from AWS or a user is escaped; the message stays within Slack's block and text limits however long
 * the history (the rest is counted).
 */

type Block = types.KnownBlock;

export interface DeploymentsView {
  cluster: string;
  service: string;
  now: number;
  /** The service's task definition now. */
  current: string;
  history: DeploymentHistory;
  /** Containers and images per revision read. */
  images: Map<string, { container: string; image?: string }[]>;
  gaps: string[];
  /** `prod (111111111111) · eu-west-1` with several accounts or regions. */
  where?: string;
}

export interface DeploymentsMessage {
  text: string;
  blocks: Block[];
}

const STATE_ICON: Record<string, string> = {
  COMPLETED: ':white_check_mark:',
  FAILED: ':x:',
  IN_PROGRESS: ':hourglass_flowing_sand:',
};

const ACTION_WORD: Record<string, string> = {
  'restart-service': 'Restart',
  'rollback-service': 'Rollback',
  'scale-service': 'Scale',
};

const SOURCE_TEXT: Record<HistorySource, string> = {
  ecs: 'the deployments ECS holds now (DescribeServices)',
  events: "the service's events (ECS keeps its latest 100)",
  tasks: 'the tasks ECS still describes (stopped ones for about an hour)',
  bot: "the bot's own change requests",
};

const MAX_CONTAINERS = 6;

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

function when(label: string, at: number | undefined, now: number): string | undefined {
  if (at === undefined) return undefined;
  return `${label} ${slackDate(at)} (${formatDuration(Math.max(0, now - at))} ago)`;
}

function people(ids: string[]): string {
  return ids.map(mentionUser).join(', ');
}

/** "Rollback asked by @alice · approved by @bob · request `abc`" */
export function botLine(c: BotServiceChange): string {
  const word = ACTION_WORD[c.action] ?? escapeText(c.action);
  const approved = c.approvedBy.length ? ` · approved by ${people(c.approvedBy)}` : '';
  const failed = c.status === 'failed' ? ' · :warning: the change failed' : '';
  const reason = c.reason ? `\n_Reason:_ ${escapeText(truncate(c.reason, 300))}` : '';
  return `:bust_in_silhouette: ${word} asked by ${mentionUser(c.requestedBy)}${approved} · request ${code(c.requestId)}${failed}${reason}`;
}

function counts(r: DeploymentRow): string | undefined {
  const c = r.counts;
  if (!c) return r.startedTasks ? `${plural(r.startedTasks, 'task')} started` : undefined;
  const failed = c.failed ? `, ${c.failed} failed` : '';
  return `${c.running}/${c.desired} running, ${c.pending} pending${failed}`;
}

function imagesLine(v: DeploymentsView, rev: string | undefined): string | undefined {
  const list = rev ? v.images.get(rev) : undefined;
  if (!list || list.length === 0) return undefined;
  const shown = list
    .slice(0, MAX_CONTAINERS)
    .map((c) => `${escapeText(truncate(c.container, 80))} ${code(truncate(c.image ?? 'no image', 200))}`);
  if (list.length > MAX_CONTAINERS) shown.push(`and ${list.length - MAX_CONTAINERS} more`);
  return `Image${list.length > 1 ? 's' : ''}: ${shown.join(' · ')}`;
}

export function rowBlock(v: DeploymentsView, r: DeploymentRow): Block {
  const rev = r.taskDefinition ? `*${code(r.taskDefinition)}*` : '*revision not known*';
  const state = r.rolloutState
    ? `${STATE_ICON[r.rolloutState] ?? ':grey_question:'} ${escapeText(r.rolloutState)}`
    : r.replaced
      ? ':leftwards_arrow_with_hook: replaced by a later deployment'
      : ':grey_question: outcome not recorded';
  const head = [rev, r.status ? escapeText(r.status) : undefined, state, counts(r)].filter(Boolean).join(' · ');
  const reason =
    r.rolloutStateReason && r.rolloutState !== 'COMPLETED'
      ? `_${escapeText(truncate(r.rolloutStateReason, 300))}_`
      : undefined;
  const times = [
    r.id ? code(r.id) : undefined,
    when('created', r.createdAt, v.now),
    r.updatedAt !== undefined && r.updatedAt !== r.createdAt ? when('updated', r.updatedAt, v.now) : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [head, reason, times, imagesLine(v, r.taskDefinition), r.bot ? botLine(r.bot) : undefined];
  return section(lines.filter(Boolean).join('\n'));
}

function otherLine(c: BotServiceChange, now: number): string {
  const t = c.executedAt ?? c.requestedAt;
  return `• ${slackDate(t)} (${formatDuration(Math.max(0, now - t))} ago) ${escapeText(truncate(c.summary, 200))}\n   ${botLine(c)}`;
}

function sourcesText(v: DeploymentsView): string {
  const h = v.history;
  const list = h.sources.map((s) => SOURCE_TEXT[s]).join('; ');
  const oldest =
    h.oldestEventAt !== undefined ? ` The oldest event ECS still returns is from ${slackDate(h.oldestEventAt)}.` : '';
  return `:information_source: ECS keeps only the deployments in progress and the last one that completed; this history is rebuilt from ${list || 'nothing ECS returned'}.${oldest}`;
}

export function renderDeployments(v: DeploymentsView): DeploymentsMessage {
  const target = `${v.cluster}/${v.service}`;
  const h = v.history;
  const budget = new BlockBudget();
  budget.add(
    section(
      `:rocket: *Deployments of ${code(target)}* · now on ${code(v.current)}${v.where ? ` · ${escapeText(v.where)}` : ''}`,
    ),
  );
  const footerText = sourcesText(v);
  const gapsText = v.gaps.length
    ? `:warning: Not read, so not part of this history: ${v.gaps
        .slice(0, 6)
        .map((g) => escapeText(truncate(g, 300)))
        .join('; ')}`
    : undefined;
  const tail: Block[] = [context(footerText), ...(gapsText ? [context(gapsText)] : [])];
  const otherBlocks = h.otherChanges.length
    ? [
        section(
          `*Other changes the bot made to it*\n${h.otherChanges
            .slice(0, 5)
            .map((c) => otherLine(c, v.now))
            .join('\n')}`,
        ),
      ]
    : [];
  const reserve = { blocks: tail.length + otherBlocks.length, chars: 2500 };
  if (h.rows.length === 0)
    budget.add(section('No deployment found: ECS returned none, and the bot made none it remembers.'), reserve);
  addItems(budget, h.rows, (r) => [rowBlock(v, r)], {
    total: h.rows.length + h.more,
    reserve,
    more: (n) =>
      context(
        `${plural(n, 'older deployment')} not shown: ${code(`/ecs deployments ${target} --limit ${Math.min(25, h.rows.length + h.more)}`)}`,
      ),
  });
  for (const b of otherBlocks) budget.add(b, { blocks: tail.length, chars: 1200 });
  for (const b of tail) budget.add(b);
  const newest = h.rows[0];
  const text = newest
    ? `Deployments of ${target}: ${plural(h.rows.length + h.more, 'deployment')}, newest ${newest.taskDefinition ?? 'of an unknown revision'} ${newest.rolloutState ?? ''}`.trim()
    : `Deployments of ${target}: none found`;
  return { text: fitMessageText(escapeText(text)), blocks: budget.blocks };
}
