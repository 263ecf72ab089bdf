import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { alarmTopicFor, topicArnParts, type AlarmTopicSource } from '../aws/alarm-topics';
import { errorName, toAwsError } from '../aws/errors';
import type { AwsScope } from '../aws/scope';
import type { SqsQueue } from '../aws/sqs-queues';
import type { Config } from '../config';
import { UserFacingError } from '../errors';
import { sameEndpoint } from '../util/url';

export interface TopicCheck {
  /** The topic alarms created in the account and region notify. */
  topicArn?: string;
  /** Where SNS must deliver: PUBLIC_URL + /sns. */
  endpoint?: string;
  /** What is missing, each a sentence saying what to do; empty when alarms can reach the bot. */
  problems: string[];
}

/** Thrown when an alarm would not reach the bot; the message lists everything that is missing. */
export class TopicNotReadyError extends UserFacingError {
  override readonly code = 'topic_not_ready';
  constructor(readonly problems: string[]) {
    super(`The alarm would not reach this bot:\n${problems.map((p) => `• ${p}`).join('\n')}`);
    this.name = 'TopicNotReadyError';
  }
}

const MAX_PAGES = 20;

type TopicConfig = Pick<Config, 'sns' | 'sqs' | 'publicUrl' | 'aws'>;

/** What to do about a topic that does not exist, by the setting it came from. */
function createHint(arn: string, source: AlarmTopicSource, region: string, where?: string): string {
  const name = arn.split(':').pop();
  if (source === 'SNS_TOPIC_ARN') return `create it (aws sns create-topic --name ${name}) or fix SNS_TOPIC_ARN`;
  if (source === 'ALARM_TOPICS') return `create it or fix ALARM_TOPICS`;
  return (
    `create it there (deploy/member-alarm-topic.yml with AlarmTopicName=${name}, or aws sns create-topic --name ${name} --region ${region} in that account)` +
    `, or name another topic for ${where ?? region} in ALARM_TOPICS`
  );
}

/** A subscription endpoint that is one of the bot's queues (SQS_QUEUE_URLS). */
function isOurQueue(endpoint: string | undefined, queues: readonly SqsQueue[]): boolean {
  if (!endpoint) return false;
  return queues.some((q) => (q.arn ? endpoint === q.arn : endpoint.endsWith(`:${q.account}:${q.name}`)));
}

/**
 * Checks that the topic alarms created in `scope` notify (see alarm-topics.ts) exists there and
 * delivers to the bot: its HTTPS endpoint (PUBLIC_URL/sns) or one of its queues (SQS_QUEUE_URLS),
 * subscribed and confirmed. `sns` reads in that account and region; `where` names them in answers
 * (undefined for a single-account install). Never guesses: every missing piece is reported with the
 * setting or command that fixes it. Unexpected AWS failures (throttling after retries) are thrown.
 */
