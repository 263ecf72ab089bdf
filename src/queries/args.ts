import { isEcsName, parseArgs, tokenize } from '../slack/commands/parse';
import { UsageError } from '../errors';
import { QUERY_PRESETS, findPreset } from './presets';
import type { FlagSpec } from '../context';
import { readDuration } from '../util/duration';
import type { ScopeFilter } from '../aws/scope';
import { SCOPE_FLAGS, SCOPE_USAGE, scopeFilterOf } from '../slack/commands/scope-flags';

export const QUERY_USAGE = `query <preset>|"<raw query>" [--cluster C] [--since 1h] [--limit N] ${SCOPE_USAGE}`;
export const QUERY_FLAGS: FlagSpec = { cluster: 'string', since: 'string', limit: 'string', ...SCOPE_FLAGS };

const DEFAULT_SINCE_MS = 60 * 60_000;
export const MAX_SINCE_MS = 7 * 24 * 60 * 60_000;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;
/** StartQuery's queryString limit. */
const MAX_QUERY_CHARS = 10_000;

export type QueryRequest =
  | { kind: 'help' }
  | {
      kind: 'run';
      cluster: string;
      query: string;
      /** Preset name, or undefined for a raw query. */
      preset?: string;
      sinceMs: number;
      /** Normalised, e.g. "30m", "6h", "2d". */
      sinceLabel: string;
      limit: number;
      /** `--account` / `--region`: where to look the cluster up (several accounts or regions). */
      where: ScopeFilter;
    };

/** "30m", "6h", "2d", "1w" → milliseconds; at least 1 minute, at most 7 days. */
export function parseSince(s: string): { ms: number; label: string } {
  const d = readDuration(s);
  if (!d) throw new UsageError(`--since takes a duration such as 30m, 6h or 2d, not "${s}"`, QUERY_USAGE);
  const { ms } = d;
  if (d.n < 1) throw new UsageError('--since must be at least 1m', QUERY_USAGE);
  if (ms > MAX_SINCE_MS)
    throw new UsageError(
      `--since ${s} is longer than the 7d the bot allows (a long range scans, and costs, more)`,
      QUERY_USAGE,
    );
  return { ms, label: d.label };
}

export function parseLimit(s: string): number {
  if (!/^\d{1,6}$/.test(s.trim()))
    throw new UsageError(`--limit takes a whole number from 1 to ${MAX_LIMIT}, not "${s}"`, QUERY_USAGE);
  const n = Number(s);
  if (n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit must be from 1 to ${MAX_LIMIT}, not ${n}`, QUERY_USAGE);
  return n;
}

const OPEN_CLOSE: [string, string[]][] = [
  ['```', ['```']],
  ['`', ['`']],
  ['"', ['"', '”']],
  ['“', ['”', '"']],
  ['„', ['“', '”', '"']],
  ["'", ["'"]],
  ['‘', ['’', "'"]],
];

const FLAG_WORD = /^(--|—|–)[a-zA-Z]/;

/** The raw text of the next word at i (quotes kept), and where it ends. */
function readWord(src: string, i: number): { raw: string; end: number } {
  let j = i;
  let quote: string | null = null;
  for (; j < src.length; j++) {
    const ch = src[j];
    if (quote) {
      if (ch === quote || (quote === '"' && ch === '”')) quote = null;
      continue;
    }
    if (/\s/.test(ch)) break;
    if (ch === '"' || ch === '“') quote = ch === '“' ? '”' : '"';
    else if (ch === "'") quote = "'";
  }
  return { raw: src.slice(i, j), end: j };
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && /\s/.test(src[i])) i++;
  return i;
}

function parseFlags(text: string): Record<string, string | boolean> {
  const parsed = parseArgs(tokenize(text), QUERY_FLAGS, QUERY_USAGE);
  if (parsed.positional.length > 0) {
    throw new UsageError(
      `unexpected "${parsed.positional[0]}" after the options: put the preset or the quoted query first`,
      QUERY_USAGE,
    );
  }
  return parsed.flags;
}

/**
 * Splits the text after `query` into leading/trailing --flags and the body (a preset name or a raw
 * query). The body is taken from the raw text, not the tokenizer, so quotes inside a raw query
 * survive: `"filter Type="Task" | stats count(*)" --since 6h` keeps `Type="Task"`.
 */
export function splitQueryText(rest: string): {
  body: string;
  quoted: boolean;
  /** The opening quote of a quoted body. */
  opener?: string;
  flags: Record<string, string | boolean>;
} {
  let i = skipSpace(rest, 0);
  let leading = '';
  // Leading flags: --name value | --name=value
  while (i < rest.length && FLAG_WORD.test(rest.slice(i, i + 3))) {
    const w = readWord(rest, i);
    leading += ` ${w.raw}`;
    i = skipSpace(rest, w.end);
    if (!w.raw.includes('=') && i < rest.length && !FLAG_WORD.test(rest.slice(i, i + 3))) {
      const v = readWord(rest, i);
      leading += ` ${v.raw}`;
      i = skipSpace(rest, v.end);
    }
  }
  const flags: Record<string, string | boolean> = leading ? parseFlags(leading) : {};
  const merge = (more: Record<string, string | boolean>) => {
    for (const [k, v] of Object.entries(more)) {
      if (k in flags && flags[k] !== v) throw new UsageError(`--${k} is given twice`, QUERY_USAGE);
      flags[k] = v;
    }
  };
  const src = rest.slice(i);

  const opener = OPEN_CLOSE.find(([open]) => src.startsWith(open));
  if (opener) {
    const [open, closers] = opener;
    // The last closing quote after which only --flags (or nothing) follow ends the query.
    for (let p = src.length - 1; p >= open.length; p--) {
      const closer = closers.find((c) => src.startsWith(c, p) && p + c.length <= src.length);
      if (!closer) continue;
      const tail = src.slice(p + closer.length);
      if (tail.trim() === '') return { body: src.slice(open.length, p), quoted: true, opener: open, flags };
      if (/^\s/.test(tail) && FLAG_WORD.test(tail.trimStart().slice(0, 3))) {
        merge(parseFlags(tail));
        return { body: src.slice(open.length, p), quoted: true, opener: open, flags };
      }
    }
    throw new UsageError(`the query's opening ${open} is not closed`, QUERY_USAGE);
  }

  // Unquoted: the body runs up to the first word that starts the trailing --flags.
  let j = 0;
  while (j < src.length) {
    const start = skipSpace(src, j);
    if (start >= src.length) break;
    if (start > 0 && FLAG_WORD.test(src.slice(start, start + 3))) {
      merge(parseFlags(src.slice(start)));
      return { body: src.slice(0, start).trim(), quoted: false, flags };
    }
    j = readWord(src, start).end;
  }
  return { body: src.trim(), quoted: false, flags };
}

