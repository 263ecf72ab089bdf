import { GetSubscriptionAttributesCommand, type SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SqsQueue } from '../aws/sqs-queues';
import type { Config } from '../config';
import { diagnoseAwsError, errorName } from './aws-fix';
import { listSubscriptions, topicRegion } from './sns-checks';
import { result, type CheckResult } from './types';

/** Topics looked at for a queue's subscription (SNS_TOPIC_ARNS is usually one or two). */
const MAX_TOPICS = 10;

export interface SqsCheckDeps {
  config: Config;
  sqsFor: (region: string | undefined) => Promise<SQSClient>;
  snsFor: (region: string) => SNSClient;
}

type Statement = {
  Effect?: string;
  Action?: unknown;
  Principal?: { Service?: unknown } | string;
  Condition?: Record<string, Record<string, unknown>>;
};

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const glob = (pattern: string, s: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(s);

/**
 * Which of `topics` the queue policy lets SNS send from: statements allowing sqs:SendMessage to
 * sns.amazonaws.com, with an aws:SourceArn condition naming the topic (ArnEquals, ArnLike, StringEquals,
 * StringLike). `open` is true when a statement lets SNS send with no such condition (any topic).
 */
export function queuePolicyTopics(
  policyJson: string | undefined,
  topics: string[],
): { allowed: string[]; open: boolean } {
  const out = { allowed: [] as string[], open: false };
  if (!policyJson) return out;
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policyJson);
  } catch {
    return out;
  }
  const statements = (
    Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []
  ) as Statement[];
  const allowed = new Set<string>();
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    const actions = list(s.Action).map((a) => a.toLowerCase());
    if (!actions.some((a) => a === 'sqs:sendmessage' || a === 'sqs:*' || a === '*')) continue;
    const principal = s.Principal && typeof s.Principal === 'object' ? s.Principal : undefined;
    if (s.Principal !== '*' && !list(principal?.Service).includes('sns.amazonaws.com')) continue;
    const sources = Object.entries(s.Condition ?? {})
      .filter(([op]) => /^(ArnEquals|ArnLike|StringEquals|StringLike)$/.test(op))
      .flatMap(([op, c]) =>
        Object.entries(c)
          .filter(([k]) => k.toLowerCase() === 'aws:sourcearn')
          .flatMap(([, v]) => list(v).map((p) => ({ p, like: op.endsWith('Like') }))),
      );
    if (sources.length === 0) {
      out.open = true;
      continue;
    }
    for (const t of topics) if (sources.some(({ p, like }) => (like ? glob(p, t) : p === t))) allowed.add(t);
  }
  out.allowed = topics.filter((t) => allowed.has(t));
  return out;
}

/**
 * The checks of one queue of SQS_QUEUE_URLS: it answers (sqs:GetQueueAttributes), its policy lets an
 * allow-listed topic send, a topic of SNS_TOPIC_ARNS has a confirmed subscription to it with raw
 * message delivery off, and it has a redrive policy (a dead-letter queue).
 */
export async function checkQueue(deps: SqsCheckDeps, q: SqsQueue): Promise<CheckResult[]> {
  const { config } = deps;
  const ids = {
    queue: [`sqs.queue:${q.name}`, `SQS queue ${q.name}`],
    policy: [`sqs.policy:${q.name}`, `SQS queue policy ${q.name}`],
    subscription: [`sqs.subscription:${q.name}`, `SQS subscription ${q.name}`],
    redrive: [`sqs.redrive:${q.name}`, `SQS dead-letter queue ${q.name}`],
  } as const;
  const region = q.region ?? config.aws.region;
  let attrs: Record<string, string>;
  try {
    const sqs = await deps.sqsFor(q.region);
    attrs =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['All'] }))).Attributes ?? {};
  } catch (err) {
    const missing = /QueueDoesNotExist|NonExistentQueue/.test(errorName(err));
    const d = diagnoseAwsError(err, 'sqs:GetQueueAttributes', region);
    return [
      result(
        ...ids.queue,
        'fail',
        missing ? `${q.url} does not exist (in the account of the bot's credentials)` : d.detail,
        missing
          ? 'Check SQS_QUEUE_URLS, or create the queue (deploy/cloudformation.yml with AlarmDelivery=sqs does).'
          : d.fix,
      ),
      result(...ids.policy, 'skip', 'skipped: the queue could not be read'),
      result(...ids.subscription, 'skip', 'skipped: the queue could not be read'),
      result(...ids.redrive, 'skip', 'skipped: the queue could not be read'),
    ];
  }
  const queueArn = attrs.QueueArn ?? q.arn ?? q.url;
  const out: CheckResult[] = [
    result(
      ...ids.queue,
      'pass',
      `${q.url} answers: ${attrs.ApproximateNumberOfMessages ?? '?'} messages waiting, ${attrs.ApproximateNumberOfMessagesNotVisible ?? '?'} being taken, visibility timeout ${attrs.VisibilityTimeout ?? '?'} s`,
    ),
  ];

  const topics = config.sns.topicArns.slice(0, MAX_TOPICS);
  const policy = queuePolicyTopics(attrs.Policy, topics);
  const policyFix =
    'Give the queue a policy that lets sns.amazonaws.com call sqs:SendMessage on it with the condition ArnEquals aws:SourceArn = the topic ARN (docs/alarms.md has one; deploy/cloudformation.yml writes it).';
  if (policy.allowed.length > 0)
    out.push(result(...ids.policy, 'pass', `lets ${policy.allowed.join(', ')} send to the queue`));
  else if (policy.open)
    out.push(
      result(
        ...ids.policy,
        'warn',
        'lets SNS send to the queue from any topic (no aws:SourceArn condition); messages of other topics are refused and deleted, but anyone may fill the queue',
        policyFix,
      ),
    );
  else
    out.push(
      result(
        ...ids.policy,
        'fail',
        `no statement lets a topic of SNS_TOPIC_ARNS send to ${queueArn}: SNS drops its deliveries silently`,
        policyFix,
      ),
    );

  out.push(await checkSubscription(deps, topics, queueArn, ids.subscription));

  let redrive: { deadLetterTargetArn?: string; maxReceiveCount?: number | string } | undefined;
  try {
    redrive = attrs.RedrivePolicy ? JSON.parse(attrs.RedrivePolicy) : undefined;
  } catch {
    redrive = undefined;
  }
  if (redrive?.deadLetterTargetArn)
    out.push(
      result(
        ...ids.redrive,
        'pass',
        `a message received ${redrive.maxReceiveCount ?? '?'} times without being taken moves to ${redrive.deadLetterTargetArn}`,
      ),
    );
  else
    out.push(
      result(
        ...ids.redrive,
        'warn',
        'no redrive policy: a message the bot cannot take (store down for long, too old to accept) is retried until the queue drops it at the end of its retention, unseen',
        'Create a dead-letter queue and set a RedrivePolicy on the queue (docs/alarms.md).',
        `aws sqs set-queue-attributes --queue-url ${q.url} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"ARN_OF_THE_DLQ\\",\\"maxReceiveCount\\":\\"20\\"}"}'`,
      ),
    );
  return out;
}

