import { summaryLine } from './run-doctor';
import type { CheckStatus, DoctorReport } from './types';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const COLOR: Record<CheckStatus, string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', skip: '\x1b[2m' };
const RESET = '\x1b[0m';

/** Strips control characters from text that came from Slack or AWS, so it cannot drive the terminal. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/**
 * The doctor's report for a terminal: one line per check in a fixed order, its fix and command
 * indented under it, and a summary. Pure; `color` adds ANSI colours to the status labels.
 */
export function formatDoctorText(report: DoctorReport, opts: { color?: boolean } = {}): string {
  const width = Math.max(...report.results.map((r) => r.name.length), 10);
  const lines = [`ecs-chatops doctor · region ${clean(report.region)} · ${new Date(report.at).toISOString()}`, ''];
  for (const r of report.results) {
    const label = opts.color ? `${COLOR[r.status]}${LABEL[r.status]}${RESET}` : LABEL[r.status];
    lines.push(`  ${label}  ${r.name.padEnd(width)}  ${clean(r.detail)}`);
    const indent = ' '.repeat(8 + width + 2);
    if (r.fix) lines.push(`${indent}fix: ${clean(r.fix)}`);
    if (r.command) lines.push(`${indent}$ ${clean(r.command)}`);
  }
  lines.push('', `Doctor: ${summaryLine(report.results)}.`);
  return lines.join('\n') + '\n';
}