/** `text` is what follows the subcommand word. */
export function parseQueryRequest(text: string, opts: { defaultCluster?: string }): QueryRequest {
  const { body, quoted, opener, flags } = splitQueryText(text);
  let preset: string | undefined;
  let query: string;
  let positionalCluster: string | undefined;

  if (!quoted) {
    const words = body.split(/\s+/).filter(Boolean);
    if (words.length === 0 || (words.length === 1 && /^(help|presets|list|\?)$/i.test(words[0])))
      return { kind: 'help' };
    const p = findPreset(words[0]);
    if (p && words.length <= 2) {
      preset = p.name;
      query = p.query;
      positionalCluster = words[1];
    } else if (words.length === 1) {
      throw new UsageError(
        `unknown preset "${words[0]}": use one of ${QUERY_PRESETS.map((x) => x.name).join(', ')}, or a raw query in quotes`,
        QUERY_USAGE,
      );
    } else {
      query = body;
    }
  } else {
    // Inside double quotes, \" is read as " (as a shell would); other quotes and backslashes stay as typed.
    query = (opener === '"' || opener === '“' ? body.replace(/\\(["”“])/g, '$1') : body).trim();
    if (query === '') throw new UsageError('the query is empty', QUERY_USAGE);
  }

  if (query.length > MAX_QUERY_CHARS) {
    throw new UsageError(
      `the query is ${query.length} characters; Logs Insights accepts at most ${MAX_QUERY_CHARS}`,
      QUERY_USAGE,
    );
  }
  if (!preset && /(^|\|)\s*source\s/i.test(query)) {
    throw new UsageError(
      "SOURCE is not allowed: the bot queries only the cluster's Container Insights log group",
      QUERY_USAGE,
    );
  }

  const flagCluster = typeof flags.cluster === 'string' ? flags.cluster : undefined;
  if (flagCluster && positionalCluster && flagCluster !== positionalCluster) {
    throw new UsageError(
      `two clusters given ("${positionalCluster}" and --cluster ${flagCluster}); name one`,
      QUERY_USAGE,
    );
  }
  const cluster = flagCluster ?? positionalCluster ?? opts.defaultCluster;
  if (!cluster) throw new UsageError('which cluster? Add --cluster NAME (no ECS_DEFAULT_CLUSTER is set)', QUERY_USAGE);
  if (!isEcsName(cluster)) {
    throw new UsageError(`"${cluster}" is not a valid cluster name (letters, digits, - and _, up to 255)`, QUERY_USAGE);
  }
  const since = typeof flags.since === 'string' ? parseSince(flags.since) : { ms: DEFAULT_SINCE_MS, label: '1h' };
  const limit = typeof flags.limit === 'string' ? parseLimit(flags.limit) : DEFAULT_LIMIT;
  const where = scopeFilterOf(flags, QUERY_USAGE);
  return { kind: 'run', cluster, query, preset, sinceMs: since.ms, sinceLabel: since.label, limit, where };
}
