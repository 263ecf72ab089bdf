import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClustersCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { runDoctor, summarize } from '../../src/doctor/run-doctor';
import type { CheckResult, DoctorReport } from '../../src/doctor/types';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import {
  ACCOUNT,
  ALARM_CHANNEL,
  PUBLIC_URL,
  SUB_ARN,
  TOPIC_ARN,
  awsError,
  doctorConfig,
  healthyAws,
  slackClient,
  type MockedAws,
} from './fixtures';

const ORDER = [
  'slack.token',
  'slack.scopes',
  'slack.alarm-channel',
  'aws.identity',
  'aws.ecs',
  'ecs.container-insights',
  'aws.cloudwatch',
  'aws.logs',
  'aws.autoscaling',
  'sns.topic',
  'sns.subscription',
];

describe('runDoctor', () => {
  let fake: FakeSlack;
  let m: MockedAws;

  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.memberOf = new Set([ALARM_CHANNEL]);
    fake.on('auth.test', () => ({ ok: true, user_id: 'UBOT', user: 'ecs-ops', team_id: 'T1', team: 'Acme' }));
    fake.on('conversations.info', (a) => ({
      ok: true,
      channel: { id: a.channel, name: 'ops-alarms', is_member: fake.memberOf.has(a.channel) },
    }));
    m = healthyAws();
  });

  async function run(
    opts: {
      env?: Record<string, string | undefined>;
      scopes?: readonly string[] | null;
      apiUrl?: string;
      timeoutMs?: number;
    } = {},
  ) {
    const report = await runDoctor({
      config: doctorConfig(fake, opts.env),
      slack: slackClient(fake, { scopes: opts.scopes, apiUrl: opts.apiUrl }),
      aws: m.aws,
      clock: { now: () => 1_700_000_000_000 },
      timeoutMs: opts.timeoutMs,
    });
    return { report, get: (id: string) => report.results.find((r) => r.id === id) as CheckResult };
  }

  it('passes every check on a healthy setup, in a fixed order, with what it found', async () => {
    const { report, get } = await run();
    expect(report.results.map((r) => r.id)).toEqual(ORDER);
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(report.results.every((r) => r.ok && r.fix === undefined)).toBe(true);
    expect(report).toMatchObject({ region: 'us-east-1', at: 1_700_000_000_000 });
    expect(get('slack.token').detail).toBe('bot @ecs-ops (UBOT) in workspace Acme');
    expect(get('slack.scopes').detail).toBe('all 11 required scopes granted');
    expect(get('slack.alarm-channel').detail).toBe(`#ops-alarms (${ALARM_CHANNEL}); the bot is a member`);
    expect(get('aws.identity').detail).toContain(`account ${ACCOUNT}`);
    expect(get('aws.identity').detail).toContain('region us-east-1');
    expect(get('aws.ecs').detail).toBe('2 clusters: lab, prod');
    expect(get('ecs.container-insights').detail).toBe('on for all 2 clusters');
    expect(get('sns.subscription').detail).toBe(`${PUBLIC_URL}/sns is subscribed and confirmed`);
    // The cheap read calls ask for one record only.
    expect(m.cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({ MaxRecords: 1 });
    expect(m.logs.commandCalls(DescribeLogGroupsCommand)[0].args[0].input).toEqual({ limit: 1 });
    expect(m.autoscaling.commandCalls(DescribeAutoScalingGroupsCommand)[0].args[0].input).toEqual({ MaxRecords: 1 });
    expect(m.ecs.commandCalls(DescribeClustersCommand)[0].args[0].input.include).toEqual(['SETTINGS']);
    expect(fake.callsTo('conversations.info').at(-1)?.args.channel).toBe(ALARM_CHANNEL);
  });

  describe('Slack', () => {
    it('fails an invalid token with the setting to fix, and skips the checks that need it', async () => {
      fake.on('auth.test', () => ({ ok: false, error: 'invalid_auth' }));
      const { get } = await run();
      expect(get('slack.token')).toMatchObject({ status: 'fail', ok: false });
      expect(get('slack.token').detail).toContain('invalid_auth');
      expect(get('slack.token').fix).toContain('SLACK_BOT_TOKEN');
      expect(get('slack.scopes').status).toBe('skip');
      expect(get('slack.alarm-channel').status).toBe('skip');
      expect(get('aws.identity').status).toBe('pass');
    });

    it('fails a revoked token and says to reinstall', async () => {
      fake.on('auth.test', () => ({ ok: false, error: 'token_revoked' }));
      const { get } = await run();
      expect(get('slack.token').detail).toContain('the token was revoked');
      expect(get('slack.token').fix).toMatch(/reinstall/);
    });

    it('names the scopes that are missing', async () => {
      const { get } = await run({
        scopes: [
          'commands',
          'chat:write',
          'reactions:read',
          'users:read',
          'usergroups:read',
          'app_mentions:read',
          'channels:read',
          'channels:history',
          'groups:history',
        ],
      });
      expect(get('slack.scopes')).toMatchObject({ status: 'fail', detail: 'missing files:write, groups:read' });
      expect(get('slack.scopes').fix).toMatch(/OAuth & Permissions.*reinstall/);
    });

    it('says what a missing history scope costs: cards can double after a crash', async () => {
      const { get } = await run({
        scopes: [
          'commands',
          'chat:write',
          'reactions:read',
          'files:write',
          'users:read',
          'usergroups:read',
          'app_mentions:read',
          'channels:read',
          'groups:read',
        ],
      });
      expect(get('slack.scopes').status).toBe('fail');
      expect(get('slack.scopes').detail).toMatch(/^missing channels:history, groups:history \(/);
      expect(get('slack.scopes').detail).toContain('an alarm card sent just before a crash can be posted twice');
    });

    it('says the scopes are unknown when Slack sends no x-oauth-scopes header', async () => {
      const { get } = await run({ scopes: null });
      expect(get('slack.scopes').status).toBe('warn');
      expect(get('slack.scopes').detail).toMatch(/^unknown/);
      expect(get('slack.scopes').fix).toContain('files:write');
    });

    it('tells how to invite the bot when it is not in the alarm channel', async () => {
      fake.memberOf = new Set();
      const { get } = await run();
      expect(get('slack.alarm-channel')).toMatchObject({
        status: 'fail',
        detail: `the bot is not a member of #ops-alarms (${ALARM_CHANNEL})`,
      });
      expect(get('slack.alarm-channel').fix).toBe('In the channel, type /invite @ecs-ops.');
    });

    it('fails an alarm channel that does not exist', async () => {
      fake.on('conversations.info', () => ({ ok: false, error: 'channel_not_found' }));
      const { get } = await run();
      expect(get('slack.alarm-channel').status).toBe('fail');
      expect(get('slack.alarm-channel').detail).toContain('not found');
      expect(get('slack.alarm-channel').fix).toContain('channel ID (C…), not a #name');
    });

    it('fails an archived alarm channel', async () => {
      fake.on('conversations.info', (a) => ({
        ok: true,
        channel: { id: a.channel, name: 'old', is_member: true, is_archived: true },
      }));
      const { get } = await run();
      expect(get('slack.alarm-channel')).toMatchObject({
        status: 'fail',
        detail: `#old (${ALARM_CHANNEL}) is archived`,
      });
    });

    it('names the scope conversations.info needs when it is missing', async () => {
      fake.on('conversations.info', () => ({ ok: false, error: 'missing_scope', needed: 'groups:read' }));
      const { get } = await run();
      expect(get('slack.alarm-channel').detail).toBe('conversations.info: missing_scope (needs groups:read)');
      expect(get('slack.alarm-channel').fix).toMatch(/Bot Token Scopes/);
    });

    it('warns when SLACK_ALARM_CHANNEL is not set', async () => {
      const before = fake.callsTo('conversations.info').length;
      const { get } = await run({ env: { SLACK_ALARM_CHANNEL: '' } });
      expect(get('slack.alarm-channel')).toMatchObject({ status: 'warn', ok: true });
      expect(get('slack.alarm-channel').fix).toContain('SLACK_ALARM_CHANNEL');
      expect(fake.callsTo('conversations.info')).toHaveLength(before);
    });

    it('says Slack cannot be reached when nothing answers at SLACK_API_URL', async () => {
      const { get } = await run({ apiUrl: 'http://127.0.0.1:9/api/' });
      expect(get('slack.token').status).toBe('fail');
      expect(get('slack.token').detail).toMatch(/^auth\.test: cannot reach Slack/);
      expect(get('slack.token').fix).toContain('SLACK_API_URL');
    });

    it('reports a rate-limited Slack as transient', async () => {
      fake.failNext(1, { status: 429, retryAfter: 30 }, 'auth.test');
      const { get } = await run();
      expect(get('slack.token').detail).toBe('auth.test: rate limited by Slack (retry after 30 s)');
      expect(get('slack.token').fix).toMatch(/again/);
    });
  });

  describe('AWS', () => {
    it('explains missing credentials', async () => {
      m.sts
        .on(GetCallerIdentityCommand)
        .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
      const { get } = await run();
      expect(get('aws.identity')).toMatchObject({ status: 'fail' });
      expect(get('aws.identity').detail).toContain('no AWS credentials found');
      expect(get('aws.identity').fix).toContain('task role');
    });

    it('explains expired credentials', async () => {
      m.sts
        .on(GetCallerIdentityCommand)
        .rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
      const { get } = await run();
      expect(get('aws.identity').fix).toMatch(/expired/);
    });

    it('explains an unreachable AWS endpoint with the region', async () => {
      m.sts
        .on(GetCallerIdentityCommand)
        .rejects(Object.assign(new Error('getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' }));
      const { get } = await run();
      expect(get('aws.identity').fix).toContain('Cannot reach AWS in us-east-1');
      expect(get('aws.identity').fix).toContain('AWS_ENDPOINT_URL');
    });

    it.each([
      [
        'aws.ecs',
        'ecs:ListClusters',
        (mm: MockedAws) => mm.ecs.on(ListClustersCommand).rejects(awsError('AccessDeniedException')),
      ],
      [
        'aws.cloudwatch',
        'cloudwatch:DescribeAlarms',
        (mm: MockedAws) => mm.cloudwatch.on(DescribeAlarmsCommand).rejects(awsError('AccessDenied')),
      ],
      [
        'aws.logs',
        'logs:DescribeLogGroups',
        (mm: MockedAws) => mm.logs.on(DescribeLogGroupsCommand).rejects(awsError('AccessDeniedException')),
      ],
      [
        'aws.autoscaling',
        'autoscaling:DescribeAutoScalingGroups',
        (mm: MockedAws) => mm.autoscaling.on(DescribeAutoScalingGroupsCommand).rejects(awsError('AccessDenied')),
      ],
    ])('fails %s when access is denied and names the IAM action %s', async (id, action, deny) => {
      deny(m);
      const { report, get } = await run();
      expect(get(id)).toMatchObject({ status: 'fail', ok: false });
      expect(get(id).detail).toContain(`${action} failed`);
      expect(get(id).fix).toContain(`Allow ${action}`);
      expect(get(id).fix).toContain('iam-policy.json');
      expect(report.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual([id]);
    });

    it('skips the Container Insights check when clusters cannot be listed', async () => {
      m.ecs.on(ListClustersCommand).rejects(awsError('AccessDeniedException'));
      const { get } = await run();
      expect(get('ecs.container-insights').status).toBe('skip');
    });

    it('warns when the region has no clusters', async () => {
      m.ecs.on(ListClustersCommand).resolves({ clusterArns: [] });
      const { get } = await run();
      expect(get('aws.ecs')).toMatchObject({ status: 'warn', detail: 'no ECS clusters in us-east-1' });
      expect(get('aws.ecs').fix).toContain('AWS_REGION');
    });

    it('lists the clusters with Container Insights off, across pages of clusters, with the command to turn it on', async () => {
      const arns = Array.from({ length: 150 }, (_, i) => `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/c${i}`);
      m.ecs
        .on(ListClustersCommand)
        .callsFake((input: { nextToken?: string }) =>
          input.nextToken ? { clusterArns: arns.slice(100) } : { clusterArns: arns.slice(0, 100), nextToken: 'page2' },
        );
      m.ecs.on(DescribeClustersCommand).callsFake((input: { clusters: string[] }) => ({
        clusters: input.clusters.map((arn) => {
          const name = arn.split('/').pop() as string;
          const n = Number(name.slice(1));
          // c3 and c120 off; c7 has no setting at all (off); the rest enabled or enhanced.
          const settings =
            n === 7
              ? []
              : [
                  {
                    name: 'containerInsights',
                    value: n === 3 || n === 120 ? 'disabled' : n % 2 ? 'enabled' : 'enhanced',
                  },
                ];
          return { clusterArn: arn, clusterName: name, settings };
        }),
      }));
      const { get } = await run();
      expect(get('aws.ecs').detail).toMatch(/^150 clusters: c0, c1, c2, c3, c4 and 145 more$/);
      const ci = get('ecs.container-insights');
      expect(ci).toMatchObject({ status: 'warn', ok: true });
      expect(ci.detail).toMatch(/^off for 3 of 150 clusters: c3, c7, c120\./);
      expect(ci.command).toBe(
        'aws ecs update-cluster-settings --cluster c3 --settings name=containerInsights,value=enhanced',
      );
      expect(ci.fix).toContain('/ecs insights c3 enhanced');
      expect(m.ecs.commandCalls(DescribeClustersCommand).map((c) => c.args[0].input.clusters?.length)).toEqual([
        100, 50,
      ]);
    });
  });

  describe('SNS', () => {
    it('warns when no topic is configured and skips the subscription', async () => {
      const { get } = await run({ env: { SNS_TOPIC_ARNS: '' } });
      expect(get('sns.topic').status).toBe('warn');
      expect(get('sns.topic').fix).toContain('SNS_TOPIC_ARNS');
      expect(get('sns.subscription').status).toBe('skip');
      expect(m.sns.calls()).toHaveLength(0);
    });

    it('fails a topic that does not exist', async () => {
      m.sns.on(GetTopicAttributesCommand).rejects(awsError('NotFoundException', 'Topic does not exist'));
      const { get } = await run();
      expect(get('sns.topic')).toMatchObject({
        status: 'fail',
        detail: `${TOPIC_ARN} does not exist (in the account of the bot's credentials)`,
      });
      expect(get('sns.subscription').status).toBe('skip');
    });

    it('fails when the topic may not be read, naming the action', async () => {
      m.sns.on(GetTopicAttributesCommand).rejects(awsError('AuthorizationErrorException'));
      const { get } = await run();
      expect(get('sns.topic').fix).toContain('Allow sns:GetTopicAttributes');
    });

    it('warns when the topic policy does not let EventBridge publish', async () => {
      m.sns.on(GetTopicAttributesCommand).resolves({
        Attributes: { SubscriptionsConfirmed: '1', SubscriptionsPending: '0', Policy: '{"Statement":[]}' },
      });
      const { get } = await run();
      expect(get('sns.topic').status).toBe('warn');
      expect(get('sns.topic').detail).toContain('ECS service, task and deployment events will not arrive');
      expect(get('sns.subscription').status).toBe('pass');
    });

    it('fails a subscription still pending confirmation, with the command that resends it', async () => {
      m.sns.on(ListSubscriptionsByTopicCommand).resolves({
        Subscriptions: [
          {
            SubscriptionArn: 'PendingConfirmation',
            Protocol: 'https',
            Endpoint: `${PUBLIC_URL}/sns`,
            TopicArn: TOPIC_ARN,
          },
        ],
      });
      const { get } = await run();
      const s = get('sns.subscription');
      expect(s).toMatchObject({
        status: 'fail',
        detail: `${PUBLIC_URL}/sns is subscribed but the subscription is still pending confirmation`,
      });
      expect(s.fix).toContain('reachable from the internet');
      expect(s.command).toBe(
        `aws sns subscribe --topic-arn ${TOPIC_ARN} --protocol https --notification-endpoint ${PUBLIC_URL}/sns`,
      );
    });

    it('fails when the endpoint is not subscribed, naming the endpoints that are, across pages', async () => {
      m.sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { NextToken?: string }) =>
        input.NextToken
          ? {
              Subscriptions: [
                { SubscriptionArn: `${TOPIC_ARN}:2`, Protocol: 'https', Endpoint: 'https://old-bot.example.com/sns' },
              ],
            }
          : {
              Subscriptions: [{ SubscriptionArn: `${TOPIC_ARN}:1`, Protocol: 'email', Endpoint: 'ops@example.com' }],
              NextToken: 'n2',
            },
      );
      const { get } = await run();
      const s = get('sns.subscription');
      expect(s.status).toBe('fail');
      expect(s.detail).toBe(
        `${PUBLIC_URL}/sns is not subscribed to the topic (HTTP endpoints subscribed: https://old-bot.example.com/sns)`,
      );
      expect(s.command).toContain('aws sns subscribe');
    });

    it('recognises the endpoint whatever the case of its host or a trailing slash', async () => {
      m.sns.on(ListSubscriptionsByTopicCommand).resolves({
        Subscriptions: [{ SubscriptionArn: SUB_ARN, Protocol: 'https', Endpoint: 'https://ECS-Bot.Example.com/sns/' }],
      });
      const { get } = await run();
      expect(get('sns.subscription').status).toBe('pass');
    });

    it('fails a subscription with raw message delivery on, with the command that turns it off', async () => {
      m.sns.on(GetSubscriptionAttributesCommand).resolves({ Attributes: { RawMessageDelivery: 'true' } });
      const { get } = await run();
      const s = get('sns.subscription');
      expect(s.status).toBe('fail');
      expect(s.detail).toContain('raw message delivery');
      expect(s.command).toBe(
        `aws sns set-subscription-attributes --subscription-arn ${SUB_ARN} --attribute-name RawMessageDelivery --attribute-value false`,
      );
    });

    it('warns when PUBLIC_URL is not set', async () => {
      const { get } = await run({ env: { PUBLIC_URL: '' } });
      expect(get('sns.topic').status).toBe('pass');
      expect(get('sns.subscription')).toMatchObject({ status: 'warn' });
      expect(get('sns.subscription').fix).toContain('PUBLIC_URL');
    });

    it('checks a topic in another region with a client for that region', async () => {
      const other = 'arn:aws:sns:eu-west-1:123456789012:alarms-eu';
      const euMock = mockClient(SNSClient);
      try {
        euMock.on(GetTopicAttributesCommand).resolves({
          Attributes: { Policy: '{"Statement":{"Effect":"Allow","Principal":"*","Action":"sns:Publish"}}' },
        });
        euMock.on(ListSubscriptionsByTopicCommand).resolves({
          Subscriptions: [{ SubscriptionArn: `${other}:1`, Protocol: 'https', Endpoint: `${PUBLIC_URL}/sns` }],
        });
        euMock.on(GetSubscriptionAttributesCommand).resolves({ Attributes: {} });
        const regions: string[] = [];
        const report = await runDoctor({
          config: doctorConfig(fake, { SNS_TOPIC_ARNS: other }),
          slack: slackClient(fake),
          aws: m.aws,
          snsForRegion: (r) => {
            regions.push(r);
            return new SNSClient({ region: r });
          },
        });
        expect(regions).toEqual(['eu-west-1']);
        expect(report.results.find((r) => r.id === 'sns.subscription')?.status).toBe('pass');
        const topic = report.results.find((r) => r.id === 'sns.topic') as CheckResult;
        expect(topic.status).toBe('warn');
        expect(topic.detail).toContain('CloudWatch alarms notify topics of their own region only');
        expect(euMock.commandCalls(GetTopicAttributesCommand)[0].args[0].input).toEqual({ TopicArn: other });
      } finally {
        euMock.restore();
      }
    });
  });

  it('turns a check that never answers into a failure instead of hanging', async () => {
    m.cloudwatch.on(DescribeAlarmsCommand).callsFake(() => new Promise(() => undefined));
    // Long enough that no answering check (the fake Slack over HTTP) misses it on a loaded machine.
    const { get, report } = await run({ timeoutMs: 3000 });
    expect(get('aws.cloudwatch')).toMatchObject({ status: 'fail', detail: 'no answer within 3 s' });
    expect(summarize(report.results)).toEqual({ pass: 10, warn: 0, fail: 1, skip: 0 });
  });

  it('never throws: each failing piece stays a check with a fix', async () => {
    fake.on('auth.test', () => ({ ok: false, error: 'account_inactive' }));
    for (const s of [m.sts, m.ecs, m.cloudwatch, m.logs, m.autoscaling, m.sns] as AwsClientStub<any>[]) {
      s.reset();
      s.onAnyCommand().rejects(awsError('AccessDenied'));
    }
    const { report }: { report: DoctorReport } = await run();
    expect(report.results.map((r) => r.id)).toEqual(ORDER);
    for (const r of report.results) {
      expect(['fail', 'skip']).toContain(r.status);
      if (r.status === 'fail') expect(r.fix).toBeTruthy();
    }
  });
});
