import type { types } from '@slack/bolt';
import { alarmLine, type OpenAlarmView } from '../alarm-admin/api';
import { ACTIONS, encodeValue } from '../slack/actions';
import { clipMrkdwn, code, escapeText, mentionUser, neutraliseText, slackDate } from '../slack/mrkdwn';
import { plural, truncate } from '../util/text';
import { addItems, BlockBudget } from '../slack/block-budget';
import { actionTitle, outcomeIcon } from '../approvals/api';
import { LIMITS } from '../slack/limits';

type Block = types.KnownBlock;

/** A section of the Home tab: what could be read, or why it could not. */
export type HomeSection<T> = { items: T[]; total: number; notes?: string[] } | { error: string };

export interface HomeChangeView {
  id: string;
  action: string;
  summary: string;
  target: string;
  requestedBy: string;
  reason?: string;
  createdAt: number;
  expiresAt: number;
  warnings: number;
}

export interface HomeClusterView {
  name: string;
  /** `prod · eu-west-1` when the bot reads several accounts or regions. */
  where?: string;
  containerInsights: string;
  runningTasks: number;
  pendingTasks: number;
  registeredInstances: number;
  activeServices: number;
}

export interface HomeAuditView {
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  approver?: string;
  error?: string;
}

export interface HomeData {
  now: number;
  /** The user the tab is published for (Cancel shows on their own requests). */
  userId: string;
  alarms: HomeSection<OpenAlarmView>;
  changes: HomeSection<HomeChangeView>;
  clusters: HomeSection<HomeClusterView>;
  audit: HomeSection<HomeAuditView>;
  /** A short notice on top, e.g. the outcome of the user's last click on this tab (mrkdwn, already escaped). */
  notice?: string;
}

export interface HomeView {
  type: 'home';
  callback_id: string;
  blocks: Block[];
}

const HOME_CALLBACK_ID = 'ecs_home';

/** The value of the Home tab's Approve / Reject / Cancel buttons. */
export interface HomeDecisionValue {
  id: string;
}

/** Room kept for each later section: its header, divider and one line. */
const SECTION_RESERVE = { blocks: 3, chars: 400 };

const mrkdwn = (text: string, max: number = LIMITS.sectionText): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clipMrkdwn(text, max) },
});
const note = (text: string): Block => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: clipMrkdwn(text, 1000) }],
});
const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(neutraliseText(text), LIMITS.headerText), emoji: true },
});

function reserveFor(laterSections: number): { blocks: number; chars: number } {
  return { blocks: SECTION_RESERVE.blocks * laterSections, chars: SECTION_RESERVE.chars * laterSections };
}

function sectionHeader(title: string, s: HomeSection<unknown>): Block[] {
  const n = 'error' in s ? '' : ` (${s.total})`;
  return [{ type: 'divider' }, header(`${title}${n}`)];
}

function failed(s: HomeSection<unknown>): Block[] | undefined {
  return 'error' in s ? [note(`:warning: ${escapeText(s.error)}`)] : undefined;
}

function changeBlocks(c: HomeChangeView, viewer: string): Block[] {
  const value = encodeValue({ id: c.id } satisfies HomeDecisionValue);
  const text =
    `*${escapeText(actionTitle(c.action))}* · ${code(c.target)}\n${escapeText(truncate(c.summary, 500))}\n` +
    `Requested by ${mentionUser(c.requestedBy)} ${slackDate(c.createdAt)} · expires ${slackDate(c.expiresAt, '{time}')}` +
    (c.reason ? ` · _${escapeText(truncate(c.reason, 200))}_` : '') +
    (c.warnings ? ` · :warning: ${plural(c.warnings, 'warning')} on the card` : '');
  const buttons: types.Button[] = [
    {
      type: 'button',
      text: { type: 'plain_text', text: 'Approve' },
      style: 'primary',
      action_id: ACTIONS.homeApprove,
      value,
      confirm: {
        title: { type: 'plain_text', text: 'Approve this change?' },
        text: { type: 'plain_text', text: truncate(`${neutraliseText(c.summary)}. It runs at once.`, 300) },
        confirm: { type: 'plain_text', text: 'Approve' },
        deny: { type: 'plain_text', text: 'Not yet' },
      },
    },
    {
      type: 'button',
      text: { type: 'plain_text', text: 'Reject' },
      style: 'danger',
      action_id: ACTIONS.homeReject,
      value,
    },
  ];
  if (c.requestedBy === viewer)
    buttons.push({
      type: 'button',
      text: { type: 'plain_text', text: 'Cancel' },
      action_id: ACTIONS.homeCancel,
      value,
    });
  return [
    mrkdwn(text, 1200),
    { type: 'actions', block_id: `home_change_${c.id}`.slice(0, LIMITS.blockId), elements: buttons },
  ];
}

