import type { AwsSettings, SettingProblem } from './accounts-config';
import type { AwsScope } from './scope';
import { truncate } from '../util/text';

/**
 * The SNS topic an alarm the bot creates notifies, per account and region. CloudWatch notifies a
 * topic of the alarm's own region, and the bot reads that topic with the account's own session, so
 * each account and region has its own: in the bot's home (its own account, AWS_REGION) the bot's topic
 * (SNS_TOPIC_ARN) as always; elsewhere, unless ALARM_TOPICS names one, the topic of the same name in
 * that account and region (what deploy/member-alarm-topic.yml, or a StackSet of it, creates). Pure:
 * config.ts validates ALARM_TOPICS with it, and /sns accepts every topic it names.
 */

export const ALARM_TOPICS_HELP =
  "optional account:region=topicArn pairs (or account=topicArn, the topic's region) naming the SNS topic alarms the bot creates there notify; default: the topic named like SNS_TOPIC_ARN in that account and region";

/** One entry of ALARM_TOPICS. */
export interface AlarmTopicSetting {
  account: string;
  region: string;
  topicArn: string;
}

/** Where an alarm topic came from, so answers can say which setting to fix. */
export type AlarmTopicSource = 'ALARM_TOPICS' | 'SNS_TOPIC_ARN' | 'derived';

export interface AlarmTopic {
  topicArn: string;
  source: AlarmTopicSource;
}

const TOPIC_ARN_RE = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;
const clip = (s: string) => truncate(s, 81);

/** The parts of an SNS topic ARN, or undefined. */
export function topicArnParts(
  arn: string,
): { partition: string; region: string; accountId: string; name: string } | undefined {
  const m = TOPIC_ARN_RE.exec(arn);
  return m ? { partition: m[1], region: m[2], accountId: m[3], name: m[4] } : undefined;
}

/**
 * Reads ALARM_TOPICS against the configured accounts and regions; every problem is named (config.ts
 * reports them with every other setting's, and the bot does not start).
 */
export function parseAlarmTopics(
  value: string | undefined,
  aws: AwsSettings,
): { topics: AlarmTopicSetting[]; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const problem = (message: string) => problems.push({ setting: 'ALARM_TOPICS', message });
  const topics: AlarmTopicSetting[] = [];
  const pairs = (value ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problem(`expected account:region=topicArn, got "${clip(pair)}"`);
      continue;
    }
    const key = pair.slice(0, eq).trim();
    const arn = pair.slice(eq + 1).trim();
    const [name, keyRegion, ...extra] = key.split(':');
    const parts = topicArnParts(arn);
    if (extra.length > 0 || !name) {
      problem(`"${clip(key)}" is not account or account:region`);
      continue;
    }
    if (!parts) {
      problem(`${name}: "${clip(arn)}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
      continue;
    }
    const account = aws.accounts.find((a) => a.name === name);
    if (!account) {
      problem(`names account "${clip(name)}", which is not configured (${aws.accounts.map((a) => a.name).join(', ')})`);
      continue;
    }
    const region = keyRegion ?? parts.region;
    if (region !== parts.region) {
      problem(
        `${name}:${clip(region)}: the topic ${arn} is in ${parts.region}; CloudWatch notifies topics of the alarm's own region only`,
      );
      continue;
    }
    if (!account.regions.includes(region)) {
      problem(`${name}: region ${region} is not searched in that account (${account.regions.join(', ')})`);
      continue;
    }
    if (account.accountId && parts.accountId !== account.accountId) {
      problem(
        `${name}:${region}: the topic ${arn} is in account ${parts.accountId}, not ${name} (${account.accountId}); the bot checks the topic with that account's role`,
      );
      continue;
    }
    if (topics.some((t) => t.account === name && t.region === region)) {
      problem(`names ${name}:${region} more than once`);
      continue;
    }
    topics.push({ account: name, region, topicArn: arn });
  }
  return { topics, problems };
}

export interface AlarmTopicConfig {
  aws: AwsSettings;
  /** SNS_TOPIC_ARN (else the first of SNS_TOPIC_ARNS): the bot's own topic. */
  ownTopicArn?: string;
  /** ALARM_TOPICS. */
  alarmTopics: readonly AlarmTopicSetting[];
}

/** The bot's home: its own account in AWS_REGION, where SNS_TOPIC_ARN is used as it is. */
function isHome(aws: AwsSettings, scope: AwsScope): boolean {
  const own = aws.accounts.find((a) => a.own);
  return !!own && own.name === scope.account && scope.region === aws.region;
}

/** The topic alarms created in `scope` notify, or undefined when there is none to derive it from. */
export function alarmTopicFor(c: AlarmTopicConfig, scope: AwsScope): AlarmTopic | undefined {
  const set = c.alarmTopics.find((t) => t.account === scope.account && t.region === scope.region);
  if (set) return { topicArn: set.topicArn, source: 'ALARM_TOPICS' };
  if (!c.ownTopicArn) return undefined;
  if (isHome(c.aws, scope)) return { topicArn: c.ownTopicArn, source: 'SNS_TOPIC_ARN' };
  const own = topicArnParts(c.ownTopicArn);
  const account = c.aws.accounts.find((a) => a.name === scope.account);
  if (!own || !account) return undefined;
  // The bot's own account is the account of its topic; a member account's is in its role ARN.
  const accountId = account.own ? own.accountId : account.accountId;
  if (!accountId) return undefined;
  return { topicArn: `arn:${own.partition}:sns:${scope.region}:${accountId}:${own.name}`, source: 'derived' };
}

/**
 * The topics of every configured account and region other than the bot's home, whose messages the bot
 * accepts besides SNS_TOPIC_ARNS: an alarm it created there notifies one of them. Empty for a
 * single-account install without ALARM_TOPICS.
 */
export function otherAlarmTopicArns(c: AlarmTopicConfig): string[] {
  const out = new Set<string>();
  for (const a of c.aws.accounts)
    for (const region of a.regions) {
      const scope = { account: a.name, region };
      if (isHome(c.aws, scope) && !c.alarmTopics.some((t) => t.account === a.name && t.region === region)) continue;
      const t = alarmTopicFor(c, scope);
      if (t) out.add(t.topicArn);
    }
  return [...out];
}
