import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../errors';
import { toAwsError } from './errors';

/**
 * Reads log events of named streams with FilterLogEvents, following every page of the window and
 * keeping the newest lines. Knows nothing of Slack or ECS; times are epoch milliseconds.
 */

export interface LogEvent {
  stream: string;
  at: number;
  message: string;
}

export interface StreamRead {
  /** The newest events of the window, oldest first, at most `keep`. */
  events: LogEvent[];
  /** Matching events seen in the window (more than `events.length` when older ones were dropped). */
  matched: number;
  /** FilterLogEvents calls made. */
  calls: number;
  /** True when the page cap stopped the read before the end of the window (the newest lines may be missing). */
  capped: boolean;
}

export interface FilterInput {
  group: string;
  streams: string[];
  startMs: number;
  endMs: number;
  pattern?: string;
  /** Newest events to keep. */
  keep: number;
}

/** The log group does not exist in the region the task definition names. */
export class LogGroupMissingError extends AwsError {
  readonly reason = 'log_group_missing';
  constructor(
    readonly group: string,
    readonly region: string,
    options?: { cause?: unknown },
  ) {
    super(`log group ${group} does not exist in ${region}`, 'logs:FilterLogEvents', options);
    this.name = 'LogGroupMissingError';
  }
}

/** The bot's role may not read the group: names the action and the resource to grant. */
export class LogGroupDeniedError extends AwsError {
  readonly reason = 'log_group_denied';
  constructor(
    readonly group: string,
    readonly resource: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the bot may not read log group ${group}: grant it logs:FilterLogEvents on ${resource} (see iam-policy.json)`,
      'logs:FilterLogEvents',
      options,
    );
    this.name = 'LogGroupDeniedError';
  }
}

/** The group's ARN pattern IAM matches FilterLogEvents against. */
export function logGroupResource(group: string, region: string, account = '*'): string {
  return `arn:aws:logs:${region}:${account}:log-group:${group}:*`;
}

const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
/** Events per FilterLogEvents page (the API's maximum). */
export const PAGE_LIMIT = 10_000;
/** FilterLogEvents accepts at most 100 stream names per call. */
export const STREAMS_PER_CALL = 100;

export class LogEventsReader {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly region: string,
    private readonly maxPages = 20,
  ) {}

  /**
   * The newest `keep` events of up to 100 streams of one group in [startMs, endMs], following
   * nextToken (pages may come back empty with a token while CloudWatch searches on).
   */
  async read(input: FilterInput): Promise<StreamRead> {
    if (input.streams.length === 0 || input.streams.length > STREAMS_PER_CALL)
      throw new Error(`between 1 and ${STREAMS_PER_CALL} streams per read`);
    const ring: LogEvent[] = [];
    let matched = 0;
    let calls = 0;
    let token: string | undefined;
    do {
      if (calls >= this.maxPages) return { events: sortOldestFirst(ring), matched, calls, capped: true };
      let out;
      try {
        calls += 1;
        out = await this.client.send(
          new FilterLogEventsCommand({
            logGroupName: input.group,
            logStreamNames: input.streams,
            startTime: input.startMs,
            endTime: input.endMs,
            filterPattern: input.pattern || undefined,
            limit: PAGE_LIMIT,
            nextToken: token,
          }),
        );
      } catch (err) {
        throw this.wrap(input.group, err);
      }
      for (const e of out.events ?? []) {
        matched += 1;
        ring.push({ stream: e.logStreamName ?? '', at: e.timestamp ?? 0, message: e.message ?? '' });
        if (ring.length > input.keep * 2) {
          ring.sort((a, b) => a.at - b.at);
          ring.splice(0, ring.length - input.keep);
        }
      }
      token = out.nextToken || undefined;
    } while (token);
    return { events: sortOldestFirst(ring).slice(-input.keep), matched, calls, capped: false };
  }

  private wrap(group: string, err: unknown): AwsError {
    const name = (err as { name?: string })?.name ?? '';
    if (name === 'ResourceNotFoundException') return new LogGroupMissingError(group, this.region, { cause: err });
    if (DENIED.has(name)) return new LogGroupDeniedError(group, logGroupResource(group, this.region), { cause: err });
    return toAwsError(err, 'logs:FilterLogEvents');
  }
}

function sortOldestFirst(events: LogEvent[]): LogEvent[] {
  // Stable: events of one timestamp keep the order CloudWatch returned them in.
  return [...events].sort((a, b) => a.at - b.at);
}
