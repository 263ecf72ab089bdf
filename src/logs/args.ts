import type { FlagSpec } from '../context';
import { UsageError } from '../errors';
import { isEcsName, parseTargetWords } from '../slack/commands/parse';
import { readDuration } from '../util/duration';
import { SCOPE_FLAGS, SCOPE_USAGE } from '../slack/commands/scope-flags';

export const LOGS_USAGE = `logs <cluster>/<service> [--since 15m] [--grep TEXT] [--task ID] [--container NAME] [--limit N] ${SCOPE_USAGE} [--public]`;
export const LOGS_FLAGS: FlagSpec = {
  ...SCOPE_FLAGS,
  since: 'string',
  grep: 'string',
  task: 'string',
  container: 'string',
  limit: 'string',
  public: 'boolean',
};

export const DEFAULT_WINDOW_MS = 15 * 60_000;
export const MAX_WINDOW_MS = 24 * 60 * 60_000;
export const DEFAULT_LINES = 50;
export const MAX_LINES = 500;
/** FilterLogEvents' filterPattern limit. */
export const MAX_PATTERN_CHARS = 1024;

/** What /ecs logs (or a Logs button) asks for. */
export interface LogsRequest {
  cluster: string;
  service: string;
  windowMs: number;
  /** `15m`, `2h` as the answer names the window. */
  windowLabel: string;
  /** The CloudWatch filter pattern sent to AWS. */
  pattern?: string;
  /** What the user typed after --grep, for the answer. */
  grep?: string;
  task?: string;
  container?: string;
  limit: number;
}

/**
 * `--grep` as a CloudWatch filter pattern or a plain term. Text that starts like a pattern — a JSON
 * selector `{…}`, a space-delimited one `[…]`, a regular expression `%…%`, a quoted term, or `?term`
 * alternatives — goes to AWS as written; anything else is one literal term, quoted, so that
 * `connection refused` matches the phrase and a `-` or `:` in it means nothing special.
 */
export function toFilterPattern(text: string): string {
  const t = text.trim();
  if (/^[{["%?]/.test(t)) return t;
  return `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function parseWindow(s: string): { ms: number; label: string } {
  const d = readDuration(s);
  if (!d) throw new UsageError(`--since takes a duration such as 15m, 2h or 1d, not "${s.slice(0, 40)}"`, LOGS_USAGE);
  if (d.n < 1) throw new UsageError('--since must be at least 1m', LOGS_USAGE);
  if (d.ms > MAX_WINDOW_MS)
    throw new UsageError(`--since ${d.label} is longer than the 24h the bot reads logs over`, LOGS_USAGE);
  return d;
}

function parseLines(s: string): number {
  if (!/^\d{1,6}$/.test(s.trim()))
    throw new UsageError(`--limit takes a whole number from 1 to ${MAX_LINES}, not "${s.slice(0, 40)}"`, LOGS_USAGE);
  const n = Number(s);
  if (n < 1 || n > MAX_LINES) throw new UsageError(`--limit must be from 1 to ${MAX_LINES}, not ${n}`, LOGS_USAGE);
  return n;
}

/** A task ID (32 hex, or the older 36-character UUID) or a task ARN → the ID. */
export function parseTaskId(s: string): string {
  const id = s.trim().startsWith('arn:') ? s.trim().slice(s.trim().lastIndexOf('/') + 1) : s.trim();
  if (!/^([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.test(id))
    throw new UsageError(`--task takes a task ID or task ARN, not "${s.slice(0, 80)}"`, LOGS_USAGE);
  return id;
}

const str = (v: string | boolean | undefined, flag: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${flag} needs a value`, LOGS_USAGE);
  return v;
};

/** Validates every word and flag of /ecs logs; nothing is read from AWS before this passes. */
export function parseLogsRequest(
  args: { positional: string[]; flags: Record<string, string | boolean> },
  defaultCluster?: string,
): LogsRequest {
  if (args.positional.length === 0) throw new UsageError('name the service whose logs to show', LOGS_USAGE);
  const t = parseTargetWords(args.positional, LOGS_USAGE);
  const service = t.bare ?? t.service;
  if (!service) throw new UsageError('name a service: logs are read per service', LOGS_USAGE);
  const cluster = t.cluster ?? defaultCluster;
  if (!cluster)
    throw new UsageError(
      `no cluster named for service "${service.slice(0, 80)}", and no default cluster is set (ECS_DEFAULT_CLUSTER)`,
      LOGS_USAGE,
    );
  const since = str(args.flags.since, 'since');
  const window = since ? parseWindow(since) : { ms: DEFAULT_WINDOW_MS, label: '15m' };
  const grep = str(args.flags.grep, 'grep');
  if (grep !== undefined && grep.length > MAX_PATTERN_CHARS - 2)
    throw new UsageError(`--grep is longer than the ${MAX_PATTERN_CHARS - 2} characters CloudWatch takes`, LOGS_USAGE);
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (grep !== undefined && /[\u0000-\u001f\u007f]/.test(grep))
    throw new UsageError('--grep may not contain control characters', LOGS_USAGE);
  const task = str(args.flags.task, 'task');
  const container = str(args.flags.container, 'container');
  if (container !== undefined && !isEcsName(container))
    throw new UsageError(`"${container.slice(0, 80)}" is not a container name (letters, digits, - and _)`, LOGS_USAGE);
  const limit = str(args.flags.limit, 'limit');
  return {
    cluster,
    service,
    windowMs: window.ms,
    windowLabel: window.label,
    pattern: grep === undefined ? undefined : toFilterPattern(grep),
    grep,
    task: task === undefined ? undefined : parseTaskId(task),
    container,
    limit: limit === undefined ? DEFAULT_LINES : parseLines(limit),
  };
}
