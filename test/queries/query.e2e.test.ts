import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AwsClients } from '../../src/aws/clients';
import { ACTIONS, decodeValue } from '../../src/slack/actions';
import { findPreset, QUERY_PRESETS } from '../../src/queries/presets';
import { FakeLogs, type QueryScript } from '../helpers/fake-logs';
import { buttonClick, sendCommand, sendInteraction } from '../helpers/slack-sign';
import { refusingAwsClients, startTestBot, type TestBot } from '../helpers/test-bot';

/**
 * /ecs query end to end: the real app on port 0, signed slash commands and button clicks over HTTP,
 * a fake Slack Web API, and a stateful Logs Insights fake behind the real CloudWatchLogsClient.
 * Polls never wait: the injected sleep advances a fake clock (or parks until a test releases it).
 */

const CHANNEL = 'C0OPS';
const NOW = Date.UTC(2025, 0, 2, 4, 0, 0);

interface Harness {
  t: TestBot;
  fake: FakeLogs;
  clock: { now(): number; advance(ms: number): void };
  /** Polls parked by a gated sleep; release() lets them all run one more time. */
  parked: (() => void)[];
  release(): void;
  command(text: string, o?: { user?: string; rid?: string }): Promise<{ status: number; ack: any; rid: string }>;
  /** The one top-level message in the channel once it no longer says "Running". */
  finalMessage(): Promise<{ ts: string; text?: string; blocks?: any[] }>;
  progressMessage(): Promise<{ ts: string; blocks?: any[] }>;
}

let rids = 0;

/** The file inside a multipart/form-data upload body (web-api posts the bytes as a form). */
function multipartFile(buf: Buffer): string {
  const text = buf.toString('utf8');
  const boundary = text.slice(0, text.indexOf('\r\n'));
  const part = text.split(boundary)[1];
  return part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
}

async function harness(
  o: { env?: Record<string, string>; gated?: boolean; deadlineMs?: number; fake?: FakeLogs } = {},
): Promise<Harness> {
  const fake = o.fake ?? new FakeLogs().addCluster('prod').addCluster('lab');
  let now = NOW;
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const parked: (() => void)[] = [];
  const sleep = o.gated
    ? () => new Promise<void>((resolve) => parked.push(resolve))
    : async (ms: number) => {
        clock.advance(ms);
        await new Promise((r) => setImmediate(r));
      };
  const aws: AwsClients = { ...refusingAwsClients(), logs: fake.client };
  const t = await startTestBot({
    aws,
    clock,
    env: o.env,
    inject: { querySleep: sleep, queryDeadlineMs: o.deadlineMs },
  });
  const h: Harness = {
    t,
    fake,
    clock,
    parked,
    release() {
      for (const r of parked.splice(0)) r();
    },
    async command(text, c = {}) {
      const rid = c.rid ?? `q${++rids}`;
      const res = await sendCommand(t.url, {
        text,
        response_url: t.slack.responseUrl(rid),
        channel_id: CHANNEL,
        user_id: c.user ?? 'U0ALICE',
      });
      const body = await res.text();
      return { status: res.status, ack: body ? JSON.parse(body) : undefined, rid };
    },
    finalMessage() {
      return t.slack.waitFor(
        () => t.slack.messagesIn(CHANNEL).find((m) => !m.thread_ts && m.text?.startsWith('Query ')),
        5000,
        'final query message',
      );
    },
    progressMessage() {
      return t.slack.waitFor(
        () => t.slack.messagesIn(CHANNEL).find((m) => m.text?.startsWith('Running ')),
        5000,
        'progress message',
      );
    },
  };
  return h;
}

const blocksText = (blocks: any[] | undefined) => JSON.stringify(blocks ?? []);
const tableOf = (blocks: any[] | undefined) =>
  (blocks ?? []).find((b) => b.type === 'section' && b.text.text.startsWith('```'))?.text.text as string;
const cancelButton = (blocks: any[] | undefined) =>
  (blocks ?? []).find((b) => b.type === 'actions')?.elements.find((e: any) => e.action_id === ACTIONS.queryCancel);

