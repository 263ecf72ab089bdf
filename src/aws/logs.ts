import {
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type CloudWatchLogsClient,
  type QueryStatistics,
  type ResultField,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsError, UsageError } from '../errors';
import { truncate } from '../util/text';

/**
 * CloudWatch Logs Insights: StartQuery, GetQueryResults (paged), StopQuery, with typed results and
 * typed errors. Knows nothing of Slack. Times given to StartQuery are epoch seconds.
 */

export type QueryStatus = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout' | 'Unknown';
export const FINAL_STATUSES: ReadonlySet<QueryStatus> = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout']);

export interface QueryStats {
  recordsScanned: number;
  recordsMatched: number;
  bytesScanned: number;
}

export type QueryRow = Record<string, string>;

export interface QueryPage {
  status: QueryStatus;
  /** Field names in the order they first appear (internal fields such as @ptr removed). */
  fields: string[];
  rows: QueryRow[];
  stats: QueryStats;
  nextToken?: string;
}

export interface StartQueryInput {
  logGroupName: string;
  queryString: string;
  startTimeSec: number;
  endTimeSec: number;
  limit: number;
}

/** The log group does not exist (for Container Insights: the setting is off or the cluster name is wrong). */
export class LogGroupNotFoundError extends AwsError {
  readonly reason = 'log_group_not_found';
  constructor(
    readonly logGroupName: string,
    options?: { cause?: unknown },
  ) {
    super(`log group ${logGroupName} does not exist`, 'StartQuery', options);
    this.name = 'LogGroupNotFoundError';
  }
}

/** Logs Insights rejected the query text; `detail` is AWS's explanation (safe to show, escape it). */
export class MalformedQueryError extends UsageError {
  constructor(
    readonly detail: string,
    usage?: string,
  ) {
    super(`Logs Insights cannot parse the query: ${detail}`, usage);
    this.name = 'MalformedQueryError';
  }
}

/** Too many concurrent Logs Insights queries in the account, still after backing off. */
export class QueryConcurrencyError extends AwsError {
  constructor(options?: { cause?: unknown }) {
    super(
      'Logs Insights is already running as many queries as this AWS account allows; try again in a minute',
      'StartQuery',
      options,
    );
    this.name = 'QueryConcurrencyError';
  }
}

export type StopOutcome = 'stopped' | 'not_running' | 'not_found';

export interface LogsInsightsOptions {
  /** Waits between StartQuery attempts after LimitExceededException; tests pass an instant one. */
  sleep?: (ms: number) => Promise<void>;
  /** StartQuery attempts when the account's concurrency limit is reached (default 4). */
  maxStartAttempts?: number;
  /** First back-off (default 2 s), doubled each attempt. */
  backoffMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const INTERNAL_FIELDS = new Set(['@ptr']);
/** GetQueryResults returns at most 10,000 rows per page. */
export const MAX_PAGE = 10_000;

function errName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}

function awsMessage(err: unknown): string {
  const m = (err as { message?: string })?.message;
  return typeof m === 'string' && m.length > 0 ? truncate(m, 500) : errName(err);
}

export function toStats(s: QueryStatistics | undefined): QueryStats {
  return {
    recordsScanned: Number(s?.recordsScanned ?? 0),
    recordsMatched: Number(s?.recordsMatched ?? 0),
    bytesScanned: Number(s?.bytesScanned ?? 0),
  };
}

/** Rows of {field, value} pairs → plain objects, with the field order of first appearance. */
export function toRows(results: ResultField[][] | undefined): { fields: string[]; rows: QueryRow[] } {
  const fields: string[] = [];
  const seen = new Set<string>();
  const rows: QueryRow[] = [];
  for (const r of results ?? []) {
    // No prototype: a field named __proto__ (stats … as __proto__) is just a field.
    const row: QueryRow = Object.create(null);
    for (const { field, value } of r) {
      if (!field || INTERNAL_FIELDS.has(field)) continue;
      if (!seen.has(field)) {
        seen.add(field);
        fields.push(field);
      }
      row[field] = value ?? '';
    }
    rows.push(row);
  }
  return { fields, rows };
}

export class LogsInsights {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxStartAttempts: number;
  private readonly backoffMs: number;

