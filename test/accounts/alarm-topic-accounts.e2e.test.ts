import { eventually } from '../helpers/eventually';
import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { postSns } from '../helpers/sns-signer';
import { FakeClock, startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { ACCOUNTS_ENV, approveAs, askAs, estate, orgBot, OWN, PROD, requestIn, STAGING } from './org-bot';

/**
 * `/ecs alarm create` in a member account (signed HTTP, the fake AWS organisation, the fake Slack):
 * the alarm notifies the topic of its own account and region — by default the one named like the
 * bot's SNS_TOPIC_ARN there, or the one ALARM_TOPICS names — after the topic check, read with that
 * account's session, finds it subscribed to the bot. /sns accepts those topics' messages.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const PUBLIC_URL = 'https://ecs-bot.example.com';
const OWN_TOPIC = `arn:aws:sns:us-east-1:${OWN}:ecs-alarms`;
const PROD_TOPIC = `arn:aws:sns:eu-west-1:${PROD}:ecs-alarms`;
const QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${OWN}/ecs-chatops-alarms`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${OWN}:ecs-chatops-alarms`;
const ALARM = 'ecs-pending-tasks-web-api';

/** A topic in the org, subscribed (confirmed) to the bot's endpoint or queue. */
function topic(org: AwsOrg, account: string, region: string, arn: string, via: 'https' | 'sqs' = 'https') {
  const t = org.world(account, region).addTopic(arn);
  t.subscriptions.push({
    arn: `${arn}:0a1b2c3d`,
    protocol: via,
    endpoint: via === 'https' ? `${PUBLIC_URL}/sns` : QUEUE_ARN,
    pending: false,
  });
}

describe('/ecs alarm create in a member account notifies that account’s topic', () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(() => {
    org = estate();
    topic(org, PROD, 'eu-west-1', PROD_TOPIC);
  });
  afterEach(async () => {
    await t.stop();
  });

  const env = { SNS_TOPIC_ARNS: OWN_TOPIC, PUBLIC_URL, APPROVERS: BOB };
  const ask = async (text: string) => JSON.stringify(await askAs(t, ALICE, text));

  it("creates the alarm in prod with prod's topic, checked with prod's read session, once approved", async () => {
    t = await orgBot(org, env);
    const reply = await askAs(t, ALICE, 'alarm create pending web/api --account prod');
    const r = await requestIn(t, reply);
    expect(r.plan.where).toMatchObject({ account: 'prod', region: 'eu-west-1', accountId: PROD });
    expect(r.plan.effects.join(' ')).toContain(`SNS topic ${PROD_TOPIC}`);
    const checks = org.calls.filter((c) => c.op === 'GetTopicAttributes' || c.op === 'ListSubscriptionsByTopic');
    expect(checks.length).toBe(2);
    for (const c of checks) {
      expect(c).toMatchObject({ account: PROD, region: 'eu-west-1', input: { TopicArn: PROD_TOPIC } });
      expect(c.identity).toMatchObject({ roleArn: org.roleArn(PROD), sessionName: 'ecs-chatops-read' });
    }
    expect(org.calls.some((c) => c.op === 'PutMetricAlarm')).toBe(false);

    await approveAs(t, BOB, r);
    await eventually(async () => {
      const x = await t.store.changeRequests.get(r.id);
      return x?.status === 'succeeded' ? x : undefined;
    }, 'the alarm to be created');
    const puts = org.calls.filter((c) => c.op === 'PutMetricAlarm');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ account: PROD, region: 'eu-west-1' });
    expect(puts[0].input).toMatchObject({ AlarmName: ALARM, AlarmActions: [PROD_TOPIC], OKActions: [PROD_TOPIC] });
    expect(puts[0].identity).toMatchObject({ sourceIdentity: BOB, sessionName: `ecs-chatops-${r.id}` });
    expect(org.world(PROD, 'eu-west-1').alarms.get(ALARM)?.alarmActions).toEqual([PROD_TOPIC]);
    expect(org.world(STAGING, 'eu-west-1').alarms.has(ALARM)).toBe(false);
  });

  it('refuses, naming the account and what to deploy, when the member account has no such topic', async () => {
    t = await orgBot(org, env);
    const reply = await ask('alarm create pending web/api --account staging');
    expect(reply).toContain('The alarm would not reach this bot');
    expect(reply).toContain(
      `arn:aws:sns:eu-west-1:${STAGING}:ecs-alarms does not exist in staging (${STAGING}) · eu-west-1`,
    );
    expect(reply).toContain('deploy/member-alarm-topic.yml with AlarmTopicName=ecs-alarms');
    expect(reply).toContain('ALARM_TOPICS');
    expect(await t.store.changeRequests.list()).toEqual([]);
    expect(org.calls.some((c) => c.op === 'PutMetricAlarm')).toBe(false);
  });

  it('refuses a topic that is not subscribed to the bot, saying how to subscribe it', async () => {
    org.world(STAGING, 'eu-west-1').addTopic(`arn:aws:sns:eu-west-1:${STAGING}:ecs-alarms`);
    t = await orgBot(org, env);
    const reply = await ask('alarm create pending web/api --account staging --dry-run');
    expect(reply).toContain(
      `${PUBLIC_URL}/sns is not subscribed to arn:aws:sns:eu-west-1:${STAGING}:ecs-alarms in staging (${STAGING}) · eu-west-1: run aws sns subscribe`,
    );
  });

  it('uses the topic ALARM_TOPICS names, delivered through the bot’s queue', async () => {
    const other = `arn:aws:sns:eu-west-1:${STAGING}:team-alarms`;
    topic(org, STAGING, 'eu-west-1', other, 'sqs');
    t = await orgBot(org, {
      SNS_TOPIC_ARNS: OWN_TOPIC,
      SQS_QUEUE_URLS: QUEUE_URL,
      ALARM_TOPICS: `staging:eu-west-1=${other}`,
      APPROVERS: BOB,
    });
    const reply = await ask('alarm create pending web/api --account staging --dry-run');
    expect(reply).not.toContain('would not reach');
    expect(reply).toContain(`SNS topic ${other}`);
    expect(org.calls.filter((c) => c.op === 'GetTopicAttributes').map((c) => c.account)).toEqual([STAGING]);
  });
});

describe('/sns with several accounts and regions', () => {
  let t: AlarmBot;
  let org: AwsOrg;
  beforeEach(async () => {
    org = estate();
    t = await startAlarmBot({
      clock: new FakeClock(org.now),
      aws: org.makeClients('us-east-1'),
      awsSeams: org.seams(),
      env: { ...ACCOUNTS_ENV(org), SNS_TOPIC_ARNS: OWN_TOPIC },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  it("accepts the topic of a configured account's region, and still refuses every other topic", async () => {
    const alarm = pendingTaskAlarm({ name: 'x', cluster: 'edge', service: 'proxy', at: t.clock.now() - 30_000 });
    const post = (topicArn: string) =>
      postSns(
        t.url,
        t.signer.envelope({
          message: { ...alarm, AWSAccountId: topicArn.split(':')[4] },
          topicArn,
          timestamp: t.clock.now(),
        }),
      );
    expect((await post(`arn:aws:sns:us-east-1:${PROD}:ecs-alarms`)).status).toBe(200);
    expect((await post(`arn:aws:sns:us-east-1:${PROD}:other`)).status).toBe(403);
    expect((await post('arn:aws:sns:us-east-1:999999999999:ecs-alarms')).status).toBe(403);
    // staging is searched in eu-west-1 only.
    expect((await post(`arn:aws:sns:us-east-1:${STAGING}:ecs-alarms`)).status).toBe(403);
  });
});
