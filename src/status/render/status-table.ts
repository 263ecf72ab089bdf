import type { types } from '@slack/bolt';
import { escapeText, neutraliseText, truncate } from '../../slack/mrkdwn';
import { LIMITS } from '../../slack/limits';

/**
 * Building blocks for the /ecs status renderers: aligned monospace tables inside ``` blocks, a
 * budget that keeps a message within Slack's block and cumulative text limits, and RFC 4180 CSV for
 * the attached full tables. Pure.
 */

type KnownBlock = types.KnownBlock;

export type Align = 'left' | 'right';

export interface Column {
  title: string;
  align: Align;
  /** Cells longer than this are cut with "…". */
  max?: number;
}

/** Text inside a ``` block: escaped for mrkdwn, and no backtick can close the block early. */
export function inCode(s: string): string {
  return escapeText(s).replace(/`/g, 'ˋ');
}

/** One line, no control characters. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/**
 * Aligned rows (title row first) as plain lines; widths are measured in characters before
 * escaping, so `&` stays one column wide when Slack shows it.
 */
export function tableLines(cols: Column[], rows: string[][]): string[] {
  const cut = rows.map((r) => cols.map((c, i) => truncate(oneLine(r[i] ?? ''), c.max ?? 60)));
  const widths = cols.map((c, i) => Math.max([...c.title].length, ...cut.map((r) => [...r[i]].length)));
  const fmt = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i] - [...cell].length));
        return cols[i].align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .replace(/\s+$/, '');
  return [fmt(cols.map((c) => c.title)), ...cut.map(fmt)];
}

/** A ``` block of already-laid-out lines (escaped here). */
export function codeBlock(lines: string[]): string {
  return '```\n' + lines.map(inCode).join('\n') + '\n```';
}

export interface TableFit {
  text: string;
  shown: number;
}

/**
 * The most rows (≤ maxRows) whose ``` table fits in `maxChars` after escaping. Always returns at
 * least the title row.
 */
export function fitTable(cols: Column[], rows: string[][], maxRows: number, maxChars: number): TableFit {
  let n = Math.min(rows.length, maxRows);
  for (;;) {
    const text = codeBlock(tableLines(cols, rows.slice(0, n)));
    if (text.length <= maxChars || n === 0)
      return { text: text.length <= maxChars ? text : truncate(text, maxChars), shown: n };
    // Shrink proportionally first, then one row at a time.
    n = Math.max(0, Math.min(n - 1, Math.floor((n * maxChars) / text.length)));
  }
}

/** Characters of text a block carries (what Slack's cumulative limit counts). */
export function blockTextLength(b: KnownBlock): number {
  const shape = b as unknown as {
    type?: string;
    text?: { text?: unknown };
    fields?: { text?: unknown }[];
    elements?: { text?: unknown }[];
  };
  let n = 0;
  if (shape.text?.text) n += String(shape.text.text).length;
  for (const f of shape.fields ?? []) n += String(f.text ?? '').length;
  if (shape.type === 'context') for (const e of shape.elements ?? []) n += String(e.text ?? '').length;
  return n;
}

export function totalTextLength(blocks: KnownBlock[]): number {
  return blocks.reduce((a, b) => a + blockTextLength(b), 0);
}

/**
 * Keeps a message within Slack's limits: at most `maxBlocks` blocks and `maxChars` characters of
 * block text in total. `reserve` holds space back for blocks that must come last (footer).
 */
export class BlockBudget {
  readonly blocks: KnownBlock[] = [];
  private chars = 0;

  constructor(
    private readonly maxBlocks = LIMITS.blocksPerMessage,
    private readonly maxChars = LIMITS.cumulativeBlockText - 500,
  ) {}

  /** Characters still free after keeping `reserveChars` for later blocks. */
  charsLeft(reserveChars = 0): number {
    return Math.max(0, this.maxChars - this.chars - reserveChars);
  }

  blocksLeft(reserveBlocks = 0): number {
    return Math.max(0, this.maxBlocks - this.blocks.length - reserveBlocks);
  }

  /** Adds the block when it fits (keeping the reserve); returns whether it did. */
  add(b: KnownBlock, reserve: { blocks?: number; chars?: number } = {}): boolean {
    const len = blockTextLength(b);
    if (this.blocksLeft(reserve.blocks ?? 0) < 1 || len > this.charsLeft(reserve.chars ?? 0)) return false;
    this.blocks.push(b);
    this.chars += len;
    return true;
  }
}

export function header(text: string): KnownBlock {
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(oneLine(neutraliseText(text)), LIMITS.headerText), emoji: true },
  };
}

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function context(...texts: string[]): KnownBlock {
  return {
    type: 'context',
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, LIMITS.sectionText) })),
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

/** One CSV cell: quoted when needed; text a spreadsheet would run as a formula is defused with '. */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV (CRLF line ends) with a header row. */
export function toCsv(headers: string[], rows: unknown[][]): string {
  return [headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
