import { StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { findPreset } from '../../src/queries/presets';
import { ACTIONS, decodeValue, encodeValue } from '../../src/slack/actions';
import type { AwsOrg } from '../helpers/aws-org';
import { buttonClick, sendCommand } from '../helpers/slack-sign';
import { ALARM_CHANNEL, type TestBot } from '../helpers/test-bot';
import { askAs, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs query` across accounts (signed HTTP, the fake AWS organisation with Logs Insights per account
 * and region, the fake Slack): cluster `web` is in prod and staging (eu-west-1), each with its own
 * Container Insights data; the flags pick the account whose Logs Insights runs the query, with that
 * account's read session, and the unqualified name answers with both candidates.
 */

const ALICE = 'U0ALICE';
const CPU = findPreset('cpu')!.query;

function insights(org: AwsOrg, account: string, region: string, cluster: string, family: string) {
  const logs = org.logsOf(account, region).addCluster(cluster);
  logs.when(CPU, { rows: [{ TaskDefinitionFamily: family, avg_node_cpu_utilization: '42.5' }] });
  return logs;
}

describe('/ecs query --account/--region', () => {
  let t: TestBot;
  let org: AwsOrg;
  /** Polls parked by the gated sleep (gated tests only). */
  let parked: (() => void)[];
  let gated: boolean;
  let rid = 0;

  const start = async (o: { gated?: boolean } = {}) => {
    gated = o.gated ?? false;
    t = await orgBot(
      org,
      {},
      {
        inject: {
          querySleep: (ms: number) =>
            gated
              ? new Promise<void>((resolve) => parked.push(resolve))
              : new Promise<void>((resolve) => {
                  org.advance(ms);
                  setImmediate(resolve);
                }),
        },
      },
    );
  };

  beforeEach(() => {
    org = estate();
    parked = [];
    insights(org, PROD, 'eu-west-1', 'web', 'prod-api');
    insights(org, STAGING, 'eu-west-1', 'web', 'staging-api');
    insights(org, PROD, 'us-east-1', 'edge', 'edge-proxy');
  });
  afterEach(async () => {
    gated = false;
    for (const r of parked.splice(0)) r();
    await t.stop();
  });

  /** Runs `/ecs query …` in the alarm channel; the query's message is posted there. */
  const query = async (text: string) => {
    const res = await sendCommand(t.url, {
      text,
      user_id: ALICE,
      channel_id: ALARM_CHANNEL,
      response_url: t.slack.responseUrl(`q${++rid}`),
    });
    expect(res.status).toBe(200);
  };
  const channelMessage = (prefix: string) =>
    t.slack.waitFor(
      () => t.slack.messagesIn(ALARM_CHANNEL).find((m) => !m.thread_ts && m.text?.startsWith(prefix)),
      10_000,
      `a "${prefix}" message`,
    );
  const logsCalls = () => org.calls.filter((c) => c.service === 'logs');

  it("runs the query in the account the flag names, with that account's read session, and names it", async () => {
    await start();
    await query('query cpu --cluster web --account staging');
    const msg = await channelMessage('Query ');
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('staging-api');
    expect(all).not.toContain('prod-api');
    expect(all).toContain(`staging (${STAGING}) · eu-west-1`);
    expect(msg.text).toContain(`in staging (${STAGING}) · eu-west-1`);

    const calls = logsCalls();
    expect(calls.map((c) => c.op)).toEqual(expect.arrayContaining(['StartQuery', 'GetQueryResults']));
    for (const c of calls) {
      expect(c).toMatchObject({ account: STAGING, region: 'eu-west-1' });
      expect(c.identity).toMatchObject({ roleArn: org.roleArn(STAGING), sessionName: 'ecs-chatops-read' });
      expect(c.identity.sourceIdentity).toBeUndefined();
    }
    expect(org.logsOf(PROD, 'eu-west-1').calls).toHaveLength(0);
  });

  it('finds an unqualified cluster that is in one place only, and queries it there', async () => {
    await start();
    await query('query cpu --cluster edge');
    const msg = await channelMessage('Query ');
    expect(JSON.stringify(msg.blocks)).toContain('edge-proxy');
    expect(JSON.stringify(msg.blocks)).toContain(`prod (${PROD}) · us-east-1`);
    const calls = logsCalls();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.account === PROD && c.region === 'us-east-1')).toBe(true);
  });

  it('answers a name in two accounts with both candidates, a typo with the closest real ones, and starts nothing', async () => {
    await start();
    const ambiguous = JSON.stringify(await askAs(t, ALICE, 'query cpu --cluster web'));
    expect(ambiguous).toContain('is in 2 places');
    expect(ambiguous).toContain('--account prod');
    expect(ambiguous).toContain('--account staging');
    expect(ambiguous).toContain('[--account NAME] [--region REGION]');

    const typo = JSON.stringify(await askAs(t, ALICE, 'query cpu --cluster wbe --region eu-west-1'));
    expect(typo).toContain('no cluster \\"wbe\\"');
    expect(typo).toContain('web --account prod');
    expect(typo).toContain('web --account staging');

    const bad = JSON.stringify(await askAs(t, ALICE, 'query cpu --cluster web --account nope'));
    expect(bad).toContain('account \\"nope\\" is not configured');
    const badRegion = JSON.stringify(await askAs(t, ALICE, 'query "stats count(*)" --region moon-1 --cluster web'));
    expect(badRegion).toContain('is not an AWS region code');
    expect(logsCalls().filter((c) => c.op === 'StartQuery')).toHaveLength(0);
  });

  it('says where Container Insights is off, with the flags of the insights command that enables it', async () => {
    org.logsOf(STAGING, 'eu-west-1').logGroups.clear();
    await start();
    const reply = JSON.stringify(await askAs(t, ALICE, 'query cpu --cluster web --account staging'));
    expect(reply).toContain('/ecs insights web enable --account staging --region eu-west-1');
    expect(reply).toContain(`staging (${STAGING}) · eu-west-1`);
  });

  it('answers a role that cannot be assumed with the account, the role and the cause, and an unreachable account with what failed', async () => {
    org = estate({ prodTrust: { externalId: 'not-set-here' } });
    insights(org, PROD, 'us-east-1', 'edge', 'edge-proxy');
    insights(org, STAGING, 'eu-west-1', 'web', 'staging-api');
    org.unreachable.add(STAGING);
    await start();
    const refused = JSON.stringify(await askAs(t, ALICE, 'query cpu --cluster edge --account prod --region us-east-1'));
    expect(refused).toContain(org.roleArn(PROD));
    expect(refused).toContain('AWS_EXTERNAL_ID');
    expect(refused).not.toMatch(/at \S+ \(/);
    const down = JSON.stringify(await askAs(t, ALICE, 'query cpu --cluster web --account staging'));
    expect(down).toContain('StartQuery failed');
    expect(down).toContain('ETIMEDOUT');
    expect(org.logsOf(PROD, 'us-east-1').calls).toHaveLength(0);
    expect(t.slack.messagesIn(ALARM_CHANNEL).filter((m) => m.text?.startsWith('Running '))).toHaveLength(0);
  });

  it("cancels in the query's account: the button carries it, and StopQuery runs with that account's read session", async () => {
    org.logsOf(STAGING, 'eu-west-1').when(CPU, { runningPolls: Infinity });
    await start({ gated: true });
    await query('query cpu --cluster web --account staging');
    const progress = await channelMessage('Running ');
    const button = JSON.parse(JSON.stringify(progress.blocks))
      .find((b: any) => b.type === 'actions')
      .elements.find((e: any) => e.action_id === ACTIONS.queryCancel);
    const q = org.logsOf(STAGING, 'eu-west-1').onlyQuery();
    expect(decodeValue(button.value)).toEqual({ q: q.id, c: 'web', u: ALICE, n: 'staging', r: 'eu-west-1' });

    const res = await t.transport.interaction(
      buttonClick({
        actionId: ACTIONS.queryCancel,
        value: button.value,
        userId: ALICE,
        channelId: ALARM_CHANNEL,
        messageTs: progress.ts,
        responseUrl: t.slack.responseUrl('cancel1'),
      }),
    );
    expect(res.status).toBe(200);
    const done = await channelMessage('Query ');
    expect(JSON.stringify(done.blocks)).toContain('*cancelled by <@U0ALICE>*');
    const stops = org.calls.filter((c) => c.op === 'StopQuery');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ account: STAGING, region: 'eu-west-1', input: { queryId: q.id } });
    expect(stops[0].identity).toMatchObject({ roleArn: org.roleArn(STAGING), sessionName: 'ecs-chatops-read' });
    expect(q.status).toBe('Cancelled');
  });

  it('cancels a query this process does not follow in the account its button names, and refuses an unknown account', async () => {
    await start();
    // A query another replica started and follows: only the button says where it runs.
    const logs = org.logsOf(STAGING, 'eu-west-1');
    logs.when('fields @timestamp', { runningPolls: Infinity });
    const started = await logs.client.send(
      new StartQueryCommand({
        logGroupName: '/aws/ecs/containerinsights/web/performance',
        queryString: 'fields @timestamp',
        startTime: 1,
        endTime: 2,
      }),
    );
    const id = started.queryId!;
    // That replica's message, which the cancel here updates.
    const posted = await fetch(`${t.slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.config.slack.botToken}` },
      body: JSON.stringify({ channel: ALARM_CHANNEL, text: 'Running raw query on web' }),
    });
    const ts = String(((await posted.json()) as { ts: string }).ts);
    const click = (value: Record<string, string>, ref: string) =>
      t.transport.interaction(
        buttonClick({
          actionId: ACTIONS.queryCancel,
          value: encodeValue(value),
          userId: ALICE,
          channelId: ALARM_CHANNEL,
          messageTs: ts,
          responseUrl: t.slack.responseUrl(ref),
        }),
      );

    expect((await click({ q: id, c: 'web', u: ALICE, n: 'gone', r: 'eu-west-1' }, 'c1')).status).toBe(200);
    const refused = await t.slack.waitFor(() => t.slack.responsesTo('c1')[0], 10_000, 'the refusal');
    expect(JSON.stringify(refused.body)).toContain('account \\"gone\\" is not configured');
    expect(org.calls.some((c) => c.op === 'StopQuery')).toBe(false);

    expect((await click({ q: id, c: 'web', u: ALICE, n: 'staging', r: 'eu-west-1' }, 'c2')).status).toBe(200);
    const msg = await t.slack.waitFor(
      () => t.slack.messagesIn(ALARM_CHANNEL).find((m) => m.ts === ts && m.text?.includes('cancelled')),
      10_000,
      'the cancelled message',
    );
    expect(JSON.stringify(msg.blocks)).toContain('*cancelled by <@U0ALICE>*');
    const stops = org.calls.filter((c) => c.op === 'StopQuery');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ account: STAGING, region: 'eu-west-1', input: { queryId: id } });
    expect(logs.queries.get(id)?.status).toBe('Cancelled');
  });
});
