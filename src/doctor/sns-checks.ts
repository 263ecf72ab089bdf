import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import type { Config } from '../config';
import { diagnoseAwsError, errorName } from './aws-fix';
import { result, type CheckResult } from './types';
import { sameEndpoint } from '../util/url';

const MAX_SUBSCRIPTION_PAGES = 10;

/** The region part of an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME). */
export function topicRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** True when the topic policy lets `service` (events.amazonaws.com …) call sns:Publish. */
export function policyAllowsPublish(policyJson: string | undefined, service: string): boolean {
  if (!policyJson) return false;
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyJson);
  } catch {
    return false;
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  return statements.some((s: { Effect?: string; Action?: unknown; Principal?: { Service?: unknown } | string }) => {
    if (s.Effect !== 'Allow') return false;
    const actions = list(s.Action).map((a) => a.toLowerCase());
    if (!actions.some((a) => a === 'sns:publish' || a === 'sns:*' || a === '*')) return false;
    if (s.Principal === '*') return true;
    const principal = s.Principal && typeof s.Principal === 'object' ? s.Principal : undefined;
    return list(principal?.Service).includes(service);
  });
}

export interface TopicCheck {
  check: CheckResult;
  /** Set when the topic exists: the client that reached it (the topic's own region). */
  sns?: SNSClient;
}

/** sns:GetTopicAttributes on the bot's topic; warns when EventBridge may not publish to it. */
export async function checkTopic(config: Config, snsFor: (region: string) => SNSClient): Promise<TopicCheck> {
  const name = 'SNS topic';
  const arn = config.sns.ownTopicArn;
  if (!arn) {
    return {
      check: result(
        'sns.topic',
        name,
        'warn',
        'no SNS topic configured: alarms and ECS events cannot reach the bot',
        "Create the topic (deploy/cloudformation.yml does) and set SNS_TOPIC_ARNS to its ARN (the stack's AlarmTopicArn output).",
      ),
    };
  }
  const region = topicRegion(arn) ?? config.aws.region;
  const sns = snsFor(region);
  try {
    const r = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    const a = r.Attributes ?? {};
    const counts = `${a.SubscriptionsConfirmed ?? '?'} confirmed and ${a.SubscriptionsPending ?? '?'} pending subscriptions`;
    if (!policyAllowsPublish(a.Policy, 'events.amazonaws.com')) {
      return {
        check: result(
          'sns.topic',
          name,
          'warn',
          `${arn} exists (${counts}), but its policy does not let EventBridge publish: ECS service, task and deployment events will not arrive`,
          'Add a topic policy statement allowing events.amazonaws.com to sns:Publish (deploy/cloudformation.yml has one).',
        ),
        sns,
      };
    }
    if (region !== config.aws.region) {
      return {
        check: result(
          'sns.topic',
          name,
          'warn',
          `${arn} exists (${counts}) but is in ${region}, while the bot works in ${config.aws.region}: CloudWatch alarms notify topics of their own region only, so alarms in ${config.aws.region} (and those the bot creates) cannot use it`,
          `Use a topic in ${config.aws.region} for SNS_TOPIC_ARN, or keep this one only for alarms in ${region}.`,
        ),
        sns,
      };
    }
    return { check: result('sns.topic', name, 'pass', `${arn} exists (${counts})`), sns };
  } catch (err) {
    if (errorName(err) === 'NotFoundException' || errorName(err) === 'NotFound') {
      return {
        check: result(
          'sns.topic',
          name,
          'fail',
          `${arn} does not exist (in the account of the bot's credentials)`,
          'Check SNS_TOPIC_ARN / SNS_TOPIC_ARNS, or create the topic.',
        ),
      };
    }
    const d = diagnoseAwsError(err, 'sns:GetTopicAttributes', region);
    return { check: result('sns.topic', name, 'fail', d.detail, d.fix) };
  }
}

/** Every subscription of the topic (bounded pages). */
export async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const subs: Subscription[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_SUBSCRIPTION_PAGES; page++) {
    const r = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    subs.push(...(r.Subscriptions ?? []));
    NextToken = r.NextToken;
    if (!NextToken) break;
  }
  return subs;
}

