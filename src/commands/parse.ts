import { UsageError } from '../errors';

/**
 * Splits slash-command text into words. Double, single and typographic quotes (which Slack clients
 * often substitute) group words; a backslash escapes the next character inside double quotes. Slack
 * HTML-escapes &, < and > in command text, so those are decoded first.
 */
export function tokenize(text: string): string[] {
  const src = decodeSlackEntities(text);
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  const closing: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '’': '’', '„': '“' };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quote) {
      if (ch === '\\' && quote === '"' && i + 1 < src.length && (src[i + 1] === '"' || src[i + 1] === '\\')) {
        cur += src[++i];
      } else if (ch === closing[quote] || (quote === '“' && ch === '"') || (quote === '"' && ch === '”')) {
        quote = null;
      } else {
        cur += ch;
      }
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    if (ch in closing && !inWord) {
      quote = ch;
      inWord = true;
      continue;
    }
    if (ch in closing && inWord && cur.endsWith('=')) {
      // --flag="value with spaces"
      quote = ch;
      continue;
    }
    cur += ch;
    inWord = true;
  }
  if (quote) throw new UsageError(`a quote (${quote}) is not closed`);
  if (inWord) out.push(cur);
  return out;
}

export function decodeSlackEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export type FlagKind = 'string' | 'boolean';
export type FlagSpec = Record<string, FlagKind>;

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean>;
}

/**
 * Separates positional words from --flags per the subcommand's spec: `--name value`, `--name=value`
 * and boolean `--name`. An unknown flag or a string flag without a value is a UsageError.
 */
export function parseArgs(words: string[], spec: FlagSpec, usage?: string): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      positional.push(...words.slice(i + 1));
      break;
    }
    const m = /^--?([a-zA-Z][\w-]*)(?:=([\s\S]*))?$/.exec(w.replace(/^[—–]/, '--'));
    if (!m || /^-\d/.test(w)) {
      positional.push(w);
      continue;
    }
    const name = m[1].toLowerCase();
    const kind = spec[name];
    if (!kind) {
      const known = Object.keys(spec);
      throw new UsageError(
        `unknown option --${name}${known.length ? ` (known: ${known.map((k) => `--${k}`).join(', ')})` : ''}`,
        usage,
      );
    }
    if (kind === 'boolean') {
      if (m[2] !== undefined && !/^(true|false)$/i.test(m[2])) throw new UsageError(`--${name} takes no value`, usage);
      flags[name] = m[2] === undefined ? true : m[2].toLowerCase() === 'true';
    } else if (m[2] !== undefined) {
      flags[name] = m[2];
    } else {
      const next = words[i + 1];
      if (next === undefined || /^--[a-zA-Z]/.test(next)) throw new UsageError(`--${name} needs a value`, usage);
      flags[name] = next;
      i++;
    }
  }
  return { positional, flags };
}

/** "cluster/service" or "cluster service" → parts; validates ECS naming (letters, digits, - and _ up to 255). */
const NAME_RE = /^[A-Za-z0-9_-]{1,255}$/;
export function isEcsName(s: string): boolean {
  return NAME_RE.test(s);
}

export function splitTarget(words: string[]): { cluster?: string; service?: string; rest: string[] } {
  if (words.length === 0) return { rest: [] };
  const first = words[0];
  if (first.includes('/')) {
    const [cluster, service, ...extra] = first.split('/');
    if (extra.length > 0) return { cluster, service: [service, ...extra].join('/'), rest: words.slice(1) };
    return { cluster, service: service || undefined, rest: words.slice(1) };
  }
  return { cluster: first, rest: words.slice(1) };
}
