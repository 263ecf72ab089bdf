import type { RespondArguments, types } from '@slack/bolt';
import { ACTIONS, encodeValue } from '../slack/actions';
import { code, escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import { plural, truncate } from '../util/text';
import { LIMITS } from '../slack/limits';

/**
 * Pure renderers for /ecs query: the progress message with its Cancel button, the result table,
 * the CSV of a large result, and the failed / timed-out / cancelled endings. Every value from AWS or
 * the user is escaped; every message stays within Slack's limits (see limits.ts).
 */

type KnownBlock = types.KnownBlock;

export interface QueryStatsView {
  recordsScanned: number;
  recordsMatched: number;
  bytesScanned: number;
}

/** What was asked: the same for every state of one query's message. */
export interface QueryView {
  queryId: string;
  cluster: string;
  /** Preset name, or undefined for a raw query. */
  preset?: string;
  query: string;
  sinceLabel: string;
  startMs: number;
  endMs: number;
  /** Slack user ID of whoever ran the command. */
  requester: string;
  limit: number;
  /** The account and region queried (`prod (111111111111) · eu-west-1`), when several are configured. */
  where?: string;
  /** The configured account name and region, for the Cancel button (several accounts or regions). */
  scope?: { account: string; region: string };
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The Cancel button's value: compact, validated by the handler before use. */
export interface CancelValue {
  q: string;
  c: string;
  u: string;
  /** The account name and region the query runs in (several accounts or regions). */
  n?: string;
  r?: string;
}

export const MAX_TABLE_ROWS = 50;
const MAX_CELL_CHARS = 40;
const TABLE_BUDGET = LIMITS.sectionText - 10;
const QUERY_SHOWN_CHARS = 700;

const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function formatCount(n: number): string {
  return nf0.format(Math.round(n));
}

/** Bytes in decimal units, as AWS bills Logs Insights (per GB scanned). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m} min ${s} s` : `${m} min`;
}

function title(v: QueryView): string {
  const where = v.where ? ` in ${escapeText(v.where)}` : '';
  return `${v.preset ? `*${escapeText(v.preset)}*` : 'Raw query'} on ${code(v.cluster)}${where} · last ${escapeText(v.sinceLabel)}`;
}

function plainTitle(v: QueryView): string {
  return escapeText(
    `${v.preset ?? 'raw query'} on ${v.cluster}${v.where ? ` in ${v.where}` : ''} (last ${v.sinceLabel})`,
  );
}

function statsLine(stats: QueryStatsView): string {
  return `${formatCount(stats.recordsScanned)} records scanned · ${formatBytes(stats.bytesScanned)} scanned`;
}

function range(v: QueryView): string {
  return `${slackDate(v.startMs)} – ${slackDate(v.endMs)}`;
}

function queryContext(v: QueryView): KnownBlock {
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${code(truncate(v.query.replace(/\s+/g, ' '), QUERY_SHOWN_CHARS))}` }],
  };
}

function context(...texts: string[]): KnownBlock {
  return {
    type: 'context',
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, LIMITS.sectionText) })),
  };
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function cancelValue(v: QueryView): string {
  const where = v.scope ? { n: v.scope.account, r: v.scope.region } : {};
  return encodeValue({ q: v.queryId, c: v.cluster, u: v.requester, ...where } satisfies CancelValue);
}

/** The message shown while the query runs: status, records scanned so far, and a Cancel button. */
export function renderQueryProgress(
  v: QueryView,
  p: { status: string; stats: QueryStatsView; elapsedMs: number; note?: string },
): SlackMessage {
  const blocks: KnownBlock[] = [
    section(`:hourglass_flowing_sand: ${title(v)}\n${range(v)}`),
    context(
      `Status: *${escapeText(p.status)}* · ${statsLine(p.stats)} · ${formatElapsed(p.elapsedMs)} · started by ${mentionUser(v.requester)}`,
    ),
    queryContext(v),
  ];
  if (p.note) blocks.push(context(p.note));
  blocks.push({
    type: 'actions',
    block_id: 'query_actions',
    elements: [
      {
        type: 'button',
        action_id: ACTIONS.queryCancel,
        text: { type: 'plain_text', text: 'Cancel query' },
        style: 'danger',
        value: cancelValue(v),
      },
    ],
  });
  return { text: `Running ${plainTitle(v)}: ${escapeText(p.status)}`, blocks };
}

// ---------------------------------------------------------------------------------------------
// Result table

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** One line, no control characters, at most `max` characters. */
function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return truncate(s.replace(/[\u0000-\u001f\u007f]+/g, ' '), max);
}

interface Column {
  name: string;
  numeric: boolean;
  decimals: boolean;
}

function columns(fields: string[], rows: Record<string, string>[]): Column[] {
  return fields.map((name) => {
    const vals = rows.map((r) => r[name]).filter((x) => x !== undefined && x !== '');
    const numeric = vals.length > 0 && vals.every((x) => NUMERIC.test(x));
    return { name, numeric, decimals: numeric && vals.some((x) => !/^-?\d+$/.test(x)) };
  });
}

function cell(col: Column, raw: string | undefined): string {
  if (raw === undefined || raw === '') return '';
  if (col.numeric) {
    const n = Number(raw);
    if (Number.isFinite(n) && Math.abs(n) < 1e15) return col.decimals ? nf2.format(n) : nf0.format(n);
  }
  return raw;
}

/** Text inside a ``` block: escaped for mrkdwn, and no backtick run can close the block early. */
function inCode(s: string): string {
  return escapeText(s).replace(/`/g, 'ˋ');
}

export interface TablePlan {
  /** The whole section text, a ``` block, or '' when there are no rows. */
  text: string;
  shownRows: number;
  /** True when any shown cell was cut to MAX_CELL_CHARS. */
  cellsTruncated: boolean;
}

/**
 * Lays out an aligned monospace table of the top rows that fit one section (≤ 3000 characters) and
 * MAX_TABLE_ROWS. Numbers are right-aligned with thousands separators; text is left-aligned.
 */
export function planTable(fields: string[], rows: Record<string, string>[], maxRows = MAX_TABLE_ROWS): TablePlan {
  if (fields.length === 0 || rows.length === 0) return { text: '', shownRows: 0, cellsTruncated: false };
  const candidates = rows.slice(0, maxRows);
  const cols = columns(fields, candidates);
  let cellsTruncated = false;
  const display = candidates.map((r) =>
    cols.map((c) => {
      const raw = cell(c, r[c.name]);
      const out = clean(raw, MAX_CELL_CHARS);
      // eslint-disable-next-line no-control-regex -- control characters are what this looks for
      if (out !== raw.replace(/[\u0000-\u001f\u007f]+/g, ' ')) cellsTruncated = true;
      return out;
    }),
  );
  const header = cols.map((c) => clean(c.name, MAX_CELL_CHARS));
  const build = (n: number) => {
    const widths = cols.map((_, i) => Math.max(header[i].length, ...display.slice(0, n).map((r) => r[i].length)));
    const line = (vals: string[]) =>
      vals
        .map((val, i) => (cols[i].numeric ? val.padStart(widths[i]) : val.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    const lines = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...display.slice(0, n).map(line)];
    return '```\n' + lines.map(inCode).join('\n') + '\n```';
  };
  // Largest n whose table fits; widths only shrink with fewer rows, so search downwards.
  let n = display.length;
  let text = build(n);
  while (n > 1 && text.length > TABLE_BUDGET) {
    n--;
    text = build(n);
  }
  if (text.length > TABLE_BUDGET) {
    // Even one row is too wide (many long columns): cut the block, keeping it closed.
    text = truncate(text.slice(0, -4), TABLE_BUDGET - 4) + '\n```';
    cellsTruncated = true;
  }
  return { text, shownRows: n, cellsTruncated };
}

export type CsvDelivery = 'thread' | 'unavailable' | 'none';

export interface ResultInput {
  fields: string[];
  rows: Record<string, string>[];
  stats: QueryStatsView;
  elapsedMs: number;
}

/** Whether the full result needs a CSV next to the message (more rows, or cut cells). */
export function resultNeedsCsv(r: ResultInput): boolean {
  const plan = planTable(r.fields, r.rows);
  return plan.shownRows < r.rows.length || plan.cellsTruncated;
}

/**
 * The finished query: a table of the top rows, what it scanned (what it cost) and the time range.
 * `csv` says where the full result went when the table could not hold it.
 */
export function renderQueryResult(v: QueryView, r: ResultInput, csv: CsvDelivery): SlackMessage {
  const plan = planTable(r.fields, r.rows);
  const blocks: KnownBlock[] = [section(`:white_check_mark: ${title(v)}\n${range(v)}`)];
  blocks.push(section(plan.text || '_No rows matched in this time range._'));
  blocks.push(
    context(
      `${plural(r.rows.length, 'row')} · ${statsLine(r.stats)} · ${formatElapsed(r.elapsedMs)} · by ${mentionUser(v.requester)}`,
    ),
  );
  const notes: string[] = [];
  if (plan.shownRows < r.rows.length || plan.cellsTruncated) {
    const shown =
      plan.shownRows < r.rows.length
        ? `Showing the top ${plan.shownRows} of ${formatCount(r.rows.length)} rows`
        : 'Long values are cut';
    if (csv === 'thread') notes.push(`${shown}; the full result is attached as CSV in the thread.`);
    else if (csv === 'unavailable')
      notes.push(`${shown}; invite the bot to this channel to get the full result as CSV.`);
    else notes.push(`${shown}.`);
  }
  if (r.rows.length >= v.limit)
    notes.push(`The result stopped at ${formatCount(v.limit)} rows: raise \`--limit\` (up to 10000) for more.`);
  if (notes.length) blocks.push(context(...notes));
  blocks.push(queryContext(v));
  return {
    text: `Query ${plainTitle(v)}: ${plural(r.rows.length, 'row')}, ${formatBytes(r.stats.bytesScanned)} scanned`,
    blocks,
  };
}

export type QueryEnding =
  | { kind: 'failed'; detail?: string }
  | { kind: 'timeout' }
  | { kind: 'cancelled'; by?: string }
  | { kind: 'deadline'; afterMs: number }
  | { kind: 'shutdown' }
  | { kind: 'lost'; detail: string; ref: string };

/** Every way a query ends without a result, said plainly, with what it scanned so far. */
export function renderQueryEnded(
  v: QueryView,
  e: QueryEnding,
  p: { stats: QueryStatsView; elapsedMs: number },
): SlackMessage {
  let head: string;
  let hint: string | undefined;
  let plain: string;
  switch (e.kind) {
    case 'failed':
      head = `:x: ${title(v)} *failed*.`;
      hint = e.detail
        ? `Logs Insights said: ${escapeText(truncate(e.detail, 500))}`
        : 'Logs Insights reported the query as Failed: check the query and its field names.';
      plain = 'failed';
      break;
    case 'timeout':
      head = `:hourglass: ${title(v)} *timed out* in Logs Insights.`;
      hint = 'Narrow `--since` or add a `filter` so it scans less.';
      plain = 'timed out';
      break;
    case 'cancelled':
      head = e.by
        ? `:no_entry_sign: ${title(v)} *cancelled by ${mentionUser(e.by)}*.`
        : `:no_entry_sign: ${title(v)} *was cancelled* outside this bot.`;
      plain = e.by ? 'cancelled' : 'cancelled outside the bot';
      break;
    case 'deadline':
      head = `:hourglass: ${title(v)} *stopped after ${formatElapsed(e.afterMs)}*: the bot does not wait longer.`;
      hint = 'Narrow `--since` or add a `filter` so it scans less, then run it again.';
      plain = 'stopped at the deadline';
      break;
    case 'shutdown':
      head = `:warning: ${title(v)} *stopped* because the bot was restarting. Run it again.`;
      plain = 'stopped (bot restarting)';
      break;
    case 'lost':
      head = `:warning: ${title(v)}: the bot lost track of the query (ref ${escapeText(e.ref)}).`;
      hint = escapeText(truncate(e.detail, 500));
      plain = 'lost';
      break;
  }
  const blocks: KnownBlock[] = [section(`${head}\n${range(v)}`)];
  blocks.push(
    context(`${statsLine(p.stats)} · ${formatElapsed(p.elapsedMs)} · started by ${mentionUser(v.requester)}`),
  );
  if (hint) blocks.push(context(hint));
  blocks.push(queryContext(v));
  return { text: `Query ${plainTitle(v)} ${plain}`, blocks };
}

/** Shown when Cancel is clicked on a query this process no longer follows (another replica, or a restart). */
export function renderQueryCancelledRemote(p: { cluster: string; requester: string; by: string }): SlackMessage {
  return {
    text: `Query on ${escapeText(p.cluster)} cancelled`,
    blocks: [
      section(`:no_entry_sign: Query on ${code(p.cluster)} *cancelled by ${mentionUser(p.by)}*.`),
      context(`started by ${mentionUser(p.requester)}`),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Help and errors

export interface PresetView {
  name: string;
  summary: string;
  query: string;
}

/** `/ecs query` and `/ecs query help`: the presets, each with its query, and how to write a raw one. */
export function renderQueryHelp(presets: readonly PresetView[], usage: string): RespondArguments {
  const blocks: KnownBlock[] = [
    section(`*Logs Insights over Container Insights* — ${code(`/ecs ${usage}`)}\nPresets:`),
    ...presets
      .slice(0, 40)
      .map((p) => section(`${code(p.name)} — ${escapeText(p.summary)}\n${code(truncate(p.query, 1000))}`)),
    context(
      'Raw query: `/ecs query "filter Type=\\"Task\\" | stats max(MemoryUtilized) by TaskId" --since 6h` (single quotes or a code span work too).',
      'Runs on `/aws/ecs/containerinsights/&lt;cluster&gt;/performance`. `--since` 1m–7d (default 1h), `--limit` 1–10000 (default 1000). `--cluster` defaults to ECS_DEFAULT_CLUSTER.',
    ),
  ];
  return {
    response_type: 'ephemeral',
    text: `Query presets: ${presets.map((p) => escapeText(p.name)).join(', ')}`,
    blocks,
  };
}

/** Ephemeral progress when the bot may not post in the channel; says how to invite it. */
export function notInChannelNote(): string {
  return ":information_source: Only you can see this: the bot is not in this channel. Invite it with `/invite @ecs-ops` (your bot's name) to share results with the channel and get large results as CSV.";
}

/** Container Insights is off (or the cluster name is wrong): what the on-call engineer does next. */
export function insightsDisabledText(cluster: string, logGroup: string, flags = ''): string {
  return (
    `Container Insights is probably disabled for cluster ${code(cluster)}: enable it with ${code(`/ecs insights ${cluster} enable${flags}`)} (needs an approver). ` +
    `(There is no log group ${code(logGroup)}; if Container Insights is on, check the cluster name.)`
  );
}

// ---------------------------------------------------------------------------------------------
// CSV

/** RFC 4180 CSV with a header row; text cells that a spreadsheet would run as a formula are defused. */
export function renderQueryCsv(fields: string[], rows: Record<string, string>[]): string {
  const esc = (s: string) => {
    let v = s;
    if (/^[=+\-@\t\r]/.test(v) && !NUMERIC.test(v)) v = `'${v}`;
    return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const lines = [fields.map(esc).join(',')];
  for (const r of rows) lines.push(fields.map((f) => esc(r[f] ?? '')).join(','));
  return lines.join('\r\n') + '\r\n';
}