const PRESET_ROWS: Record<string, Record<string, string>[]> = {
  cpu: [
    { TaskDefinitionFamily: 'EcsLabApi', avg_node_cpu_utilization: '412.25' },
    { TaskDefinitionFamily: 'worker', avg_node_cpu_utilization: '18.5' },
  ],
  memory: [
    {
      TaskDefinitionFamily: 'EcsLabApi',
      avg_memory_mib: '300.1',
      max_memory_mib: '498',
      reserved_mib: '512',
      max_pct_of_reserved: '97.27',
    },
  ],
  network: [
    {
      TaskDefinitionFamily: 'EcsLabApi',
      avg_rx_bytes_per_sec: '15321.7',
      avg_tx_bytes_per_sec: '9000',
      max_dropped: '0',
      max_errors: '0',
    },
  ],
  instances: [{ ClusterName: 'prod', instance_count: '1' }],
  tasks: [
    { ServiceName: 'EcsLabApi', container_count: '2' },
    { ServiceName: 'worker', container_count: '1' },
  ],
};

describe('/ecs query end to end', () => {
  let h: Harness;
  afterEach(async () => {
    h?.release();
    await h?.t.stop();
    // Nothing in these flows is unexpected: no error-level log line, ever.
    expect(h?.t.logs.records().filter((r) => r.level === 'error') ?? []).toEqual([]);
  });

  describe.each(QUERY_PRESETS.map((p) => p.name))('preset %s', (name) => {
    it('queries the performance log group for the last hour and replaces the progress message with an aligned table', async () => {
      h = await harness();
      const preset = findPreset(name)!;
      h.fake.when(preset.query, {
        scheduledPolls: 1,
        runningPolls: 2,
        rows: PRESET_ROWS[name],
        recordsScanned: 86_400,
        bytesScanned: 123_400_000,
      });
      const { status, ack } = await h.command(`query ${name} --cluster prod`);
      expect(status).toBe(200);
      expect(ack).toBeUndefined();

      const msg = await h.finalMessage();
      expect(h.fake.callsOf('StartQuery')).toEqual([
        {
          logGroupName: '/aws/ecs/containerinsights/prod/performance',
          queryString: preset.query,
          startTime: NOW / 1000 - 3600,
          endTime: NOW / 1000,
          limit: 1000,
        },
      ]);
      const posts = h.t.slack.callsTo('chat.postMessage');
      expect(posts).toHaveLength(1);
      expect(posts[0].args.channel).toBe(CHANNEL);
      expect(JSON.stringify(posts[0].args.blocks)).toContain(ACTIONS.queryCancel);

      const table = tableOf(msg.blocks);
      const header = table.split('\n')[1];
      for (const field of Object.keys(PRESET_ROWS[name][0])) expect(header).toContain(field);
      for (const value of Object.values(PRESET_ROWS[name][0]).filter((v) => /[a-z]/i.test(v)))
        expect(table).toContain(value);
      const all = blocksText(msg.blocks);
      expect(all).toContain('86,400 records scanned · 123 MB scanned');
      expect(all).toContain(`*${name}* on \`prod\` · last 1h`);
      expect(all).toContain(`<!date^${NOW / 1000 - 3600}^`);
      expect(all).not.toContain(ACTIONS.queryCancel);
      expect(h.t.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
    });
  });

  it('updates the progress message while the query runs, at most every 3 s of the clock', async () => {
    h = await harness();
    h.fake.when(findPreset('cpu')!.query, {
      scheduledPolls: 1,
      runningPolls: 5,
      rows: PRESET_ROWS.cpu,
      recordsScanned: 10_000,
    });
    await h.command('query cpu --cluster prod');
    const msg = await h.finalMessage();
    const updates = h.t.slack.callsTo('chat.update').filter((c) => c.args.ts === msg.ts);
    const progress = updates.filter((u) => String(u.args.text).startsWith('Running '));
    expect(progress).toHaveLength(2);
    expect(blocksText(progress[0].args.blocks)).toContain('Status: *Running*');
    expect(blocksText(progress[1].args.blocks)).toMatch(/[1-9][\d,]* records scanned/);
    expect(String(updates[updates.length - 1].args.text)).toMatch(/^Query cpu on prod/);
    expect(h.fake.callsOf('GetQueryResults').length).toBe(7);
  });

  it('uses ECS_DEFAULT_CLUSTER and --since/--limit', async () => {
    h = await harness({ env: { ECS_DEFAULT_CLUSTER: 'lab' } });
    await h.command('query tasks --since 2d --limit 50');
    await h.finalMessage();
    const [start] = h.fake.callsOf('StartQuery');
    expect(start.logGroupName).toBe('/aws/ecs/containerinsights/lab/performance');
    expect(start.endTime - start.startTime).toBe(2 * 86_400);
    expect(start.limit).toBe(50);
  });

  it('runs a raw query with its quotes and comparisons intact', async () => {
    h = await harness();
    const raw =
      'filter Type="Task" and CpuUtilized > 50 | stats max(MemoryUtilized) as peak by TaskId | sort peak desc';
    h.fake.when(raw, { rows: [{ TaskId: 'abc123', peak: '498' }], withPtr: true });
    // Slack HTML-escapes &, < and > in command text.
    await h.command(`query "${raw.replace('>', '&gt;')}" --cluster prod --since 6h`);
    const msg = await h.finalMessage();
    const [start] = h.fake.callsOf('StartQuery');
    expect(start.queryString).toBe(raw);
    expect(start.endTime - start.startTime).toBe(6 * 3600);
    expect(tableOf(msg.blocks)).toContain('abc123');
    expect(tableOf(msg.blocks)).not.toContain('@ptr');
    expect(blocksText(msg.blocks)).toContain('Raw query on `prod` · last 6h');
  });

  it('reads a shell-style escaped raw query as the shell would', async () => {
    h = await harness();
    await h.command(
      'query "filter Type=\\"Service\\" | stats max(PendingTaskCount) as pending by ServiceName" --cluster prod',
    );
    await h.finalMessage();
    expect(h.fake.callsOf('StartQuery')[0].queryString).toBe(
      'filter Type="Service" | stats max(PendingTaskCount) as pending by ServiceName',
    );
  });

  it('escapes every value from the result', async () => {
    h = await harness();
    h.fake.when(/stats/, { rows: [{ ServiceName: '<!channel> <https://evil.example|login> @here `x`', n: '1' }] });
    await h.command(`query 'stats count(*) as n by ServiceName' --cluster prod`);
    const msg = await h.finalMessage();
    const all = blocksText(msg.blocks);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(tableOf(msg.blocks)).toContain('&lt;!channel&gt;');
  });

  it('cancels through a signed button click: StopQuery, and the message says who cancelled', async () => {
    h = await harness({ gated: true });
    h.fake.when(findPreset('cpu')!.query, { runningPolls: Infinity });
    await h.command('query cpu --cluster prod');
    const progress = await h.progressMessage();
    const button = cancelButton(progress.blocks);
    const q = h.fake.onlyQuery();
    expect(decodeValue(button.value)).toEqual({ q: q.id, c: 'prod', u: 'U0ALICE' });

    const res = await sendInteraction(
      h.t.url,
      buttonClick({
        actionId: ACTIONS.queryCancel,
        value: button.value,
        userId: 'U0ALICE',
        channelId: CHANNEL,
        messageTs: progress.ts,
        responseUrl: h.t.slack.responseUrl('click1'),
      }),
    );
    expect(res.status).toBe(200);
    const msg = await h.finalMessage();
    expect(blocksText(msg.blocks)).toContain('*cancelled by <@U0ALICE>*');
    expect(msg.text).toBe('Query cpu on prod (last 1h) cancelled');
    expect(h.fake.callsOf('StopQuery')).toEqual([{ queryId: q.id }]);
    expect(q.status).toBe('Cancelled');
    expect(h.t.slack.responsesTo('click1')).toHaveLength(0);
  });

  it('refuses a cancel from someone who neither started the query nor approves', async () => {
    h = await harness({ gated: true });
    h.fake.when(findPreset('cpu')!.query, { runningPolls: Infinity });
    await h.command('query cpu --cluster prod');
    const progress = await h.progressMessage();
    await sendInteraction(
      h.t.url,
      buttonClick({
        actionId: ACTIONS.queryCancel,
        value: cancelButton(progress.blocks).value,
        userId: 'U0MALLORY',
        channelId: CHANNEL,
        messageTs: progress.ts,
        responseUrl: h.t.slack.responseUrl('click2'),
      }),
    );
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo('click2').length ? h.t.slack.responsesTo('click2') : undefined,
    );
    expect(reply.body.text).toContain('Only <@U0ALICE>, who started this query, or an approver can cancel it.');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(h.fake.callsOf('StopQuery')).toHaveLength(0);
  });

  it('lets an approver (here through a user group) cancel, and a second click learns it was already cancelled', async () => {
    h = await harness({ gated: true, env: { APPROVERS: 'S0ONCALL' } });
    h.t.slack.usergroups = { S0ONCALL: ['U0BOB'] };
    h.fake.when(findPreset('memory')!.query, { runningPolls: Infinity });
    await h.command('query memory --cluster prod');
    const progress = await h.progressMessage();
    const value = cancelButton(progress.blocks).value;
    const click = (user: string, rid: string) =>
      sendInteraction(
        h.t.url,
        buttonClick({
          actionId: ACTIONS.queryCancel,
          value,
          userId: user,
          channelId: CHANNEL,
          messageTs: progress.ts,
          responseUrl: h.t.slack.responseUrl(rid),
        }),
      );
    await click('U0BOB', 'bob');
    const msg = await h.finalMessage();
    expect(blocksText(msg.blocks)).toContain('*cancelled by <@U0BOB>*');
    await click('U0ALICE', 'alice');
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo('alice').length ? h.t.slack.responsesTo('alice') : undefined,
    );
    expect(reply.body.text).toContain('<@U0BOB> already cancelled this query.');
    expect(h.fake.callsOf('StopQuery')).toHaveLength(1);
  });

  it('obeys the policy file on who may cancel: a query-cancel rule grants Carol and denies Bob on prod', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    const file = path.join(dir, 'policy.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ rules: [{ clusters: ['prod'], actions: ['query-cancel'], approvers: ['U0CAROL'] }] }),
    );
    // Bob is in APPROVERS, Carol is not: the rule for prod says otherwise, and the rule wins.
    h = await harness({ gated: true, env: { APPROVERS: 'U0BOB', POLICY_FILE: file } });
    h.fake.when(findPreset('cpu')!.query, { runningPolls: Infinity });
    await h.command('query cpu --cluster prod');
    const progress = await h.progressMessage();
    const click = (user: string, rid: string) =>
      sendInteraction(
        h.t.url,
        buttonClick({
          actionId: ACTIONS.queryCancel,
          value: cancelButton(progress.blocks).value,
          userId: user,
          channelId: CHANNEL,
          messageTs: progress.ts,
          responseUrl: h.t.slack.responseUrl(rid),
        }),
      );
    await click('U0BOB', 'bob');
    const [refused] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo('bob').length ? h.t.slack.responsesTo('bob') : undefined,
    );
    expect(refused.body.text).toContain('Only <@U0ALICE>, who started this query, or an approver can cancel it.');
    expect(h.fake.callsOf('StopQuery')).toHaveLength(0);

    await click('U0CAROL', 'carol');
    const msg = await h.finalMessage();
    expect(blocksText(msg.blocks)).toContain('*cancelled by <@U0CAROL>*');
    expect(h.fake.callsOf('StopQuery')).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a tampered Cancel button value', async () => {
    h = await harness();
    await sendInteraction(
      h.t.url,
      buttonClick({
        actionId: ACTIONS.queryCancel,
        value: '{"q":"../../x","c":"prod","u":"U0ALICE"}',
        channelId: CHANNEL,
        responseUrl: h.t.slack.responseUrl('bad'),
      }),
    );
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo('bad').length ? h.t.slack.responsesTo('bad') : undefined,
    );
    expect(reply.body.text).toContain('this button is malformed; nothing was cancelled');
    expect(h.fake.callsOf('StopQuery')).toHaveLength(0);
  });

  it.each<[string, QueryScript, RegExp]>([
    ['failed', { final: 'Failed' }, /\*failed\*\./],
    ['timed-out', { final: 'Timeout', runningPolls: 3 }, /\*timed out\* in Logs Insights/],
  ])('says plainly when a query %s', async (_label, script, re) => {
    h = await harness();
    h.fake.when(findPreset('network')!.query, script);
    await h.command('query network --cluster prod');
    const msg = await h.finalMessage();
    expect(blocksText(msg.blocks)).toMatch(re);
    expect(blocksText(msg.blocks)).not.toContain(ACTIONS.queryCancel);
  });

  it('stops the query at its own deadline and says so', async () => {
    h = await harness({ deadlineMs: 10_000 });
    h.fake.when(findPreset('cpu')!.query, { runningPolls: Infinity });
    await h.command('query cpu --cluster prod --since 7d');
    const msg = await h.finalMessage();
    expect(blocksText(msg.blocks)).toContain('*stopped after 10.0 s*: the bot does not wait longer');
    const q = h.fake.onlyQuery();
    expect(h.fake.callsOf('StopQuery')).toEqual([{ queryId: q.id }]);
    expect(q.status).toBe('Cancelled');
  });

  it('says Container Insights is probably disabled when the log group is missing', async () => {
    h = await harness();
    const { rid } = await h.command('query cpu --cluster ghost');
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo(rid).length ? h.t.slack.responsesTo(rid) : undefined,
    );
    expect(reply.body.response_type).toBe('ephemeral');
    expect(reply.body.text).toContain(
      'Container Insights is probably disabled for cluster `ghost`: enable it with `/ecs insights ghost enable` (needs an approver)',
    );
    expect(h.t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it.each([
    ['query cpu --cluster prod --since 8d', /--since 8d is longer than the 7d/],
    ['query cpu --cluster prod --since soon', /--since takes a duration such as 30m, 6h or 2d/],
    ['query cpu --cluster prod --limit 0', /--limit must be from 1 to 10000/],
    ['query cpu --cluster prod --limit lots', /--limit takes a whole number/],
    ['query cpuu --cluster prod', /unknown preset "cpuu"/],
    ['query cpu', /which cluster\? Add --cluster NAME/],
  ])('answers %s with an ephemeral usage error and no AWS call', async (text, re) => {
    h = await harness();
    const { rid } = await h.command(text);
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo(rid).length ? h.t.slack.responsesTo(rid) : undefined,
    );
    expect(reply.body.response_type).toBe('ephemeral');
    expect(reply.body.text).toMatch(re);
    expect(reply.body.text).toContain(
      'Usage: `/ecs query &lt;preset&gt;|"&lt;raw query&gt;" [--cluster C] [--since 1h] [--limit N] [--account NAME] [--region REGION]`',
    );
    expect(h.fake.calls).toHaveLength(0);
  });

  it('answers an unknown option in the acknowledgement itself', async () => {
    h = await harness();
    const { ack } = await h.command('query cpu --cluster prod --bogus 1');
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('unknown option --bogus (known: --cluster, --since, --limit, --account, --region)');
    expect(h.fake.calls).toHaveLength(0);
  });

  it('lists the presets for /ecs query and /ecs query help', async () => {
    h = await harness();
    for (const text of ['query', 'query help']) {
      const { rid } = await h.command(text);
      const [reply] = await h.t.slack.waitFor(() =>
        h.t.slack.responsesTo(rid).length ? h.t.slack.responsesTo(rid) : undefined,
      );
      expect(reply.body.response_type).toBe('ephemeral');
      for (const p of QUERY_PRESETS) expect(blocksText(reply.body.blocks)).toContain(`\`${p.name}\``);
    }
    expect(h.fake.calls).toHaveLength(0);
  });

  it("shows AWS's explanation of a malformed raw query", async () => {
    h = await harness();
    h.fake.rejectAsMalformed(/^statz/, 'unexpected symbol: statz');
    const { rid } = await h.command(`query "statz count(*)" --cluster prod`);
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo(rid).length ? h.t.slack.responsesTo(rid) : undefined,
    );
    expect(reply.body.text).toContain('Logs Insights cannot parse the query: unexpected symbol: statz');
    expect(h.t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('backs off while the account is at its concurrent query limit, then runs', async () => {
    h = await harness();
    h.fake.failNextStarts(2);
    h.fake.when(findPreset('tasks')!.query, { rows: PRESET_ROWS.tasks });
    await h.command('query tasks --cluster prod');
    const msg = await h.finalMessage();
    expect(h.fake.callsOf('StartQuery')).toHaveLength(3);
    expect(tableOf(msg.blocks)).toContain('EcsLabApi');
  });

  it('says so when the concurrent query limit does not clear', async () => {
    h = await harness();
    h.fake.failNextStarts(4);
    const { rid } = await h.command('query tasks --cluster prod');
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo(rid).length ? h.t.slack.responsesTo(rid) : undefined,
    );
    expect(reply.body.text).toContain(
      'Logs Insights is already running as many queries as this AWS account allows; try again in a minute',
    );
  });

  it('attaches a large result as CSV in the thread and shows the top rows', async () => {
    h = await harness();
    h.fake.pageCap = 200;
    const rows = Array.from({ length: 600 }, (_, i) => ({
      TaskId: `task-${String(i).padStart(4, '0')}`,
      peak: String(1000 - i),
    }));
    h.fake.when(/by TaskId/, { rows });
    await h.command(
      `query "filter Type='Task' | stats max(MemoryUtilized) as peak by TaskId | sort peak desc" --cluster prod`,
    );
    const msg = await h.finalMessage();
    await h.t.slack.waitFor(
      () => h.t.slack.callsTo('files.completeUploadExternal').length === 1 || undefined,
      5000,
      'CSV upload',
    );

    const table = tableOf(msg.blocks);
    expect(table).toContain('task-0000');
    const shown = table.split('\n').length - 4;
    expect(blocksText(msg.blocks)).toContain(
      `Showing the top ${shown} of 600 rows; the full result is attached as CSV in the thread.`,
    );

    const [getUrl] = h.t.slack.callsTo('files.getUploadURLExternal');
    expect(getUrl.args.filename).toBe('query-raw-prod-20250102T0400.csv');
    const [complete] = h.t.slack.callsTo('files.completeUploadExternal');
    expect(complete.args.channel_id).toBe(CHANNEL);
    expect(complete.args.thread_ts).toBe(msg.ts);
    const uploaded = [...h.t.slack.uploads.values()].map(multipartFile);
    expect(uploaded).toHaveLength(1);
    const lines = uploaded[0].trimEnd().split('\r\n');
    expect(lines[0]).toBe('TaskId,peak');
    expect(lines).toHaveLength(601);
    expect(lines[600]).toBe('task-0599,401');
    expect(h.fake.callsOf('GetQueryResults').filter((c) => c.nextToken)).toHaveLength(2);
  });

  it('falls back to an ephemeral message that says how to invite the bot when it is not in the channel', async () => {
    h = await harness();
    h.t.slack.failNext(1, { error: 'not_in_channel' }, 'chat.postMessage');
    h.fake.when(findPreset('cpu')!.query, { rows: PRESET_ROWS.cpu });
    const { rid } = await h.command('query cpu --cluster prod');
    const replies = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo(rid).length >= 2 ? h.t.slack.responsesTo(rid) : undefined,
    );
    expect(replies[0].body.response_type).toBe('ephemeral');
    expect(blocksText(replies[0].body.blocks)).toContain('`/invite @ecs-ops`');
    expect(blocksText(replies[0].body.blocks)).toContain(ACTIONS.queryCancel);
    expect(replies[1].body.replace_original).toBe(true);
    expect(tableOf(replies[1].body.blocks)).toContain('EcsLabApi');
    expect(h.t.slack.callsTo('chat.update')).toHaveLength(0);
  });

  it('allows three running queries per person', async () => {
    h = await harness({ gated: true });
    h.fake.defaultScript = { runningPolls: Infinity };
    for (const p of ['cpu', 'memory', 'tasks']) await h.command(`query ${p} --cluster prod`);
    await h.t.slack.waitFor(() => h.t.slack.callsTo('chat.postMessage').length === 3 || undefined);
    const { rid } = await h.command('query network --cluster prod');
    const [reply] = await h.t.slack.waitFor(() =>
      h.t.slack.responsesTo(rid).length ? h.t.slack.responsesTo(rid) : undefined,
    );
    expect(reply.body.text).toContain('You already have 3 queries running');
    expect(h.fake.callsOf('StartQuery')).toHaveLength(3);
    const other = await h.command('query network --cluster prod', { user: 'U0BOB' });
    await h.t.slack.waitFor(() => h.t.slack.callsTo('chat.postMessage').length === 4 || undefined);
    expect(h.t.slack.responsesTo(other.rid)).toHaveLength(0);
  });

  it('stops running queries on shutdown and says so on their messages', async () => {
    h = await harness({ gated: true });
    h.fake.when(findPreset('cpu')!.query, { runningPolls: Infinity });
    await h.command('query cpu --cluster prod');
    const progress = await h.progressMessage();
    await h.t.stop();
    const msg = h.t.slack.messagesIn(CHANNEL).find((m) => m.ts === progress.ts)!;
    expect(blocksText(msg.blocks)).toContain('because the bot was restarting');
    expect(h.fake.callsOf('StopQuery')).toHaveLength(1);
  });
});
