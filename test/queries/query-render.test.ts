import { LIMITS } from '../../src/slack/limits';
import { ACTIONS, decodeValue } from '../../src/slack/actions';
import { QUERY_PRESETS } from '../../src/queries/presets';
import { QUERY_USAGE } from '../../src/queries/args';
import {
  MAX_TABLE_ROWS,
  formatBytes,
  formatElapsed,
  planTable,
  renderQueryCsv,
  renderQueryEnded,
  renderQueryHelp,
  renderQueryProgress,
  renderQueryResult,
  resultNeedsCsv,
  type QueryView,
} from '../../src/queries/render';

/** Every Block Kit limit the renderers promise (limits.ts), checked on any message. */
function expectWithinSlackLimits(msg: { text?: string; blocks?: any[] }): void {
  const blocks = msg.blocks ?? [];
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  expect((msg.text ?? '').length).toBeLessThanOrEqual(LIMITS.messageText);
  let total = 0;
  for (const b of blocks) {
    if (b.block_id) expect(b.block_id.length).toBeLessThanOrEqual(LIMITS.blockId);
    if (b.type === 'section') {
      expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      total += b.text.text.length;
    }
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
      for (const e of b.elements) {
        expect(e.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
        total += e.text.length;
      }
    }
    if (b.type === 'actions') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.actionsElements);
      for (const e of b.elements) {
        expect(e.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
        expect(e.action_id.length).toBeLessThanOrEqual(LIMITS.actionId);
        expect((e.value ?? '').length).toBeLessThanOrEqual(LIMITS.buttonValue);
      }
    }
  }
  expect(total).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
}

const view = (over: Partial<QueryView> = {}): QueryView => ({
  queryId: '12ab34cd-0000-4000-8000-000000000001',
  cluster: 'prod',
  preset: 'cpu',
  query: QUERY_PRESETS[0].query,
  sinceLabel: '1h',
  startMs: Date.UTC(2025, 0, 2, 3, 0, 0),
  endMs: Date.UTC(2025, 0, 2, 4, 0, 0),
  requester: 'U0ALICE',
  limit: 1000,
  ...over,
});
const stats = { recordsScanned: 1_234_567, recordsMatched: 42, bytesScanned: 45_600_000 };
const tableOf = (msg: { blocks: any[] }) =>
  msg.blocks.find((b) => b.type === 'section' && b.text.text.startsWith('```')).text.text as string;

describe('query progress message', () => {
  it('shows status, records scanned, requester and a Cancel button carrying query, cluster and requester', () => {
    const msg = renderQueryProgress(view(), { status: 'Running', stats, elapsedMs: 3200 });
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('Status: *Running*');
    expect(all).toContain('1,234,567 records scanned');
    expect(all).toContain('45.6 MB scanned');
    expect(all).toContain('<@U0ALICE>');
    const button = (msg.blocks.find((b: any) => b.type === 'actions') as any).elements[0];
    expect(button.action_id).toBe(ACTIONS.queryCancel);
    expect(decodeValue(button.value)).toEqual({ q: view().queryId, c: 'prod', u: 'U0ALICE' });
    expect(msg.text).toBe('Running cpu on prod (last 1h): Running');
    expectWithinSlackLimits(msg);
  });

  it('stays within limits with a 10,000-character raw query full of mrkdwn', () => {
    const q = '<!channel> `x` *y* ' + 'filter a="b" | '.repeat(700);
    const msg = renderQueryProgress(view({ preset: undefined, query: q.slice(0, 10_000) }), {
      status: 'Scheduled',
      stats,
      elapsedMs: 0,
    });
    expectWithinSlackLimits(msg);
    const all = JSON.stringify(msg.blocks);
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('Raw query');
  });
});

