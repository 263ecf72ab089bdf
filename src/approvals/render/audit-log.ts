import type { types } from '@slack/bolt';
import { code, escapeText, mentionUser, slackDate } from '../../slack/mrkdwn';
import { plural, truncate } from '../../util/text';
import type { EphemeralMessage } from './change-request';
import { LIMITS } from '../../slack/limits';

type KnownBlock = types.KnownBlock;

/** What the audit log shows of one audited action; the feature passes its audit rows. */
export interface AuditLineView {
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  requestId?: string;
  approver?: string;
  before?: unknown;
  after?: unknown;
  awsRequestId?: string;
  error?: string;
  /** The entry's detail: a change's account, region and session name are shown from it. */
  detail?: unknown;
}

/**
 * One emoji per audit outcome, wherever audited actions are listed (/ecs audit, App Home). The approvals
 * feature checks that every outcome the store knows has one (approvals/audit.ts).
 */
export const AUDIT_OUTCOME_ICON = {
  succeeded: ':white_check_mark:',
  failed: ':x:',
  rejected: ':no_entry:',
  cancelled: ':no_entry_sign:',
  expired: ':hourglass:',
  refused: ':lock:',
  'dry-run': ':test_tube:',
  requested: ':inbox_tray:',
  recorded: ':memo:',
  approved: ':ballot_box_with_check:',
} as const;

/** The icon of an outcome, or `fallback` for one the bot does not know. */
export function outcomeIcon(outcome: string, fallback: string): string {
  const icons: Readonly<Record<string, string>> = AUDIT_OUTCOME_ICON;
  return Object.hasOwn(icons, outcome) ? icons[outcome] : fallback;
}

function short(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  const o = v as Record<string, unknown>;
  if ('desired' in o && Object.keys(o).length <= 3)
    return Object.entries(o)
      .map(([k, x]) => (k === 'desired' ? String(x) : `${k} ${String(x)}`))
      .join(', ');
  return truncate(JSON.stringify(v), 80);
}

/** `in prod (111111111111) · eu-west-1 · session `ecs-chatops-…``, from a change's audit detail. */
function whereOfDetail(detail: unknown): string | undefined {
  if (!detail || typeof detail !== 'object') return undefined;
  const d = detail as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' ? truncate(x, 80) : undefined);
  const account = str(d.account);
  const region = str(d.region);
  const id = str(d.accountId);
  const session = str(d.session);
  const out: string[] = [];
  if (account && region)
    out.push(`in ${escapeText(account)}${id ? ` (${escapeText(id)})` : ''} · ${escapeText(region)}`);
  if (session) out.push(`session ${code(session)}`);
  return out.length ? out.join(' · ') : undefined;
}

/**
 * Every approver of a change that needed several (the detail's `approvers`, the entry's `approver`
 * last, as the one whose approval ran it); at most a handful, each a Slack user ID.
 */
function approversOfDetail(detail: unknown, last: string | undefined): string[] {
  const list = (detail as { approvers?: unknown } | undefined)?.approvers;
  if (!Array.isArray(list)) return [];
  const ids = list.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 40);
  const ordered = last && ids.includes(last) ? [...ids.filter((x) => x !== last), last] : ids;
  return ordered.slice(0, 10);
}

/** One audit entry as one mrkdwn line (user and AWS text escaped). */
export function auditLine(e: AuditLineView): string {
  const parts = [
    `${outcomeIcon(e.outcome, ':memo:')} ${slackDate(e.at, '{date_short} {time}')}`,
    `*${escapeText(e.outcome)}*`,
    `${escapeText(e.action)} ${code(e.target)}`,
  ];
  const before = short(e.before);
  const after = short(e.after);
  if (before !== '' || after !== '') parts.push(`${escapeText(before || '?')} → ${escapeText(after || '?')}`);
  parts.push(`by ${mentionUser(e.actor)}`);
  const approvers = approversOfDetail(e.detail, e.approver);
  if (approvers.length > 1) parts.push(`approved by ${approvers.map(mentionUser).join(' and ')}`);
  else if (e.approver && e.approver !== e.actor) parts.push(`approved by ${mentionUser(e.approver)}`);
  const where = whereOfDetail(e.detail);
  if (where) parts.push(where);
  if (e.requestId) parts.push(`request ${code(e.requestId)}`);
  if (e.awsRequestId) parts.push(`AWS ${code(e.awsRequestId)}`);
  let line = parts.join(' · ');
  if (e.error) line += `\n      ${escapeText(truncate(e.error, 300))}`;
  return line;
}

/** `/ecs audit [n]`: the latest audited actions, newest first, packed into as few sections as fit. */
export function renderAuditLog(
  entries: AuditLineView[],
  o: { requested: number; requestId?: string },
): EphemeralMessage {
  const title = o.requestId
    ? `Audit of request ${code(o.requestId)}`
    : `Latest ${plural(entries.length, 'audited action')}`;
  if (entries.length === 0) {
    return {
      response_type: 'ephemeral',
      text: 'Nothing audited yet.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: o.requestId
              ? `Nothing audited for request ${code(o.requestId)}.`
              : 'Nothing audited yet: no change has been requested.',
          },
        },
      ],
    };
  }
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } }];
  let chunk = '';
  let budget = LIMITS.cumulativeBlockText - 500;
  let shown = 0;
  for (const e of entries) {
    const line = auditLine(e);
    if (budget - line.length < 0 || blocks.length >= LIMITS.blocksPerMessage - 2) break;
    if (chunk.length + line.length + 1 > LIMITS.sectionText) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk += (chunk ? '\n' : '') + line;
    budget -= line.length;
    shown++;
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  if (shown < entries.length) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Showing ${shown} of ${entries.length}; ask for fewer with \`/ecs audit ${shown}\`.` },
      ],
    });
  }
  return {
    response_type: 'ephemeral',
    text: truncate(
      `${title.replace(/`/g, '')}: ${entries
        .slice(0, shown)
        .map((e) => escapeText(`${e.outcome} ${e.action} ${e.target}`))
        .join('; ')}`,
      3000,
    ),
    blocks,
  };
}
