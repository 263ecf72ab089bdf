import { ConfigError, loadConfig, parseDatabaseUrl } from '../src/config';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'shh-secret', AWS_REGION: 'eu-west-1' };

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig(base);
    expect(c.port).toBe(3000);
    expect(c.database).toEqual({ kind: 'sqlite', path: './data/ecs-chatops.db' });
    expect(c.sns.verifySignatures).toBe(true);
    expect(c.policy.approvers).toEqual([]);
    expect(c.policy.requestTtlMs).toBe(15 * 60_000);
    expect(c.slack.apiUrl).toBeUndefined();
  });

  it('reports every missing or invalid setting at once, with help, and never the secret values', () => {
    let err: unknown;
    try {
      loadConfig({
        SLACK_BOT_TOKEN: 'not-a-token-SECRETVALUE',
        PORT: 'eighty',
        SNS_TOPIC_ARNS: 'arn:bad',
        SLACK_ALARM_CHANNEL: '#ops',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const settings = (err as ConfigError).problems.map((p) => p.setting).sort();
    expect(settings).toEqual([
      'AWS_REGION',
      'PORT',
      'SLACK_ALARM_CHANNEL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SNS_TOPIC_ARNS',
    ]);
    const msg = (err as Error).message;
    expect(msg).toContain('OAuth & Permissions');
    expect(msg).toContain('Signing Secret');
    expect(msg).not.toContain('SECRETVALUE');
  });

  it('reads SQS_QUEUE_URLS: region, account, name and ARN from each URL, two pollers per queue by default', () => {
    const c = loadConfig({
      ...base,
      SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ecs-alarms',
      SQS_QUEUE_URLS:
        ' https://sqs.eu-west-1.amazonaws.com/123456789012/ecs-alarms , https://us-east-1.queue.amazonaws.com/210987654321/other.fifo,http://localhost:4566/000000000000/local',
    });
    expect(c.sqs.pollersPerQueue).toBe(2);
    expect(c.sqs.queues).toEqual([
      {
        url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ecs-alarms',
        name: 'ecs-alarms',
        account: '123456789012',
        region: 'eu-west-1',
        arn: 'arn:aws:sqs:eu-west-1:123456789012:ecs-alarms',
      },
      {
        url: 'https://us-east-1.queue.amazonaws.com/210987654321/other.fifo',
        name: 'other.fifo',
        account: '210987654321',
        region: 'us-east-1',
        arn: 'arn:aws:sqs:us-east-1:210987654321:other.fifo',
      },
      {
        url: 'http://localhost:4566/000000000000/local',
        name: 'local',
        account: '000000000000',
        region: undefined,
        arn: undefined,
      },
    ]);
    expect(loadConfig(base).sqs).toEqual({ queues: [], pollersPerQueue: 2 });
  });

  it('names every problem of SQS_QUEUE_URLS and SQS_POLLERS_PER_QUEUE at start', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({
        ...base,
        SQS_QUEUE_URLS:
          'ecs-alarms,https://sqs.eu-west-1.amazonaws.com/ecs-alarms,http://sqs.eu-west-1.amazonaws.com/123456789012/q,https://sqs.eu-west-1.amazonaws.com/123456789012/q?x=1,https://sqs.eu-west-1.amazonaws.com/123456789012/a,https://sqs.eu-west-1.amazonaws.com/123456789012/a',
        SQS_POLLERS_PER_QUEUE: '50',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const byName = (n: string) => err!.problems.filter((p) => p.setting === n).map((p) => p.message);
    const queueProblems = byName('SQS_QUEUE_URLS');
    expect(queueProblems).toHaveLength(5);
    expect(queueProblems[0]).toContain('"ecs-alarms" is not a URL');
    expect(queueProblems[1]).toContain('does not end in /ACCOUNT_ID/QUEUE_NAME');
    expect(queueProblems[2]).toContain('must use https');
    expect(queueProblems[3]).toContain('query, fragment or user');
    expect(queueProblems[4]).toContain('lists https://sqs.eu-west-1.amazonaws.com/123456789012/a twice');
    expect(byName('SQS_POLLERS_PER_QUEUE')[0]).toContain('from 1 to 10');
    // Without the allow-list every queued message would be refused and deleted.
    expect(byName('SNS_TOPIC_ARNS')[0]).toContain('is required with SQS_QUEUE_URLS');
    expect(err!.message).toContain('SQS console');
  });

  it('switches to Socket Mode with an app-level token, which then needs no signing secret', () => {
    const c = loadConfig({ ...base, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-A1-123-abc' });
    expect(c.slack.appToken).toBe('xapp-1-A1-123-abc');
    expect(c.slack.signingSecret).toBeUndefined();
    expect(loadConfig(base).slack.appToken).toBeUndefined();
  });

  it('refuses an app token that is not an xapp- token, and asks for a signing secret or an app token', () => {
    const problems = (env: Record<string, string | undefined>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    const wrong = problems({ ...base, SLACK_APP_TOKEN: 'xoxb-SECRETVALUE' });
    expect(wrong.map((p) => p.setting)).toEqual(['SLACK_APP_TOKEN']);
    expect(wrong[0].message).toContain('xapp-');
    expect(JSON.stringify(wrong)).not.toContain('SECRETVALUE');
    const neither = problems({ ...base, SLACK_SIGNING_SECRET: undefined });
    expect(neither.map((p) => [p.setting, p.message])).toEqual([
      ['SLACK_SIGNING_SECRET', 'is required (or set SLACK_APP_TOKEN for Socket Mode)'],
    ]);
  });

  it('accepts AWS_DEFAULT_REGION and normalises the Slack API URL', () => {
    const c = loadConfig({
      ...base,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: 'us-west-2',
      SLACK_API_URL: 'http://127.0.0.1:9/api',
    });
    expect(c.aws.region).toBe('us-west-2');
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
  });

  it('parses lists, mappings and booleans', () => {
    const c = loadConfig({
      ...base,
      APPROVERS: 'U01, S02',
      SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ecs-alarms',
      ASG_MAPPING: 'lab=lab-asg,prod=prod-asg',
      SNS_VERIFY_SIGNATURES: 'false',
      ALARM_ROUTES: 'prod-*=C0PROD',
    });
    expect(c.policy.approvers).toEqual(['U01', 'S02']);
    expect(c.sns.ownTopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:ecs-alarms');
    expect(c.asgMapping).toEqual({ lab: 'lab-asg', prod: 'prod-asg' });
    expect(c.sns.verifySignatures).toBe(false);
    expect(c.alarmRoutes).toEqual([{ pattern: 'prod-*', channel: 'C0PROD' }]);
    expect(() => loadConfig({ ...base, SNS_VERIFY_SIGNATURES: 'maybe' })).toThrow(
      /SNS_VERIFY_SIGNATURES expected true or false/,
    );
  });

  it('selects the store from DATABASE_URL', () => {
    expect(parseDatabaseUrl('postgres://u@h/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(parseDatabaseUrl('postgresql://h/db').kind).toBe('postgres');
    expect(parseDatabaseUrl('file:/tmp/x.db')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseDatabaseUrl('sqlite:///var/x.db')).toEqual({ kind: 'sqlite', path: '/var/x.db' });
    expect(parseDatabaseUrl('./y.db')).toEqual({ kind: 'sqlite', path: './y.db' });
  });
});
