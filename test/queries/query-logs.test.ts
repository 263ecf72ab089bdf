import {
  LogGroupNotFoundError,
  LogsInsights,
  MalformedQueryError,
  QueryConcurrencyError,
  performanceLogGroup,
  toRows,
} from '../../src/aws/logs';
import { AwsError } from '../../src/errors';
import { FakeLogs } from '../helpers/fake-logs';

const GROUP = performanceLogGroup('prod');
const input = (over: Record<string, unknown> = {}) => ({
  logGroupName: GROUP,
  queryString: 'stats count(*) by Type',
  startTimeSec: 1_700_000_000,
  endTimeSec: 1_700_003_600,
  limit: 100,
  ...over,
});

describe('Logs Insights adapter', () => {
  let fake: FakeLogs;
  let sleeps: number[];
  let logs: LogsInsights;
  beforeEach(() => {
    fake = new FakeLogs().addCluster('prod');
    sleeps = [];
    logs = new LogsInsights(fake.client, { sleep: async (ms) => void sleeps.push(ms) });
  });

  it('starts a query with epoch-second times and the limit', async () => {
    const id = await logs.start(input());
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.callsOf('StartQuery')).toEqual([
      {
        logGroupName: GROUP,
        queryString: 'stats count(*) by Type',
        startTime: 1_700_000_000,
        endTime: 1_700_003_600,
        limit: 100,
      },
    ]);
  });

  it('follows Scheduled → Running → Complete with statistics growing', async () => {
    fake.when(/count/, {
      scheduledPolls: 1,
      runningPolls: 2,
      rows: [{ Type: 'Task', 'count(*)': '12' }],
      recordsScanned: 5000,
      bytesScanned: 9_000_000,
    });
    const id = await logs.start(input());
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await logs.results(id));
    expect(seen.map((p) => p.status)).toEqual(['Scheduled', 'Running', 'Running', 'Complete']);
    expect(seen[0].stats.recordsScanned).toBe(0);
    expect(seen[1].stats.recordsScanned).toBeGreaterThan(0);
    expect(seen[1].stats.recordsScanned).toBeLessThan(5000);
    expect(seen[3]).toEqual({
      status: 'Complete',
      fields: ['Type', 'count(*)'],
      rows: [{ Type: 'Task', 'count(*)': '12' }],
      stats: { recordsScanned: 5000, recordsMatched: 1, bytesScanned: 9_000_000 },
      nextToken: undefined,
    });
  });

  it('drops @ptr and keeps the field order of first appearance', () => {
    const out = toRows([
      [
        { field: 'a', value: '1' },
        { field: '@ptr', value: 'p' },
      ],
      [
        { field: 'b', value: '2' },
        { field: 'a', value: '3' },
      ],
    ]);
    expect(out).toEqual({ fields: ['a', 'b'], rows: [{ a: '1' }, { b: '2', a: '3' }] });
  });

  it('keeps a field named __proto__ as a plain field', () => {
    const out = toRows([[{ field: '__proto__', value: '7' }]]);
    expect(out.fields).toEqual(['__proto__']);
    expect(Object.keys(out.rows[0])).toEqual(['__proto__']);
    expect(out.rows[0]['__proto__']).toBe('7');
  });

  it('pages through every row of a finished query up to the limit', async () => {
    fake.pageCap = 100;
    const rows = Array.from({ length: 250 }, (_, i) => ({ i: String(i) }));
    fake.when(/count/, { scheduledPolls: 0, runningPolls: 0, rows, withPtr: true });
    const id = await logs.start(input({ limit: 1000 }));
    const all = await logs.allResults(id, 1000);
    expect(all.rows).toHaveLength(250);
    expect(all.rows[249]).toEqual({ i: '249' });
    expect(all.fields).toEqual(['i']);
    expect(fake.callsOf('GetQueryResults').map((c) => c.nextToken)).toEqual([undefined, 'tok:100', 'tok:200']);
  });

  it('maps a missing log group to LogGroupNotFoundError', async () => {
    await expect(logs.start(input({ logGroupName: performanceLogGroup('ghost') }))).rejects.toBeInstanceOf(
      LogGroupNotFoundError,
    );
  });

  it("maps MalformedQueryException to a usage error with AWS's explanation", async () => {
    fake.rejectAsMalformed(/^nonsense/, 'unexpected symbol at line 1');
    const err = await logs.start(input({ queryString: 'nonsense here' })).catch((e) => e);
    expect(err).toBeInstanceOf(MalformedQueryError);
    expect(err.message).toBe('Logs Insights cannot parse the query: unexpected symbol at line 1');
  });

  it('backs off on LimitExceededException and then succeeds', async () => {
    fake.failNextStarts(2);
    await expect(logs.start(input())).resolves.toMatch(/-/);
    expect(fake.callsOf('StartQuery')).toHaveLength(3);
    expect(sleeps).toEqual([2000, 4000]);
  });

  it('gives up with a clear error after four refusals', async () => {
    fake.failNextStarts(4);
    const err = await logs.start(input()).catch((e) => e);
    expect(err).toBeInstanceOf(QueryConcurrencyError);
    expect(err.message).toMatch(/as many queries as this AWS account allows/);
    expect(fake.callsOf('StartQuery')).toHaveLength(4);
    expect(sleeps).toEqual([2000, 4000, 8000]);
  });

  it('names the missing permission when access is denied', async () => {
    fake.failNextStarts(1, 'AccessDeniedException');
    const err = await logs.start(input()).catch((e) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err.message).toMatch(/needs logs:StartQuery, logs:GetQueryResults and logs:StopQuery/);
  });

  it('stops a running query, and reports one that ended or never existed', async () => {
    fake.when(/count/, { runningPolls: Infinity });
    const id = await logs.start(input());
    await logs.results(id);
    expect(await logs.stop(id)).toBe('stopped');
    expect((await logs.results(id)).status).toBe('Cancelled');
    expect(await logs.stop(id)).toBe('not_running');
    expect(await logs.stop('00000000-0000-4000-8000-999999999999')).toBe('not_found');
  });

  it('wraps a GetQueryResults failure as an AwsError', async () => {
    await expect(logs.results('unknown-id')).rejects.toThrow(/GetQueryResults failed: Query does not exist/);
  });
});
