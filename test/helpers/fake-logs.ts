import {
  AccessDeniedException,
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  InvalidParameterException,
  LimitExceededException,
  MalformedQueryException,
  ResourceNotFoundException,
  StartQueryCommand,
  StopQueryCommand,
  type FilterLogEventsCommandInput,
  type GetQueryResultsCommandInput,
  type ResultField,
  type StartQueryCommandInput,
  type StopQueryCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';

/** How one query behaves: how many polls it stays Scheduled and Running, and how it ends. */
export interface QueryScript {
  /** GetQueryResults polls answered `Scheduled` (default 1). */
  scheduledPolls?: number;
  /** Then polls answered `Running` (default 1); Infinity keeps it running until StopQuery. */
  runningPolls?: number;
  /** How it ends (default Complete). */
  final?: 'Complete' | 'Failed' | 'Timeout';
  /** Result rows of a Complete query, as field → value. */
  rows?: Record<string, string>[];
  /** Add an @ptr field to every row, as `fields` queries return. */
  withPtr?: boolean;
  recordsScanned?: number;
  recordsMatched?: number;
  bytesScanned?: number;
}

export interface FakeQuery {
  id: string;
  logGroupName: string;
  queryString: string;
  startTime: number;
  endTime: number;
  limit?: number;
  script: QueryScript;
  status: 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout';
  polls: number;
}

export interface LogsCall {
  command: 'StartQuery' | 'GetQueryResults' | 'StopQuery' | 'FilterLogEvents';
  input: Record<string, any>;
}

const meta = { $metadata: {} };

/** One event of a stream: epoch ms and the message as the container wrote it. */
export interface FakeLogEvent {
  at: number;
  message: string;
}

/**
 * CloudWatch Logs filter pattern matching, as far as tests need it: `"a phrase"` and bare terms must
 * all occur (case-sensitive), `?a ?b` needs any of them, `%regex%` is a regular expression.
 */
export function matchesFilterPattern(pattern: string | undefined, message: string): boolean {
  const p = (pattern ?? '').trim();
  if (!p) return true;
  const re = /^%(.*)%$/.exec(p);
  if (re) return new RegExp(re[1]).test(message);
  const terms: { text: string; any: boolean; not: boolean }[] = [];
  const tok = /(\?|-)?(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (let m = tok.exec(p); m; m = tok.exec(p)) {
    const text = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    terms.push({ text, any: m[1] === '?', not: m[1] === '-' });
  }
  const anyTerms = terms.filter((t) => t.any);
  if (anyTerms.length > 0) return anyTerms.some((t) => message.includes(t.text));
  return terms.every((t) => (t.not ? !message.includes(t.text) : message.includes(t.text)));
}

/**
 * A stateful CloudWatch Logs Insights behind a real CloudWatchLogsClient (aws-sdk-client-mock):
 * log groups that exist, queries that move Scheduled → Running → final on each GetQueryResults
 * poll, Cancelled on StopQuery, paged results, and statistics. It records every call; any other
 * Logs command is refused.
 */
export class FakeLogs {
  readonly client = new CloudWatchLogsClient({ region: 'us-east-1' });
  readonly calls: LogsCall[] = [];
  readonly queries = new Map<string, FakeQuery>();
  readonly logGroups = new Set<string>();
  /** Server-side cap on rows per GetQueryResults page (AWS: 10,000). */
  pageCap = 10_000;
  defaultScript: QueryScript = {};
  private scripts: { match: (q: string) => boolean; script: QueryScript }[] = [];
  private startFaults: string[] = [];
  private malformed: { match: (q: string) => boolean; message: string }[] = [];
  private seq = 0;
  /** Log groups with their streams of events (FilterLogEvents). */
  readonly groups = new Map<string, Map<string, FakeLogEvent[]>>();
  /** Groups the bot's role may not read. */
  readonly deniedGroups = new Set<string>();
  /** Events per FilterLogEvents page (AWS also stops a page after scanning a chunk of the group). */
  filterPageSize = 10_000;
  /** Milliseconds each FilterLogEvents call takes (benchmarks). */
  latencyMs = 0;

  constructor() {
    const mock = mockClient(this.client);
    mock.onAnyCommand().rejects(new Error('FakeLogs: unexpected CloudWatch Logs command'));
    mock.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => this.startQuery(input));
    mock.on(GetQueryResultsCommand).callsFake((input: GetQueryResultsCommandInput) => this.getQueryResults(input));
    mock.on(StopQueryCommand).callsFake((input: StopQueryCommandInput) => this.stopQuery(input));
    mock.on(FilterLogEventsCommand).callsFake(async (input: FilterLogEventsCommandInput) => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      return this.filterLogEvents(input);
    });
  }

  /** Creates a log group (idempotent). */
  addGroup(group: string): this {
    if (!this.groups.has(group)) this.groups.set(group, new Map());
    this.logGroups.add(group);
    return this;
  }

  /** Appends events to a stream (the group is created when missing). */
  put(group: string, stream: string, events: FakeLogEvent[]): this {
    this.addGroup(group);
    const streams = this.groups.get(group)!;
    const list = streams.get(stream) ?? [];
    list.push(...events);
    list.sort((a, b) => a.at - b.at);
    streams.set(stream, list);
    return this;
  }

  private filterLogEvents(input: FilterLogEventsCommandInput) {
    this.calls.push({ command: 'FilterLogEvents', input: { ...input } });
    const group = input.logGroupName ?? '';
    if (this.deniedGroups.has(group))
      throw new AccessDeniedException({
        ...meta,
        message: `User is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:123456789012:log-group:${group}:log-stream:`,
      });
    const streams = this.groups.get(group);
    if (!streams) throw new ResourceNotFoundException({ ...meta, message: 'The specified log group does not exist.' });
    if (input.logStreamNames && input.logStreamNamePrefix)
      throw new InvalidParameterException({ ...meta, message: 'logStreamNames and logStreamNamePrefix are exclusive' });
    if ((input.logStreamNames ?? []).length > 100)
      throw new InvalidParameterException({ ...meta, message: 'at most 100 logStreamNames' });
    if (input.limit !== undefined && (input.limit < 1 || input.limit > 10_000))
      throw new InvalidParameterException({ ...meta, message: 'limit out of range' });
    if ((input.filterPattern ?? '').length > 1024)
      throw new InvalidParameterException({ ...meta, message: 'filterPattern longer than 1024' });
    const names =
      input.logStreamNames ?? [...streams.keys()].filter((n) => n.startsWith(input.logStreamNamePrefix ?? ''));
    const start = input.startTime ?? 0;
    const end = input.endTime ?? Number.MAX_SAFE_INTEGER;
    const all = names
      .flatMap((n) => (streams.get(n) ?? []).map((e) => ({ stream: n, ...e })))
      .filter((e) => e.at >= start && e.at <= end && matchesFilterPattern(input.filterPattern, e.message))
      .sort((a, b) => a.at - b.at);
    const offset = input.nextToken ? Number(/^flt:(\d+)$/.exec(input.nextToken)?.[1] ?? NaN) : 0;
    if (!Number.isInteger(offset)) throw new InvalidParameterException({ ...meta, message: 'bad nextToken' });
    const size = Math.min(input.limit ?? 10_000, this.filterPageSize);
    const page = all.slice(offset, offset + size);
    return {
      events: page.map((e, i) => ({
        logStreamName: e.stream,
        timestamp: e.at,
        ingestionTime: e.at + 1000,
        message: e.message,
        eventId: `${offset + i}`,
      })),
      nextToken: offset + size < all.length ? `flt:${offset + size}` : undefined,
    };
  }

  /** Creates the Container Insights performance log group of a cluster. */
  addCluster(cluster: string): this {
    this.logGroups.add(`/aws/ecs/containerinsights/${cluster}/performance`);
    return this;
  }

  /** Queries whose text matches behave per `script` (later registrations win). */
  when(match: string | RegExp | ((q: string) => boolean), script: QueryScript): this {
    const fn =
      typeof match === 'string'
        ? (q: string) => q === match
        : match instanceof RegExp
          ? (q: string) => match.test(q)
          : match;
    this.scripts.unshift({ match: fn, script });
    return this;
  }

  /** The next `n` StartQuery calls fail with `name` (e.g. LimitExceededException). */
  failNextStarts(n: number, name = 'LimitExceededException'): void {
    for (let i = 0; i < n; i++) this.startFaults.push(name);
  }

  /** Matching queries are refused by StartQuery with MalformedQueryException. */
  rejectAsMalformed(match: RegExp, message: string): void {
    this.malformed.push({ match: (q) => match.test(q), message });
  }

  callsOf(command: LogsCall['command']): Record<string, any>[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.input);
  }

  /** The only query started (fails when there is not exactly one). */
  onlyQuery(): FakeQuery {
    const all = [...this.queries.values()];
    if (all.length !== 1) throw new Error(`expected one query, found ${all.length}`);
    return all[0];
  }

  private startQuery(input: StartQueryCommandInput) {
    this.calls.push({ command: 'StartQuery', input: { ...input } });
    const fault = this.startFaults.shift();
    if (fault === 'LimitExceededException')
      throw new LimitExceededException({
        ...meta,
        message: 'Account maximum query concurrency limit of [100] reached.',
      });
    if (fault) throw Object.assign(new Error(`${fault} (fake)`), { name: fault });
    const q = String(input.queryString ?? '');
    if (!input.logGroupName || !this.logGroups.has(input.logGroupName)) {
      throw new ResourceNotFoundException({ ...meta, message: 'Log group does not exist' });
    }
    if (q.length === 0 || q.length > 10_000)
      throw new InvalidParameterException({ ...meta, message: 'queryString length out of range' });
    const { startTime, endTime } = input;
    if (!Number.isInteger(startTime) || !Number.isInteger(endTime) || (endTime as number) < (startTime as number)) {
      throw new InvalidParameterException({ ...meta, message: 'startTime and endTime must be integers, start ≤ end' });
    }
    if ((endTime as number) > 1e11)
      throw new InvalidParameterException({ ...meta, message: 'endTime looks like milliseconds; it is epoch seconds' });
    if (input.limit !== undefined && (input.limit < 1 || input.limit > 100_000)) {
      throw new InvalidParameterException({ ...meta, message: 'limit out of range' });
    }
    const bad = this.malformed.find((m) => m.match(q));
    if (bad) {
      throw new MalformedQueryException({
        ...meta,
        message: 'Query is malformed',
        queryCompileError: { message: bad.message, location: { startCharOffset: 0, endCharOffset: 5 } },
      });
    }
    const script = this.scripts.find((s) => s.match(q))?.script ?? this.defaultScript;
    this.seq += 1;
    const id = `00000000-0000-4000-8000-${String(this.seq).padStart(12, '0')}`;
    this.queries.set(id, {
      id,
      logGroupName: input.logGroupName,
      queryString: q,
      startTime: startTime as number,
      endTime: endTime as number,
      limit: input.limit,
      script,
      status: 'Scheduled',
      polls: 0,
    });
    return { queryId: id };
  }

  private statistics(q: FakeQuery, fraction: number) {
    const s = q.script;
    const rows = s.rows?.length ?? 0;
    return {
      recordsScanned: Math.round((s.recordsScanned ?? 1000 * (rows + 1)) * fraction),
      recordsMatched: Math.round((s.recordsMatched ?? rows) * fraction),
      bytesScanned: Math.round((s.bytesScanned ?? 250_000 * (rows + 1)) * fraction),
    };
  }

  private getQueryResults(input: GetQueryResultsCommandInput) {
    this.calls.push({ command: 'GetQueryResults', input: { ...input } });
    const q = input.queryId ? this.queries.get(input.queryId) : undefined;
    if (!q) throw new ResourceNotFoundException({ ...meta, message: 'Query does not exist' });
    const scheduled = q.script.scheduledPolls ?? 1;
    const running = q.script.runningPolls ?? 1;
    if (q.status === 'Scheduled' || q.status === 'Running') {
      if (!input.nextToken) q.polls += 1;
      if (q.polls <= scheduled) q.status = 'Scheduled';
      else if (q.polls <= scheduled + running) q.status = 'Running';
      else q.status = q.script.final ?? 'Complete';
    }
    const fraction =
      q.status === 'Scheduled'
        ? 0
        : q.status === 'Running'
          ? Math.min(0.9, (q.polls - scheduled) / (Number.isFinite(running) ? running + 1 : q.polls + 1))
          : 1;
    const statistics = this.statistics(q, fraction);
    if (q.status !== 'Complete') return { status: q.status, results: [], statistics };

    const all = (q.script.rows ?? []).slice(0, q.limit ?? 10_000);
    const offset = input.nextToken ? Number(/^tok:(\d+)$/.exec(input.nextToken)?.[1] ?? NaN) : 0;
    if (!Number.isInteger(offset)) throw new InvalidParameterException({ ...meta, message: 'bad nextToken' });
    const size = Math.min(input.maxItems ?? 1000, this.pageCap);
    const page = all.slice(offset, offset + size);
    const results: ResultField[][] = page.map((row, i) => {
      const fields = Object.entries(row).map(([field, value]) => ({ field, value }));
      return q.script.withPtr ? [...fields, { field: '@ptr', value: `ptr-${offset + i}` }] : fields;
    });
    const next = offset + size < all.length ? `tok:${offset + size}` : undefined;
    return { status: q.status, results, statistics, nextToken: next };
  }

  private stopQuery(input: StopQueryCommandInput) {
    this.calls.push({ command: 'StopQuery', input: { ...input } });
    const q = input.queryId ? this.queries.get(input.queryId) : undefined;
    if (!q) throw new ResourceNotFoundException({ ...meta, message: 'Query does not exist' });
    if (q.status !== 'Scheduled' && q.status !== 'Running') {
      throw new InvalidParameterException({ ...meta, message: `Query ${q.id} is not running (${q.status})` });
    }
    q.status = 'Cancelled';
    return { success: true };
  }
}