/** sns:ListSubscriptionsByTopic: PUBLIC_URL/sns is subscribed, confirmed, and not in raw delivery mode. */
export async function checkSubscription(config: Config, topic: TopicCheck): Promise<CheckResult> {
  const name = 'SNS subscription';
  const arn = config.sns.ownTopicArn;
  if (!arn) return result('sns.subscription', name, 'skip', 'skipped: no SNS topic configured');
  if (!config.publicUrl && config.sqs.queues.length > 0)
    return result(
      'sns.subscription',
      name,
      'skip',
      'no HTTPS subscription expected: alarms arrive through SQS_QUEUE_URLS (checked below)',
    );
  if (!config.publicUrl) {
    return result(
      'sns.subscription',
      name,
      'warn',
      'PUBLIC_URL is not set, so the bot cannot tell which subscription is its own',
      'Set PUBLIC_URL to the HTTPS base URL Slack and SNS reach the bot at, e.g. https://ecs-bot.example.com.',
    );
  }
  if (!topic.sns) return result('sns.subscription', name, 'skip', 'skipped: the SNS topic check failed');
  const endpoint = `${config.publicUrl}/sns`;
  const protocol = endpoint.startsWith('https:') ? 'https' : 'http';
  const subscribe = `aws sns subscribe --topic-arn ${arn} --protocol ${protocol} --notification-endpoint ${endpoint}`;
  const region = topicRegion(arn) ?? config.aws.region;
  let subs: Subscription[];
  try {
    subs = await listSubscriptions(topic.sns, arn);
  } catch (err) {
    const d = diagnoseAwsError(err, 'sns:ListSubscriptionsByTopic', region);
    return result('sns.subscription', name, 'fail', d.detail, d.fix);
  }
  const mine = subs.filter(
    (s) => /^https?$/.test(s.Protocol ?? '') && s.Endpoint && sameEndpoint(s.Endpoint, endpoint),
  );
  const confirmed = mine.find((s) => s.SubscriptionArn?.startsWith('arn:'));
  if (!confirmed) {
    if (mine.some((s) => s.SubscriptionArn === 'PendingConfirmation')) {
      return result(
        'sns.subscription',
        name,
        'fail',
        `${endpoint} is subscribed but the subscription is still pending confirmation`,
        `The bot confirms it when SNS's confirmation reaches POST /sns: make sure ${endpoint} is reachable from the internet over HTTPS and the topic is in SNS_TOPIC_ARNS, then subscribe again to resend the confirmation.`,
        subscribe,
      );
    }
    const others = subs
      .filter((s) => /^https?$/.test(s.Protocol ?? '') && s.Endpoint)
      .map((s) => s.Endpoint as string)
      .slice(0, 3);
    return result(
      'sns.subscription',
      name,
      'fail',
      `${endpoint} is not subscribed to the topic${others.length ? ` (HTTP endpoints subscribed: ${others.join(', ')})` : ''}`,
      "Subscribe the bot's endpoint; it confirms the subscription by itself.",
      subscribe,
    );
  }
  try {
    const attrs = await topic.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: confirmed.SubscriptionArn }),
    );
    if (attrs.Attributes?.RawMessageDelivery === 'true') {
      return result(
        'sns.subscription',
        name,
        'fail',
        `${endpoint} is subscribed with raw message delivery, so messages arrive unsigned and the bot refuses them`,
        'Turn raw message delivery off for this subscription.',
        `aws sns set-subscription-attributes --subscription-arn ${confirmed.SubscriptionArn} --attribute-name RawMessageDelivery --attribute-value false`,
      );
    }
  } catch (err) {
    const d = diagnoseAwsError(err, 'sns:GetSubscriptionAttributes', region);
    return result(
      'sns.subscription',
      name,
      'warn',
      `${endpoint} is subscribed and confirmed; raw delivery not checked (${d.detail})`,
      d.fix,
    );
  }
  return result('sns.subscription', name, 'pass', `${endpoint} is subscribed and confirmed`);
}
