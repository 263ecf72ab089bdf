import type { types } from '@slack/bolt';
import { proposeButton, type ProposeButtonValue } from '../approvals/api';
import type { Diagnosis, Finding, Severity } from '../ecs/diagnosis/types';
import { clipMrkdwn, code, escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import { fitBlocks, totalTextLength } from '../slack/block-budget';
import { plural, truncate } from '../util/text';
import { LIMITS } from '../slack/limits';

/**
 * Pure renderer of a diagnosis: the headline, the recommendation with its propose buttons (each opens
 * a pre-filled approval request, never acts), then the findings worst first with their evidence, the
 * healthy checks on one line, and what could not be read. Every text from AWS is escaped; the message
 * stays within Slack's block, section, context, button and cumulative limits however much evidence
 * there is: lower-severity evidence is dropped first, then whole findings, and the message says so.
 */

type KnownBlock = types.KnownBlock;

export interface DiagnosisMessage {
  text: string;
  blocks: KnownBlock[];
}

export interface DiagnosisRenderOptions {
  /** Who asked (shown in the footer). */
  requestedBy?: string;
  /** Thread the approval card should go to when a recommendation button is clicked. */
  threadTs?: string;
  /** The bot will say in the thread when the service is back (see WATCH_NOTE). */
  watching?: boolean;
  /** The account and region diagnosed (several accounts or regions): its buttons request changes there. */
  scope?: { account: string; region: string };
  /** `prod (111111111111) · eu-west-1`, shown in the footer. */
  where?: string;
  /**
   * The diagnosis graph, added by an update once drawn: its image right after the finding `after`
   * (at the end of the findings when that one is not shown), or the footer line saying why there is none.
   */
  graph?: { after: string } & ({ image: KnownBlock } | { note: string });
}

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
  ok: ':white_check_mark:',
};

/** Evidence lines shown per finding before "and N more". */
const MAX_EVIDENCE_LINES = 6;
const MAX_EVIDENCE_LINE = 300;
/** Findings shown in full; the rest are counted. */
const MAX_FINDINGS = 12;
/** Budget for the sum of all block text, well under Slack's undocumented cumulative limit. */
export const BLOCK_TEXT_BUDGET = LIMITS.cumulativeBlockText - 1000;

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clipMrkdwn(text, LIMITS.sectionText) },
});
const context = (...texts: string[]): KnownBlock => ({
  type: 'context',
  elements: texts
    .slice(0, LIMITS.contextElements)
    .map((t) => ({ type: 'mrkdwn' as const, text: clipMrkdwn(t, LIMITS.sectionText) })),
});

const capitalise = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
const sentence = (s: string) => (/[.!?…:]$/.test(s) ? s : `${s}.`);

/** Characters of one excerpt line (ten of them fit a section with room to spare). */
const MAX_EXCERPT_LINE = 250;

function evidenceText(f: Finding, max = MAX_EVIDENCE_LINES): string | undefined {
  if (f.evidence.length === 0) return undefined;
  const shown = f.evidence
    .slice(0, max)
    .map((l) => `• ${escapeText(truncate(l.replace(/\s+/g, ' '), MAX_EVIDENCE_LINE))}`);
  if (f.evidence.length > max) shown.push(`• and ${f.evidence.length - max} more`);
  return shown.join('\n');
}

function findingBlocks(f: Finding, withEvidence: boolean): KnownBlock[] {
  const blocks = [
    section(
      `${SEVERITY_EMOJI[f.severity]} *${escapeText(truncate(f.title, 400))}*\n${escapeText(truncate(f.detail, 1200))}`,
    ),
  ];
  const ev = withEvidence ? evidenceText(f) : undefined;
  if (ev) blocks.push(context(ev));
  if (withEvidence && f.excerpt) {
    // Log text as written, inside a code block: escaped like any outside text, so nothing in it acts.
    const lines = f.excerpt.lines.map((l) => escapeText(truncate(l, MAX_EXCERPT_LINE)));
    const fence = lines.length > 0 ? `\n\`\`\`${lines.join('\n')}\`\`\`` : '';
    blocks.push(section(clipMrkdwn(`${escapeText(truncate(f.excerpt.caption, 500))}${fence}`, LIMITS.sectionText)));
  }
  return blocks;
}

export function target(d: Pick<Diagnosis, 'cluster' | 'service'>): string {
  return `${d.cluster}/${d.service}`;
}

/** The plain-text line a notification shows (and screen readers read). */
function diagnosisText(d: Diagnosis): string {
  const rec = d.recommendation ? ` Recommendation: ${d.recommendation.summary}.` : d.healthy ? ' Nothing to do.' : '';
  return escapeText(truncate(`Diagnosis of ${target(d)}: ${d.headline}.${rec}`, 1000));
}

