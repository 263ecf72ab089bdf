import type { RespondArguments, types } from '@slack/bolt';
import { LIMITS } from '../slack/limits';
import { clipMrkdwn, escapeText, slackDate } from '../slack/mrkdwn';
import { summaryLine } from './run-doctor';
import type { CheckResult, CheckStatus, DoctorReport } from './types';

const EMOJI: Record<CheckStatus, string> = {
  fail: ':x:',
  warn: ':warning:',
  skip: ':fast_forward:',
  pass: ':white_check_mark:',
};
const ORDER: Record<CheckStatus, number> = { fail: 0, warn: 1, skip: 2, pass: 3 };

/** Text budget for all sections together, well under Slack's cumulative block-text limit. */
const TEXT_BUDGET = LIMITS.cumulativeBlockText - 1000;

/** A code block whose content cannot close it early. */
function codeBlock(s: string): string {
  return '```' + escapeText(s).replace(/`/g, 'ˋ') + '```';
}

function checkText(r: CheckResult, budget: number): string {
  let text = `${EMOJI[r.status]} *${escapeText(r.name)}* — ${escapeText(r.detail)}`;
  if (r.fix) text += `\n*Fix:* ${escapeText(r.fix)}`;
  if (r.command) text += `\n${codeBlock(r.command)}`;
  // Cutting could split a code block or an entity; drop the command first, then cut plain text.
  if (text.length > budget && r.command) text = text.slice(0, text.lastIndexOf('\n```'));
  return cut(text, budget);
}

const cut = clipMrkdwn;

/**
 * The doctor's report as an ephemeral Block Kit message: failures first, each with its fix (and the
 * command that applies it), then warnings, then every passed check on one line each. Pure; enforces
 * Slack's block count and text limits whatever the number of checks.
 */
export function renderDoctorReport(report: DoctorReport): RespondArguments {
  const sorted = [...report.results].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const notPassed = sorted.filter((r) => r.status !== 'pass');
  const passed = sorted.filter((r) => r.status === 'pass');
  const failed = notPassed.some((r) => r.status === 'fail');

  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'ECS ChatOps doctor' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${failed ? ':x: *Something needs fixing.*' : ':white_check_mark: *All good.*'} ${summaryLine(report.results)}`,
      },
    },
  ];
  // header + summary + context + one section for the passes leave this many for the rest.
  const room = LIMITS.blocksPerMessage - 4;
  const shown = notPassed.slice(0, room);
  const perCheck = Math.min(LIMITS.sectionText, Math.floor(TEXT_BUDGET / Math.max(1, shown.length + 1)));
  for (const r of shown) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: checkText(r, perCheck) } });
  const hidden = notPassed.length - shown.length;
  const passLines = passed.map((r) => `${EMOJI.pass} *${escapeText(r.name)}* — ${escapeText(r.detail)}`);
  if (hidden > 0) passLines.unshift(`…and ${hidden} more problems: run \`npm run doctor\` for the full list.`);
  if (passLines.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(passLines.join('\n'), perCheck) } });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Region ${escapeText(report.region)} · checked ${slackDate(report.at)} · also: \`npm run doctor\``,
      },
    ],
  });
  return {
    response_type: 'ephemeral',
    replace_original: false,
    text: `ECS ChatOps doctor: ${summaryLine(report.results)}`,
    blocks,
  };
}