async function checkSubscription(
  deps: SqsCheckDeps,
  topics: string[],
  queueArn: string,
  [id, name]: readonly [string, string],
): Promise<CheckResult> {
  const subscribe = (topic: string) =>
    `aws sns subscribe --topic-arn ${topic} --protocol sqs --notification-endpoint ${queueArn} --attributes RawMessageDelivery=false`;
  if (topics.length === 0) return result(id, name, 'fail', 'SNS_TOPIC_ARNS is empty', 'Set SNS_TOPIC_ARNS.');
  const confirmed: { topic: string; arn: string; sns: SNSClient }[] = [];
  const pending: string[] = [];
  for (const topic of topics) {
    const region = topicRegion(topic) ?? deps.config.aws.region;
    const sns = deps.snsFor(region);
    let subs: Subscription[];
    try {
      subs = await listSubscriptions(sns, topic);
    } catch (err) {
      const d = diagnoseAwsError(err, 'sns:ListSubscriptionsByTopic', region);
      return result(id, name, 'fail', `${topic}: ${d.detail}`, d.fix);
    }
    for (const s of subs.filter((x) => x.Protocol === 'sqs' && x.Endpoint === queueArn)) {
      if (s.SubscriptionArn?.startsWith('arn:')) confirmed.push({ topic, arn: s.SubscriptionArn, sns });
      else pending.push(topic);
    }
  }
  if (confirmed.length === 0) {
    if (pending.length > 0)
      return result(
        id,
        name,
        'fail',
        `the queue's subscription to ${pending.join(', ')} is still pending confirmation`,
        "The bot confirms it when SNS's confirmation arrives through the queue: check the queue policy, then subscribe again to resend it.",
        subscribe(pending[0]),
      );
    return result(
      id,
      name,
      'fail',
      `${queueArn} is not subscribed to ${topics.join(', ')}: no alarm reaches the queue`,
      'Subscribe the queue to the alarm topic with raw message delivery off.',
      subscribe(topics[0]),
    );
  }
  const raw: string[] = [];
  for (const c of confirmed) {
    try {
      const a = await c.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: c.arn }));
      if (a.Attributes?.RawMessageDelivery === 'true') raw.push(c.arn);
    } catch (err) {
      const d = diagnoseAwsError(err, 'sns:GetSubscriptionAttributes', topicRegion(c.topic) ?? deps.config.aws.region);
      return result(
        id,
        name,
        'warn',
        `subscribed to ${confirmed.map((x) => x.topic).join(', ')} and confirmed; raw delivery not checked (${d.detail})`,
        d.fix,
      );
    }
  }
  if (raw.length > 0)
    return result(
      id,
      name,
      'fail',
      `subscribed with raw message delivery on: messages arrive without their signature and the bot refuses and deletes them`,
      'Turn raw message delivery off for the subscription.',
      `aws sns set-subscription-attributes --subscription-arn ${raw[0]} --attribute-name RawMessageDelivery --attribute-value false`,
    );
  return result(
    id,
    name,
    'pass',
    `subscribed to ${confirmed.map((x) => x.topic).join(', ')}, confirmed, raw message delivery off`,
  );
}