function clusterLine(c: HomeClusterView): string {
  const insights =
    c.containerInsights === 'enabled' || c.containerInsights === 'enhanced'
      ? `:large_green_circle: Insights ${c.containerInsights}`
      : `:white_circle: Insights ${escapeText(c.containerInsights)}`;
  const pending = c.pendingTasks > 0 ? `:large_orange_circle: *${c.pendingTasks} pending*` : '0 pending';
  return `${code(c.name)}${c.where ? ` · ${escapeText(c.where)}` : ''} · ${insights} · ${c.runningTasks} running · ${pending} · ${plural(c.registeredInstances, 'instance')} · ${plural(c.activeServices, 'service')}`;
}

function auditLine(a: HomeAuditView): string {
  const who =
    a.approver && a.approver !== a.actor
      ? `${mentionUser(a.actor)} (approved by ${mentionUser(a.approver)})`
      : mentionUser(a.actor);
  const err = a.error ? ` — ${escapeText(truncate(a.error, 160))}` : '';
  return `${outcomeIcon(a.outcome, ':small_blue_diamond:')} ${slackDate(a.at)} · ${escapeText(a.action)} ${code(a.target)} · ${escapeText(a.outcome)} · ${who}${err}`;
}

/**
 * The App Home tab: open alarms, pending change requests with their buttons, clusters at a glance and
 * the latest audited actions. Pure; stays within 100 blocks and the text budget whatever it is given,
 * saying what it left out.
 */
export function renderHome(d: HomeData): HomeView {
  const budget = new BlockBudget(LIMITS.blocksPerView, LIMITS.cumulativeBlockText);
  budget.add([
    header('ECS ChatOps'),
    {
      type: 'actions',
      block_id: 'home_top',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: ':arrows_counterclockwise: Refresh', emoji: true },
          action_id: ACTIONS.homeRefresh,
          value: 'refresh',
        },
      ],
    },
    note(
      `Updated ${slackDate(d.now, '{date_short_pretty} {time_secs}')} · refreshes each time you open this tab · ${code('/ecs help')} lists the commands`,
    ),
  ]);
  if (d.notice) budget.add([mrkdwn(d.notice, 1000)]);

  // Open alarms
  budget.add(sectionHeader(':rotating_light: Open alarms', d.alarms), reserveFor(3));
  const alarmsFailed = failed(d.alarms);
  if (alarmsFailed) budget.add(alarmsFailed, reserveFor(3));
  else if ('items' in d.alarms && d.alarms.items.length === 0)
    budget.add([note(':large_green_circle: No open alarms.')], reserveFor(3));
  else if ('items' in d.alarms) {
    addItems(budget, d.alarms.items, (a) => [mrkdwn(alarmLine(a, d.now), 700)], {
      total: d.alarms.total,
      reserve: reserveFor(3),
      more: (left) => note(`…and ${left} more: ${code('/ecs alarms')} lists them all.`),
    });
  }

  // Pending change requests
  budget.add(sectionHeader(':inbox_tray: Pending change requests', d.changes), reserveFor(2));
  const changesFailed = failed(d.changes);
  if (changesFailed) budget.add(changesFailed, reserveFor(2));
  else if ('items' in d.changes && d.changes.items.length === 0)
    budget.add([note('Nothing waits for an approver.')], reserveFor(2));
  else if ('items' in d.changes) {
    addItems(budget, d.changes.items, (c) => changeBlocks(c, d.userId), {
      total: d.changes.total,
      reserve: reserveFor(2),
      more: (left) => note(`…and ${left} more: approve them on their cards in the channel.`),
    });
  }

  // Clusters at a glance
  budget.add(sectionHeader(':package: Clusters', d.clusters), reserveFor(1));
  const clustersFailed = failed(d.clusters);
  if (clustersFailed) budget.add(clustersFailed, reserveFor(1));
  else if ('items' in d.clusters && d.clusters.items.length === 0)
    budget.add([note('No ECS clusters in this region.')], reserveFor(1));
  else if ('items' in d.clusters) {
    addItems(budget, d.clusters.items, (c) => [mrkdwn(clusterLine(c), 600)], {
      total: d.clusters.total,
      reserve: reserveFor(1),
      more: (left) => note(`…and ${left} more clusters: ${code('/ecs status <cluster>')} shows one.`),
    });
  }
  if ('items' in d.clusters && d.clusters.notes?.length)
    budget.add([note(truncate(d.clusters.notes.map((n) => `:warning: ${escapeText(n)}`).join('\n'), 1500))]);

  // Latest audited actions
  budget.add(sectionHeader(':scroll: Latest actions', d.audit));
  const auditFailed = failed(d.audit);
  if (auditFailed) budget.add(auditFailed);
  else if ('items' in d.audit && d.audit.items.length === 0) budget.add([note('Nothing audited yet.')]);
  else if ('items' in d.audit) {
    addItems(budget, d.audit.items, (a) => [note(auditLine(a))], {
      total: d.audit.total,
      reserve: { blocks: 0, chars: 0 },
      more: (left) => note(`…and ${left} older.`),
    });
  }
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks: budget.blocks };
}
