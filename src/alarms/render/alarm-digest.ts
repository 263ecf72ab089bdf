import type { types } from '@slack/bolt';
import type { AlarmView } from './view';
import { clipMrkdwn, escapeText, slackDate } from '../../slack/mrkdwn';
import { styleFor } from './alarm-style';
import { plural, truncate } from '../../util/text';
import { LIMITS } from '../../slack/limits';

/** Lines a digest lists before "…and N more" (keeps it well under the cumulative block text budget). */
export const DIGEST_MAX_LINES = 60;

/** Alarms one digest takes before a storm spills into the next digest, so every alarm keeps a line. */
export const DIGEST_CAPACITY = 40;

/** Characters of the plain-text digest: under Slack's 40,000 for `text`, and readable. */
const PLAIN_TEXT_MAX = 12_000;

function digestTitle(incidents: AlarmView[]): { title: string; firing: number } {
  const firing = incidents.filter((i) => i.state === 'ALARM').length;
  const title = `:rotating_light: Alarm storm: ${plural(incidents.length, 'new alarm')} (${firing} still firing)`;
  return { title, firing };
}

/** One line per alarm: state emoji, name, cluster/service, summary; escaped and bounded. */
function digestLines(incidents: AlarmView[]): string[] {
  return incidents.slice(0, DIGEST_MAX_LINES).map((i) => {
    const st = styleFor(i.state, i.notification.level, i.kind);
    const where = [i.cluster, i.service].filter(Boolean).join('/');
    return clipMrkdwn(
      `${st.emoji} *${escapeText(truncate(i.name, 120))}*${where ? ` — ${escapeText(where)}` : ''} — ${escapeText(truncate(i.notification.summary, 160))}`,
      400,
    );
  });
}

function footer(incidents: AlarmView[], threshold: number): string {
  const first = incidents.reduce((m, i) => Math.min(m, i.firedAt ?? i.createdAt), Number.POSITIVE_INFINITY);
  return `More than ${threshold} new alarms a minute${Number.isFinite(first) ? ` since ${slackDate(first, '{time}')}` : ''}: listed here in one message instead of one card each. States update in place.`;
}

/**
 * The digest as text only, for when Slack refuses its blocks: the same lines, so that no alarm of
 * the storm goes unseen.
 */
export function renderPlainDigest(incidents: AlarmView[], o: { threshold: number }): { text: string } {
  const { title } = digestTitle(incidents);
  const out: string[] = [`*${title}*`];
  let used = out[0].length + 400;
  let shown = 0;
  for (const line of digestLines(incidents)) {
    if (used + line.length + 1 > PLAIN_TEXT_MAX) break;
    out.push(line);
    used += line.length + 1;
    shown += 1;
  }
  if (shown < incidents.length) out.push(`…and ${incidents.length - shown} more.`);
  out.push(`_${footer(incidents, o.threshold)}_`);
  return { text: out.join('\n') };
}

/**
 * One message listing the alarms that arrived during a storm, each with its current state; updated
 * in place as they change. Sections are filled up to Slack's 3,000 characters each.
 */
export function renderDigest(
  incidents: AlarmView[],
  o: { now: number; threshold: number },
): { text: string; blocks: types.KnownBlock[] } {
  const { title, firing } = digestTitle(incidents);
  const lines = digestLines(incidents);
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, LIMITS.headerText), emoji: true } },
  ];
  // Stay well under the undocumented cumulative block-text limit; whatever does not fit is counted.
  let budget = LIMITS.cumulativeBlockText - 1500;
  let shown = 0;
  let chunk = '';
  for (const line of lines) {
    if (budget - line.length < 0 || blocks.length >= LIMITS.blocksPerMessage - 3) break;
    if (chunk.length + line.length + 1 > LIMITS.sectionText) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk += (chunk ? '\n' : '') + line;
    budget -= line.length + 1;
    shown += 1;
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  if (shown < incidents.length)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${incidents.length - shown} more.` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer(incidents, o.threshold) }] });
  return {
    text: truncate(`Alarm storm: ${incidents.length} new alarms, ${firing} firing`, 3000),
    blocks: blocks.slice(0, LIMITS.blocksPerMessage),
  };
}
