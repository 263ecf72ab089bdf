import { ConfigError, loadConfig } from '../../src/config';
import { alarmTopicFor, otherAlarmTopicArns } from '../../src/aws/alarm-topics';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'shh-secret', AWS_REGION: 'eu-west-1' };
const OWN_TOPIC = 'arn:aws:sns:eu-west-1:333333333333:ecs-alarms';
const ACCOUNTS = {
  AWS_ACCOUNTS:
    'prod=arn:aws:iam::111111111111:role/ecs-chatops,staging=arn:aws:iam::222222222222:role/ecs-chatops@eu-west-1',
  AWS_REGIONS: 'eu-west-1,us-east-1',
  SNS_TOPIC_ARNS: OWN_TOPIC,
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.setting} ${p.message}`);
  }
  return [];
}

const topics = (env: Record<string, string>) => {
  const c = loadConfig({ ...base, ...env });
  const of = (account: string, region: string) => alarmTopicFor({ aws: c.aws, ...c.sns }, { account, region });
  return { c, of };
};

describe('the topic alarms the bot creates notify, per account and region', () => {
  it('is SNS_TOPIC_ARN in the bot’s home and nothing more is accepted, for a single-account install', () => {
    const { c, of } = topics({ SNS_TOPIC_ARNS: OWN_TOPIC });
    expect(c.sns.alarmTopics).toEqual([]);
    expect(of('default', 'eu-west-1')).toEqual({ topicArn: OWN_TOPIC, source: 'SNS_TOPIC_ARN' });
    expect(otherAlarmTopicArns({ aws: c.aws, ...c.sns })).toEqual([]);
    expect(topics({}).of('default', 'eu-west-1')).toBeUndefined();
  });

  it('is the topic of the same name in every other account and region, unless ALARM_TOPICS names one', () => {
    const { c, of } = topics({
      ...ACCOUNTS,
      ALARM_TOPICS: 'prod:us-east-1=arn:aws:sns:us-east-1:111111111111:team-alarms',
    });
    expect(of('prod', 'eu-west-1')).toEqual({
      topicArn: 'arn:aws:sns:eu-west-1:111111111111:ecs-alarms',
      source: 'derived',
    });
    expect(of('prod', 'us-east-1')).toEqual({
      topicArn: 'arn:aws:sns:us-east-1:111111111111:team-alarms',
      source: 'ALARM_TOPICS',
    });
    // The bot's own account in another region: its topic's account.
    expect(of('default', 'us-east-1')?.topicArn).toBe('arn:aws:sns:us-east-1:333333333333:ecs-alarms');
    expect(otherAlarmTopicArns({ aws: c.aws, ...c.sns }).sort()).toEqual([
      'arn:aws:sns:eu-west-1:111111111111:ecs-alarms',
      'arn:aws:sns:eu-west-1:222222222222:ecs-alarms',
      'arn:aws:sns:us-east-1:111111111111:team-alarms',
      'arn:aws:sns:us-east-1:333333333333:ecs-alarms',
    ]);
  });

  it('takes account=topicArn, the region being the topic’s', () => {
    const { c } = topics({ ...ACCOUNTS, ALARM_TOPICS: 'staging=arn:aws:sns:eu-west-1:222222222222:x' });
    expect(c.sns.alarmTopics).toEqual([
      { account: 'staging', region: 'eu-west-1', topicArn: 'arn:aws:sns:eu-west-1:222222222222:x' },
    ]);
  });

  it('refuses to start with every problem of ALARM_TOPICS named', () => {
    const P = 'arn:aws:sns:eu-west-1:111111111111:ecs-alarms';
    expect(
      problems({
        ...ACCOUNTS,
        ALARM_TOPICS: [
          `nope:eu-west-1=${P}`,
          `prod:us-east-1=${P}`,
          'staging=arn:aws:sns:eu-west-1:111111111111:x',
          'prod=not-an-arn',
          'staging:us-east-1=arn:aws:sns:us-east-1:222222222222:x',
          `prod=${P}`,
          `prod:eu-west-1=${P}`,
          'just-text',
          `a:b:c=${P}`,
        ].join(','),
      }),
    ).toEqual([
      'ALARM_TOPICS names account "nope", which is not configured (default, prod, staging)',
      `ALARM_TOPICS prod:us-east-1: the topic ${P} is in eu-west-1; CloudWatch notifies topics of the alarm's own region only`,
      "ALARM_TOPICS staging:eu-west-1: the topic arn:aws:sns:eu-west-1:111111111111:x is in account 111111111111, not staging (222222222222); the bot checks the topic with that account's role",
      'ALARM_TOPICS prod: "not-an-arn" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
      'ALARM_TOPICS staging: region us-east-1 is not searched in that account (eu-west-1)',
      'ALARM_TOPICS names prod:eu-west-1 more than once',
      'ALARM_TOPICS expected account:region=topicArn, got "just-text"',
      'ALARM_TOPICS "a:b:c" is not account or account:region',
    ]);
  });
});
