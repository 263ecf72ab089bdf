import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { STSClient } from '@aws-sdk/client-sts';
import { sendCommand } from '../helpers/slack-sign';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';
import { PUBLIC_URL, TOPIC_ARN, healthyAws } from '../doctor/fixtures';
import { sample } from '../helpers/prom';
import { TEST_CREDENTIALS, jsonError, localRequestHandler, stsIdentityXml } from './local-aws';

describe('GET /metrics end to end', () => {
  let t: TestBot;

  beforeAll(async () => {
    const m = healthyAws();
    const base = { region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 };
    // Real clients whose requests are answered locally, so the counting middleware runs for real.
    m.aws.sts = new STSClient({ ...base, requestHandler: localRequestHandler(() => stsIdentityXml('123456789012')) });
    m.aws.ecs = new ECSClient({
      ...base,
      requestHandler: localRequestHandler(({ operation }) =>
        operation === 'ListClusters'
          ? { status: 200, body: JSON.stringify({ clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/lab'] }) }
          : {
              status: 200,
              body: JSON.stringify({
                clusters: [{ clusterName: 'lab', settings: [{ name: 'containerInsights', value: 'enabled' }] }],
              }),
            },
      ),
    });
    m.aws.logs = new CloudWatchLogsClient({
      ...base,
      requestHandler: localRequestHandler(() => jsonError('AccessDeniedException', 'no')),
    });
    t = await startTestBot({ aws: m.aws, env: { APPROVERS: 'U0BOSS', SNS_TOPIC_ARNS: TOPIC_ARN, PUBLIC_URL } });
    t.slack.memberOf.add(ALARM_CHANNEL);
  });
  afterAll(async () => {
    await t.stop();
  });

  async function runDoctorCommand(): Promise<void> {
    const id = `m-${Math.random().toString(36).slice(2)}`;
    await sendCommand(t.url, { text: 'doctor', user_id: 'U0BOSS', response_url: t.slack.responseUrl(id) });
    await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 5000, 'the doctor report');
  }

  async function scrape(): Promise<{ status: number; type: string; text: string }> {
    const res = await fetch(`${t.url}/metrics`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  it('serves every documented metric in Prometheus text format', async () => {
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, kind] of [
      ['ecs_chatops_sns_messages_total', 'counter'],
      ['ecs_chatops_slack_api_calls_total', 'counter'],
      ['ecs_chatops_aws_calls_total', 'counter'],
      ['ecs_chatops_command_duration_seconds', 'histogram'],
      ['ecs_chatops_change_requests_total', 'counter'],
      ['ecs_chatops_commands_started_total', 'counter'],
      ['ecs_chatops_commands_refused_total', 'counter'],
      ['ecs_chatops_outbox_depth', 'gauge'],
      ['ecs_chatops_outbox_oldest_age_seconds', 'gauge'],
      ['ecs_chatops_process_cpu_user_seconds_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${kind}`);
    }
  });

  it('counts the Slack and AWS calls a command makes, by method or operation and outcome', async () => {
    await runDoctorCommand();
    const { text } = await scrape();
    const slack = (method: string, outcome = 'ok') =>
      sample(text, 'ecs_chatops_slack_api_calls_total', { method, outcome });
    const aws = (operation: string, outcome = 'ok') =>
      sample(text, 'ecs_chatops_aws_calls_total', { operation, outcome });
    // Bolt's own auth.test at start-up and the doctor's both go through the counting fetch.
    expect(slack('auth.test')).toBeGreaterThanOrEqual(2);
    expect(slack('conversations.info')).toBe(1);
    expect(slack('response_url')).toBe(1);
    expect(aws('sts:GetCallerIdentity')).toBe(1);
    expect(aws('ecs:ListClusters')).toBe(1);
    expect(aws('ecs:DescribeClusters')).toBe(1);
    expect(aws('logs:DescribeLogGroups', 'AccessDeniedException')).toBe(1);
    expect(aws('logs:DescribeLogGroups')).toBeUndefined();
  });

  it('counts a rate-limited Slack call as ratelimited', async () => {
    t.slack.failNext(1, { status: 429, retryAfter: 3 }, 'conversations.info');
    await runDoctorCommand();
    const { text } = await scrape();
    expect(
      sample(text, 'ecs_chatops_slack_api_calls_total', { method: 'conversations.info', outcome: 'ratelimited' }),
    ).toBe(1);
    expect(sample(text, 'ecs_chatops_aws_calls_total', { operation: 'sts:GetCallerIdentity', outcome: 'ok' })).toBe(2);
  });
});