export async function checkAlarmTopic(
  sns: SNSClient,
  config: TopicConfig,
  scope: AwsScope,
  where?: string,
): Promise<TopicCheck> {
  const topic = alarmTopicFor({ aws: config.aws, ...config.sns }, scope);
  const topicArn = topic?.topicArn;
  const endpoint = config.publicUrl ? `${config.publicUrl}/sns` : undefined;
  const queues = config.sqs.queues;
  const at = where ? ` in ${where}` : '';
  const problems: string[] = [];
  if (!topic) {
    problems.push(
      config.sns.ownTopicArn
        ? `No SNS topic for alarms${at}: name one in ALARM_TOPICS (${scope.account}:${scope.region}=arn:aws:sns:${scope.region}:ACCOUNT:NAME).`
        : 'The bot has no SNS topic: set SNS_TOPIC_ARN (or SNS_TOPIC_ARNS) to the topic CloudWatch should notify.',
    );
  }
  if (!endpoint && queues.length === 0) {
    problems.push(
      'PUBLIC_URL is not set, so the bot cannot check that SNS delivers to it: set PUBLIC_URL to its public HTTPS base URL (or SQS_QUEUE_URLS to the queues its alarms arrive through).',
    );
  }
  if (!topic || !topicArn) return { topicArn, endpoint, problems };

  const region = topicArnParts(topicArn)?.region ?? topicArn.split(':')[3];
  if (region && region !== scope.region) {
    problems.push(
      `The topic ${topicArn} is in ${region} but the bot's alarms${at} are created in ${scope.region}; CloudWatch only notifies topics of its own region.`,
    );
    return { topicArn, endpoint, problems };
  }

  try {
    await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
  } catch (err) {
    const name = errorName(err);
    if (name === 'NotFoundException' || name === 'NotFound') {
      problems.push(
        `The topic ${topicArn} does not exist${at || ` in ${scope.region}`}: ${createHint(topicArn, topic.source, scope.region, where)}.`,
      );
      return { topicArn, endpoint, problems };
    }
    if (name === 'AuthorizationErrorException' || name === 'AuthorizationError' || name === 'AccessDeniedException') {
      problems.push(
        `The bot's AWS role${at} may not read the topic ${topicArn} (sns:GetTopicAttributes and sns:ListSubscriptionsByTopic are needed${where ? '; deploy/member-account-role.yml grants them' : ''}).`,
      );
      return { topicArn, endpoint, problems };
    }
    throw toAwsError(err, 'sns:GetTopicAttributes');
  }
  if (!endpoint && queues.length === 0) return { topicArn, endpoint, problems };

  const subs: { arn?: string; protocol?: string; endpoint?: string }[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    let out;
    try {
      out = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    } catch (err) {
      throw toAwsError(err, 'sns:ListSubscriptionsByTopic');
    }
    subs.push(
      ...(out.Subscriptions ?? []).map((s) => ({ arn: s.SubscriptionArn, protocol: s.Protocol, endpoint: s.Endpoint })),
    );
    token = out.NextToken;
    pages += 1;
  } while (token && pages < MAX_PAGES);

  const https = subs.filter(
    (s) =>
      !!endpoint &&
      (s.protocol === 'https' || s.protocol === 'http') &&
      !!s.endpoint &&
      sameEndpoint(s.endpoint, endpoint),
  );
  const sqs = subs.filter((s) => s.protocol === 'sqs' && isOurQueue(s.endpoint, queues));
  const confirmed = (s: { arn?: string }) => !!s.arn && s.arn.startsWith('arn:');
  if ([...https, ...sqs].some(confirmed)) return { topicArn, endpoint, problems };

  if (endpoint && https.length > 0) {
    problems.push(
      `The subscription of ${endpoint} to ${topicArn} is still pending confirmation: the bot confirms it when SNS reaches /sns, so check that ${endpoint} is reachable from AWS and that the topic is in SNS_TOPIC_ARNS, then subscribe again.`,
    );
  } else if (sqs.length > 0) {
    problems.push(
      `The subscription of the bot's queue to ${topicArn} is still pending confirmation: the bot confirms it when the confirmation arrives through the queue, so check that the queue policy lets the topic send to it, then subscribe again.`,
    );
  } else {
    const ways: string[] = [];
    if (endpoint)
      ways.push(
        `aws sns subscribe --topic-arn ${topicArn} --protocol ${endpoint.startsWith('https') ? 'https' : 'http'} --notification-endpoint ${endpoint} (the bot confirms the subscription itself)`,
      );
    const queue = queues.find((q) => q.arn);
    if (queue?.arn)
      ways.push(
        `aws sns subscribe --topic-arn ${topicArn} --protocol sqs --notification-endpoint ${queue.arn} (the queue policy must let the topic send)`,
      );
    problems.push(
      `${endpoint ?? "None of the bot's queues"} is not subscribed to ${topicArn}${at}: run ${ways.join(', or ') || 'aws sns subscribe for one of SQS_QUEUE_URLS'}.`,
    );
  }
  return { topicArn, endpoint, problems };
}

/** Throws TopicNotReadyError when anything is missing; returns the topic ARN otherwise. */
export async function requireAlarmTopic(
  sns: SNSClient,
  config: TopicConfig,
  scope: AwsScope,
  where?: string,
): Promise<string> {
  const check = await checkAlarmTopic(sns, config, scope, where);
  if (check.problems.length > 0 || !check.topicArn) throw new TopicNotReadyError(check.problems);
  return check.topicArn;
}
