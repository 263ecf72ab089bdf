import { ACTIONS } from '../../src/slack/actions';
import { buttonClick } from '../helpers/slack-sign';
import { eventually } from '../helpers/eventually';
import { ALARM_CHANNEL, type TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { BOT_ACCOUNT } from '../helpers/aws-org';
import { estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * The watch after a diagnosis, across accounts (signed button clicks over HTTP, the fake AWS
 * organisation, the fake Slack): a service short in prod is watched in prod, with prod's read session,
 * although staging has a service of the same names; the thread hears when it is back.
 */

const CARD_TS = '1700000077.000077';
const watchOf = (account: string, region: string) => `${ALARM_CHANNEL}:${CARD_TS}:web/api@${account}/${region}`;

describe('the diagnosis watch reads in the account and region of the diagnosed service', () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    // prod's web/api wants more tasks than its two instances hold: short, so the diagnosis watches it.
    org.world(PROD, 'eu-west-1').updateServiceDesired('web', 'api', 20);
    org.world(PROD, 'eu-west-1').settle();
    t = await orgBot(
      org,
      {},
      { noWorkers: true, inject: { diagnose: { watchIntervalMs: 30_000, instanceId: 'watcher-a' } } },
    );
  });
  afterEach(async () => {
    await t.stop();
  });

  const watcher = () =>
    t.bot.features.find((f) => f.name === 'diagnose')!.workers!.find((w) => w.name === 'diagnosis-watcher')!;
  const thread = () => t.slack.repliesTo(ALARM_CHANNEL, CARD_TS).map((m) => m.text ?? '');

  async function clickDiagnose(account: string, region: string) {
    const res = await t.transport.interaction(
      buttonClick({
        actionId: ACTIONS.alarmDiagnose,
        value: JSON.stringify({ k: 'inc1', c: 'web', s: 'api', a: account, r: region }),
        userId: 'U0ALICE',
        channelId: ALARM_CHANNEL,
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl(`diagnose-${account}`),
      }),
    );
    expect(res.status).toBe(200);
  }

  it("watches a short prod service in prod and says in the thread when it is back; staging's twin is never read", async () => {
    await clickDiagnose(PROD, 'eu-west-1');
    await t.slack.waitFor(() => thread().length > 0 || undefined, 8000, 'the diagnosis in the thread');
    expect(JSON.stringify(t.slack.repliesTo(ALARM_CHANNEL, CARD_TS)[0].blocks)).toContain(
      'The bot watches this service',
    );
    const watch = await eventually(
      () => t.store.diagnosisWatches.get(watchOf('prod', 'eu-west-1')),
      'the watch to be stored',
    );
    expect(watch).toMatchObject({ account: 'prod', region: 'eu-west-1', status: 'watching' });

    // Still short: a poll reads prod, says nothing.
    const before = org.calls.length;
    org.advance(30_000);
    expect(await watcher().runOnce()).toBe(1);
    const polled = org.calls.slice(before);
    expect(polled.map((c) => [c.op, c.account, c.region, c.identity.sessionName])).toEqual([
      ['DescribeServices', PROD, 'eu-west-1', 'ecs-chatops-read'],
    ]);
    expect(thread()).toHaveLength(1);

    // Someone fixes it in prod (the desired count back to what fits): the thread hears.
    org.world(PROD, 'eu-west-1').updateServiceDesired('web', 'api', 2);
    org.world(PROD, 'eu-west-1').settle();
    org.advance(30_000);
    expect(await watcher().runOnce()).toBe(1);
    expect(thread()[1]).toMatch(/^:white_check_mark: `web\/api` is back to its desired count: 2 of 2 tasks running/);
    expect((await t.store.diagnosisWatches.get(watchOf('prod', 'eu-west-1')))?.status).toBe('recovered');

    // Every read was prod's; staging's service of the same names and the bot's own account were never asked.
    expect(org.callsIn(STAGING)).toEqual([]);
    expect(org.callsIn(BOT_ACCOUNT).filter((c) => c.op === 'DescribeServices')).toEqual([]);
    expect(org.calls.every((c) => c.identity.sourceIdentity === undefined)).toBe(true);
  });

  it('keeps reading the default account for a watch stored before watches had an account', async () => {
    // A row as an older bot wrote it: no account, no region (the bot's own account, cluster `tools`).
    await t.store.db.run(
      `INSERT INTO diagnosis_watches (id, cluster, service, channel, thread_ts, status, desired, started_at, deadline_at, next_poll_at, polls)
       VALUES ($1, 'tools', 'runner', $2, $3, 'watching', 1, $4, $5, $4, 0)`,
      [`${ALARM_CHANNEL}:${CARD_TS}:tools/runner`, ALARM_CHANNEL, CARD_TS, org.now, org.now + 7_200_000],
    );
    expect(await watcher().runOnce()).toBe(1);
    expect(thread()[0]).toMatch(
      /^:white_check_mark: `tools\/runner` is back to its desired count: 1 of 1 task running/,
    );
    const reads = org.calls.filter((c) => c.op === 'DescribeServices');
    expect(reads.map((c) => [c.account, c.region, c.identity.sessionName])).toEqual([
      [BOT_ACCOUNT, 'us-east-1', 'i-0bot'],
    ]);
  });

  it('stops a watch whose account is no longer configured, saying so in the thread once', async () => {
    await t.store.diagnosisWatches.watch({
      cluster: 'web',
      service: 'api',
      account: 'retired',
      region: 'eu-west-1',
      channel: ALARM_CHANNEL,
      threadTs: CARD_TS,
      desired: 2,
      startedAt: org.now,
      deadlineAt: org.now + 7_200_000,
      nextPollAt: org.now,
    });
    expect(await watcher().runOnce()).toBe(1);
    expect(thread()).toEqual([
      ':information_source: The bot stops watching `web/api`: account "retired" is not configured (accounts: default, prod, staging).',
    ]);
    expect((await t.store.diagnosisWatches.get(watchOf('retired', 'eu-west-1')))?.status).toBe('gone');
    org.advance(60_000);
    expect(await watcher().runOnce()).toBe(0);
    expect(thread()).toHaveLength(1);
    expect(org.calls.filter((c) => c.op === 'DescribeServices')).toEqual([]);
  });
});