  constructor(
    private readonly client: CloudWatchLogsClient,
    opts: LogsInsightsOptions = {},
  ) {
    this.sleep = opts.sleep ?? realSleep;
    this.maxStartAttempts = Math.max(1, opts.maxStartAttempts ?? 4);
    this.backoffMs = opts.backoffMs ?? 2000;
  }

  /** Starts a query and returns its id; backs off on LimitExceededException (concurrent query limit). */
  async start(input: StartQueryInput): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.client.send(
          new StartQueryCommand({
            logGroupName: input.logGroupName,
            queryString: input.queryString,
            startTime: input.startTimeSec,
            endTime: input.endTimeSec,
            limit: input.limit,
          }),
        );
        if (!out.queryId) throw new AwsError('StartQuery returned no query id', 'StartQuery');
        return out.queryId;
      } catch (err) {
        const name = errName(err);
        if (name === 'ResourceNotFoundException') throw new LogGroupNotFoundError(input.logGroupName, { cause: err });
        if (name === 'MalformedQueryException') {
          const detail =
            (err as { queryCompileError?: { message?: string } }).queryCompileError?.message ?? awsMessage(err);
          throw new MalformedQueryError(detail);
        }
        if (name === 'LimitExceededException') {
          if (attempt >= this.maxStartAttempts) throw new QueryConcurrencyError({ cause: err });
          await this.sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw this.wrap('StartQuery', err);
      }
    }
  }

  /** One page of results with the status and statistics (partial while Scheduled/Running). */
  async results(queryId: string, opts: { maxItems?: number; nextToken?: string } = {}): Promise<QueryPage> {
    let out;
    try {
      out = await this.client.send(
        new GetQueryResultsCommand({
          queryId,
          maxItems: opts.maxItems === undefined ? undefined : Math.max(1, Math.min(MAX_PAGE, opts.maxItems)),
          nextToken: opts.nextToken,
        }),
      );
    } catch (err) {
      throw this.wrap('GetQueryResults', err);
    }
    const { fields, rows } = toRows(out.results);
    return {
      status: (out.status ?? 'Unknown') as QueryStatus,
      fields,
      rows,
      stats: toStats(out.statistics),
      nextToken: out.nextToken || undefined,
    };
  }

  /**
   * Every row of a finished query up to `limit`, following nextToken. The first page may be passed
   * in (the poll that saw Complete) so it is not fetched twice.
   */
  async allResults(queryId: string, limit: number, first?: QueryPage): Promise<QueryPage> {
    const page = first ?? (await this.results(queryId, { maxItems: Math.min(limit, MAX_PAGE) }));
    const fields = [...page.fields];
    const seen = new Set(fields);
    const rows = [...page.rows];
    let token = page.nextToken;
    let stats = page.stats;
    let status = page.status;
    while (token && rows.length < limit) {
      const next = await this.results(queryId, { maxItems: Math.min(limit - rows.length, MAX_PAGE), nextToken: token });
      for (const f of next.fields) {
        if (!seen.has(f)) {
          seen.add(f);
          fields.push(f);
        }
      }
      rows.push(...next.rows);
      stats = next.stats;
      status = next.status;
      if (next.rows.length === 0) break;
      token = next.nextToken;
    }
    return { status, fields, rows: rows.slice(0, limit), stats };
  }

  /** Stops a running query. A query that already ended, or is unknown, is reported, not thrown. */
  async stop(queryId: string): Promise<StopOutcome> {
    try {
      const out = await this.client.send(new StopQueryCommand({ queryId }));
      return out.success === false ? 'not_running' : 'stopped';
    } catch (err) {
      const name = errName(err);
      if (name === 'InvalidParameterException') return 'not_running';
      if (name === 'ResourceNotFoundException') return 'not_found';
      throw this.wrap('StopQuery', err);
    }
  }

  private wrap(operation: string, err: unknown): AwsError {
    if (err instanceof AwsError) return err;
    const name = errName(err);
    const hint =
      name === 'AccessDeniedException' || name === 'AccessDenied'
        ? ' (the bot needs logs:StartQuery, logs:GetQueryResults and logs:StopQuery)'
        : '';
    return new AwsError(`${operation} failed: ${awsMessage(err)}${hint}`, operation, { cause: err });
  }
}

/** The Container Insights performance log group of a cluster. */
export function performanceLogGroup(cluster: string): string {
  return `/aws/ecs/containerinsights/${cluster}/performance`;
}