describe('query result table', () => {
  it('aligns columns, right-aligns numbers with separators and keeps the query order', () => {
    const rows = [
      { TaskDefinitionFamily: 'api', avg_node_cpu_utilization: '1234.5678' },
      { TaskDefinitionFamily: 'worker-long-name', avg_node_cpu_utilization: '7' },
    ];
    const msg = renderQueryResult(
      view(),
      { fields: ['TaskDefinitionFamily', 'avg_node_cpu_utilization'], rows, stats, elapsedMs: 2500 },
      'none',
    );
    const lines = tableOf(msg).split('\n');
    expect(lines[0]).toBe('```');
    expect(lines[1]).toBe('TaskDefinitionFamily  avg_node_cpu_utilization');
    expect(lines[2]).toBe('--------------------  ------------------------');
    expect(lines[3]).toBe('api                                   1,234.57');
    expect(lines[4]).toBe('worker-long-name                          7.00');
    expect(lines[5]).toBe('```');
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('2 rows · 1,234,567 records scanned · 45.6 MB scanned · 2.5 s');
    expect(all).toContain('<!date^1735786800^');
    expect(all).not.toContain('attached as CSV');
    expectWithinSlackLimits(msg);
  });

  it('escapes every value: no mention, link or early end of the code block', () => {
    const rows = [{ name: '<!channel> @here <https://evil|click> ```', n: '1' }];
    const msg = renderQueryResult(view(), { fields: ['name', 'n'], rows, stats, elapsedMs: 1 }, 'none');
    const table = tableOf(msg);
    expect(table).not.toContain('<!channel>');
    expect(table).not.toContain('<https://evil');
    expect(table).toContain('&lt;!channel&gt;');
    expect(table).toContain('@\u200dhere');
    expect(table.match(/```/g)!.length).toBe(2);
  });

  it('keeps newlines in values from breaking rows', () => {
    const plan = planTable(['m'], [{ m: 'line1\nline2\tend' }]);
    expect(plan.text.split('\n')).toHaveLength(5);
    expect(plan.text).toContain('line1 line2 end');
  });

  it('shows the top rows that fit and says the rest is in the CSV', () => {
    const rows = Array.from({ length: 523 }, (_, i) => ({
      TaskId: `task-${i}-${'x'.repeat(30)}`,
      mem: String(i * 1.5),
    }));
    const input = { fields: ['TaskId', 'mem'], rows, stats, elapsedMs: 61_000 };
    expect(resultNeedsCsv(input)).toBe(true);
    const msg = renderQueryResult(view({ limit: 10_000 }), input, 'thread');
    const plan = planTable(input.fields, rows);
    expect(plan.shownRows).toBeGreaterThan(10);
    expect(plan.shownRows).toBeLessThanOrEqual(MAX_TABLE_ROWS);
    expect(JSON.stringify(msg.blocks)).toContain(
      `Showing the top ${plan.shownRows} of 523 rows; the full result is attached as CSV in the thread.`,
    );
    expect(tableOf(msg)).toContain('task-0-');
    expectWithinSlackLimits(msg);
  });

  it('stays within limits for the worst result: 10,000 rows, 30 long columns', () => {
    const fields = Array.from({ length: 30 }, (_, i) => `field_${i}_${'f'.repeat(60)}`);
    const rows = Array.from({ length: 10_000 }, (_, r) =>
      Object.fromEntries(fields.map((f, i) => [f, `${r}-${i}-${'<&>'.repeat(40)}`])),
    );
    const input = { fields, rows, stats, elapsedMs: 1 };
    const msg = renderQueryResult(view({ limit: 10_000 }), input, 'unavailable');
    expectWithinSlackLimits(msg);
    expect(tableOf(msg).endsWith('\n```')).toBe(true);
    expect(JSON.stringify(msg.blocks)).toContain('invite the bot to this channel');
    expect(JSON.stringify(msg.blocks)).toContain('The result stopped at 10,000 rows');
  });

  it('cuts long cells and then needs a CSV even for one row', () => {
    const input = { fields: ['msg'], rows: [{ msg: 'a'.repeat(300) }], stats, elapsedMs: 1 };
    expect(planTable(input.fields, input.rows).cellsTruncated).toBe(true);
    expect(resultNeedsCsv(input)).toBe(true);
    expect(tableOf(renderQueryResult(view(), input, 'thread'))).toContain('…');
  });

  it('says when no rows matched', () => {
    const msg = renderQueryResult(view(), { fields: [], rows: [], stats, elapsedMs: 1 }, 'none');
    expect(JSON.stringify(msg.blocks)).toContain('No rows matched in this time range');
    expect(msg.text).toContain('0 rows');
  });
});

describe('query endings', () => {
  const p = { stats, elapsedMs: 5 * 60_000 };
  it.each([
    [{ kind: 'failed' } as const, /\*failed\*/],
    [{ kind: 'timeout' } as const, /\*timed out\* in Logs Insights/],
    [{ kind: 'cancelled', by: 'U0BOB' } as const, /\*cancelled by <@U0BOB>\*/],
    [{ kind: 'cancelled' } as const, /\*was cancelled\* outside this bot/],
    [{ kind: 'deadline', afterMs: 300_000 } as const, /\*stopped after 5 min\*: the bot does not wait longer/],
    [{ kind: 'shutdown' } as const, /because the bot was restarting/],
    [{ kind: 'lost', detail: '<b>boom</b>', ref: 'r1' } as const, /lost track of the query \(ref r1\)/],
  ])('%o says so plainly, with what it scanned and no Cancel button', (ending, re) => {
    const msg = renderQueryEnded(view(), ending, p);
    const all = JSON.stringify(msg.blocks);
    expect(all).toMatch(re);
    expect(all).toContain('45.6 MB scanned');
    expect(all).not.toContain(ACTIONS.queryCancel);
    expect(all).not.toContain('<b>');
    expectWithinSlackLimits(msg);
  });
});

describe('query help', () => {
  it('lists every preset with its query', () => {
    const msg = renderQueryHelp(QUERY_PRESETS, QUERY_USAGE);
    expect(msg.response_type).toBe('ephemeral');
    const all = JSON.stringify((msg as any).blocks);
    for (const preset of QUERY_PRESETS) expect(all).toContain(`\`${preset.name}\``);
    expect(all).toContain('avg(CpuUtilized)');
    expectWithinSlackLimits(msg as any);
  });
});

describe('query CSV', () => {
  it('writes RFC 4180 with a header and every row, quoting where needed', () => {
    const csv = renderQueryCsv(
      ['a', 'b'],
      [
        { a: 'x,y', b: 'say "hi"' },
        { a: 'line\nbreak', b: '' },
        { a: '-1.5', b: '42' },
      ],
    );
    expect(csv).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n-1.5,42\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas, but not negative numbers', () => {
    const csv = renderQueryCsv(['v'], [{ v: '=HYPERLINK("x")' }, { v: '+1+1' }, { v: '@SUM(A1)' }, { v: '-3' }]);
    expect(csv.split('\r\n')).toEqual(['v', `"'=HYPERLINK(""x"")"`, "'+1+1", "'@SUM(A1)", '-3', '']);
  });
});

describe('formatting', () => {
  it('formats bytes and durations for people', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(45_600_000)).toBe('45.6 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
    expect(formatElapsed(850)).toBe('850 ms');
    expect(formatElapsed(3_240)).toBe('3.2 s');
    expect(formatElapsed(65_000)).toBe('1 min 5 s');
  });
});
