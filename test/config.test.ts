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