export function renderDiagnosis(d: Diagnosis, o: DiagnosisRenderOptions = {}): DiagnosisMessage {
  const head: KnownBlock[] = [
    section(
      `${SEVERITY_EMOJI[d.healthy ? 'ok' : d.severity]} *Diagnosis of ${code(target(d))}*: ${escapeText(truncate(d.headline, 600))}`,
    ),
  ];
  const rec = d.recommendation;
  if (rec) {
    head.push(section(`*Recommendation:* ${escapeText(truncate(sentence(capitalise(rec.summary)), 1500))}`));
    if (rec.actions.length > 0) {
      head.push({
        type: 'actions',
        block_id: 'diagnose_recommendation',
        elements: rec.actions.slice(0, 5).map((a, i) => {
          const value: ProposeButtonValue = {
            ...a.proposal,
            ...(o.threadTs ? { t: o.threadTs } : {}),
            ...(o.scope ? { ac: o.scope.account, rg: o.scope.region } : {}),
          };
          const b = proposeButton(a.label, value, i + 1);
          return a.primary ? { ...b, style: 'primary' as const } : b;
        }),
      });
    }
    const notes = rec.notes.map((n) => escapeText(truncate(n, 500)));
    if (rec.actions.length > 0)
      notes.push('Each button opens an approval request; nothing changes until an approver approves it.');
    if (notes.length) head.push(context(notes.join('\n')));
  } else if (d.healthy) {
    head.push(section('Nothing to do: no change is recommended.'));
  }

  const problems = d.findings.filter((f) => f.severity !== 'ok');
  const oks = d.findings.filter((f) => f.severity === 'ok');
  const tail: KnownBlock[] = [];
  if (oks.length)
    tail.push(context(oks.map((f) => `${SEVERITY_EMOJI.ok} ${escapeText(truncate(f.title, 200))}`).join('\n')));
  if (d.gaps.length)
    tail.push(
      context(
        `:warning: Not read, so not part of this diagnosis: ${d.gaps
          .map((g) => escapeText(truncate(g, 300)))
          .slice(0, 6)
          .join('; ')}`,
      ),
    );
  if (o.watching) tail.push(context(WATCH_NOTE));
  if (o.graph && 'note' in o.graph) tail.push(context(o.graph.note));
  tail.push(
    context(
      `Read-only diagnosis${o.where ? ` in ${escapeText(o.where)}` : ''} · ${slackDate(d.at)}${o.requestedBy ? ` · asked by ${mentionUser(o.requestedBy)}` : ''}`,
    ),
  );

  // Lay out the problems, most severe first, within the block count and the text budget: evidence of
  // the least severe findings goes first, then the findings themselves.
  const shown = problems.slice(0, MAX_FINDINGS);
  let withEvidence = shown.length;
  let count = shown.length;
  const build = () => {
    const body: KnownBlock[] = [];
    const image = o.graph && 'image' in o.graph ? o.graph : undefined;
    shown.slice(0, count).forEach((f, i) => {
      body.push(...findingBlocks(f, i < withEvidence));
      if (image && f.id === image.after) body.push(image.image);
    });
    if (image && !body.includes(image.image)) body.push(image.image);
    const hidden = problems.length - count;
    if (hidden > 0)
      body.push(
        context(
          `${plural(hidden, 'more finding')} not shown: run \`/ecs diagnose ${target(d)}\` or \`/ecs status ${target(d)}\` for the rest.`,
        ),
      );
    return [...head, ...(body.length ? [{ type: 'divider' } as KnownBlock, ...body] : []), ...tail];
  };
  let blocks = build();
  while (
    (blocks.length > LIMITS.blocksPerMessage || totalTextLength(blocks) > BLOCK_TEXT_BUDGET) &&
    (withEvidence > 0 || count > 1)
  ) {
    if (withEvidence > 0) withEvidence -= 1;
    else count -= 1;
    blocks = build();
  }
  return { text: diagnosisText(d), blocks: fitBlocks(blocks) };
}

// ---------------------------------------------------------------------------------------------
// The watch after a diagnosis: one line in the alarm thread when the service is back, or when the
// bot stops watching.

export interface WatchLineView {
  cluster: string;
  service: string;
  desired: number;
  running: number;
  pending: number;
  /** Since the diagnosis. */
  elapsedMs: number;
  /** The account and region of a service outside the default ones: the command to run names them. */
  scope?: { account: string; region: string };
}

function elapsed(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** Shown in the diagnosis when the bot keeps watching the service in the thread. */
export const WATCH_NOTE = ':eyes: The bot watches this service and says here when it runs its desired count again.';

export function renderRecoveredLine(v: WatchLineView): string {
  return `:white_check_mark: ${code(target(v))} is back to its desired count: ${v.running} of ${plural(v.desired, 'task')} running (${elapsed(v.elapsedMs)} after the diagnosis).`;
}

export function renderWatchExpiredLine(v: WatchLineView): string {
  const flags = v.scope ? ` --account ${v.scope.account} --region ${v.scope.region}` : '';
  return `:hourglass: ${code(target(v))} is still short after ${elapsed(v.elapsedMs)}: ${v.running} of ${v.desired} tasks running, ${v.pending} pending. The bot stops watching; run ${code(`/ecs diagnose ${target(v)}${flags}`)} for the current picture.`;
}

/** The watch's account or region is no longer configured (the settings changed since it began). */
export function renderWatchUnconfiguredLine(
  v: Pick<WatchLineView, 'cluster' | 'service'> & { reason: string },
): string {
  return `:information_source: The bot stops watching ${code(target(v))}: ${escapeText(v.reason)}.`;
}
