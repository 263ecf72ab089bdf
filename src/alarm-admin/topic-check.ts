import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { errorName, toAwsError } from '../aws/errors';
import type { Config } from '../config';
import { UserFacingError } from '../errors';
import { sameEndpoint } from '../util/url';

export interface TopicCheck {
  /** The bot's own topic (SNS_TOPIC_ARN, else the first of SNS_TOPIC_ARNS). */
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

/**
 * Checks that the bot's topic exists in the bot's region and has the bot's endpoint subscribed and
 * confirmed. Never guesses: every missing piece is reported with the setting or command that fixes it.
 * Unexpected AWS failures (throttling after retries) are thrown as AwsError.
 */
async function checkBotTopic(sns: SNSClient, config: Pick<Config, 'sns' | 'publicUrl' | 'aws'>): Promise<TopicCheck> {
  const topicArn = config.sns.ownTopicArn;
  const endpoint = config.publicUrl ? `${config.publicUrl}/sns` : undefined;
  const problems: string[] = [];
  if (!topicArn) {
    problems.push(
      'The bot has no SNS topic: set SNS_TOPIC_ARN (or SNS_TOPIC_ARNS) to the topic CloudWatch should notify.',
    );
  }
  if (!endpoint) {
    problems.push(
      'PUBLIC_URL is not set, so the bot cannot check that SNS delivers to it: set PUBLIC_URL to its public HTTPS base URL.',
    );
  }
  if (!topicArn) return { topicArn, endpoint, problems };

  const region = topicArn.split(':')[3];
  if (region && region !== config.aws.region) {
    problems.push(
      `The topic ${topicArn} is in ${region} but the bot's alarms are created in ${config.aws.region}; CloudWatch only notifies topics of its own region.`,
    );
    return { topicArn, endpoint, problems };
  }

  try {
    await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
  } catch (err) {
    const name = errorName(err);
    if (name === 'NotFoundException' || name === 'NotFound') {
      problems.push(
        `The topic ${topicArn} does not exist in ${config.aws.region}: create it (aws sns create-topic --name ${topicArn.split(':').pop()}) or fix SNS_TOPIC_ARN.`,
      );
      return { topicArn, endpoint, problems };
    }
    if (name === 'AuthorizationErrorException' || name === 'AuthorizationError' || name === 'AccessDeniedException') {
      problems.push(
        `The bot's AWS role may not read the topic ${topicArn} (sns:GetTopicAttributes and sns:ListSubscriptionsByTopic are needed).`,
      );
      return { topicArn, endpoint, problems };
    }
    throw toAwsError(err, 'sns:GetTopicAttributes');
  }
  if (!endpoint) return { topicArn, endpoint, problems };

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

  const mine = subs.filter(
    (s) => (s.protocol === 'https' || s.protocol === 'http') && s.endpoint && sameEndpoint(s.endpoint, endpoint),
  );
  if (mine.length === 0) {
    problems.push(
      `${endpoint} is not subscribed to ${topicArn}: run aws sns subscribe --topic-arn ${topicArn} --protocol ${endpoint.startsWith('https') ? 'https' : 'http'} --notification-endpoint ${endpoint} (the bot confirms the subscription itself).`,
    );
  } else if (!mine.some((s) => s.arn && s.arn.startsWith('arn:'))) {
    problems.push(
      `The subscription of ${endpoint} to ${topicArn} is still pending confirmation: the bot confirms it when SNS reaches /sns, so check that ${endpoint} is reachable from AWS and that the topic is in SNS_TOPIC_ARNS, then subscribe again.`,
    );
  }
  return { topicArn, endpoint, problems };
}

/** Throws TopicNotReadyError when anything is missing; returns the topic ARN otherwise. */
export async function requireBotTopic(
  sns: SNSClient,
  config: Pick<Config, 'sns' | 'publicUrl' | 'aws'>,
): Promise<string> {
  const check = await checkBotTopic(sns, config);
  if (check.problems.length > 0 || !check.topicArn) throw new TopicNotReadyError(check.problems);
  return check.topicArn;
}
