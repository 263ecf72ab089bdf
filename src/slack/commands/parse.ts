import { UsageError } from '../../errors';
import type { FlagSpec, ParsedArgs } from '../../context';

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

/** What the words naming a cluster and/or service said; each name present is a valid ECS name. */
export interface TargetWords {
  cluster?: string;
  service?: string;
  /** One bare name with no "/" and no ARN: a cluster or a service, as the command decides. */
  bare?: string;
}

/** `arn:aws:ecs:REGION:ACCOUNT:cluster/NAME` and `…:service/CLUSTER/NAME` (or the old `service/NAME`). */
function fromEcsArn(word: string): { cluster?: string; service?: string } | undefined {
  const m = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:(cluster|service)\/(.+)$/.exec(word);
  if (!m) return undefined;
  const parts = m[2].split('/');
  if (m[1] === 'cluster' && parts.length === 1) return { cluster: parts[0] };
  if (m[1] === 'service' && parts.length === 2) return { cluster: parts[0], service: parts[1] };
  if (m[1] === 'service' && parts.length === 1) return { service: parts[0] };
  return undefined;
}

function checkEcsName(what: 'cluster' | 'service', name: string, usage: string): string {
  if (!isEcsName(name))
    throw new UsageError(
      `"${name.slice(0, 80)}" is not a valid ${what} name (letters, digits, - and _, up to 255)`,
      usage,
    );
  return name;
}

/**
 * The one reading of the words that name a target, shared by every command: `cluster/service`,
 * `cluster service`, `cluster/`, `/service`, a cluster or service ARN, or one bare name. Names are
 * validated; what to do with a missing cluster (the default cluster) is the command's choice.
 */
export function parseTargetWords(words: string[], usage: string): TargetWords {
  if (words.length === 0) return {};
  if (words.length > 2)
    throw new UsageError(`too many names (${words.length}); give a cluster and at most one service`, usage);
  let cluster: string | undefined;
  let service: string | undefined;
  const arn = fromEcsArn(words[0]);
  if (arn) {
    if (words.length === 2) throw new UsageError('give either an ARN or names, not both', usage);
    ({ cluster, service } = arn);
  } else if (words[0].includes('/')) {
    if (words.length === 2) throw new UsageError('give either cluster/service or cluster service, not both', usage);
    const parts = words[0].split('/');
    if (parts.length > 2)
      throw new UsageError(`"${words[0].slice(0, 80)}" has more than one "/"; use cluster/service`, usage);
    cluster = parts[0] || undefined;
    service = parts[1] || undefined;
    if (!cluster && !service) throw new UsageError('name a cluster or a service', usage);
  } else if (words.length === 2) {
    [cluster, service] = words;
  } else {
    return { bare: checkEcsName('cluster', words[0], usage) };
  }
  return {
    cluster: cluster === undefined ? undefined : checkEcsName('cluster', cluster, usage),
    service: service === undefined ? undefined : checkEcsName('service', service, usage),
  };
}
