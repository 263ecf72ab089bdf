import { SNSClient } from '@aws-sdk/client-sns';
import { sqsClientsByRegion } from '../aws/sqs-queues';
import {
  checkAutoScaling,
  checkCloudWatch,
  checkContainerInsights,
  checkEcs,
  checkIdentity,
  checkLogs,
} from './aws-checks';
import { checkAccounts } from './account-checks';
import { checkAlarmDelivery } from './delivery-checks';
import { checkDatabase } from './store-checks';
import { checkAlarmChannel, checkSlackScopes, checkSlackToken } from './slack-checks';
import { checkSubscription, checkTopic, type TopicCheck } from './sns-checks';
import { checkQueue } from './sqs-checks';
import { checkCrashed, result, type CheckResult, type DoctorDeps, type DoctorReport } from './types';
import { plural } from '../util/text';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Resolves with `fallback()` when `work` takes longer than `ms`; the timer never keeps the process alive. */
export async function withTimeout<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(id: string, name: string, ms: number): CheckResult {
  return result(
    id,
    name,
    'fail',
    `no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`,
    'Check network access to Slack and AWS from where the bot runs, then run the doctor again.',
  );
}

/** An unexpected exception in a check becomes a failed check, never a crashed doctor. */
async function guard<T>(
  id: string,
  name: string,
  work: () => Promise<T>,
  toResult: (v: T) => CheckResult,
): Promise<CheckResult> {
  try {
    return toResult(await work());
  } catch (err) {
    return checkCrashed(id, name, err);
  }
}

/**
 * Checks everything the bot depends on, Slack and AWS in parallel, each call bounded by a timeout:
 * the token and its scopes, the alarm channel, AWS identity and region, read access to ECS,
 * CloudWatch, Logs and Auto Scaling, Container Insights per cluster, the SNS topic and the bot's
 * subscription to it, each alarm queue of SQS_QUEUE_URLS; given the store (the bot's, or the one
 * `npm run doctor` opens) also the database and alarm delivery. Never throws; every problem is a check with a fix.
 */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { config, slack, aws } = deps;
  const region = config.aws.region;
  const ms = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bound = <T>(p: Promise<T>, id: string, name: string, wrap: (r: CheckResult) => T) =>
    withTimeout(p, ms, () => wrap(timedOut(id, name, ms)));

  const extraSns = new Map<string, SNSClient>();
  const snsFor =
    deps.snsForRegion ??
    ((r: string) => {
      if (r === region) return aws.sns;
      let c = extraSns.get(r);
      if (!c) extraSns.set(r, (c = new SNSClient({ region: r, maxAttempts: 2 })));
      return c;
    });

  const slackChecks = (async (): Promise<CheckResult[]> => {
    const token = await bound<Awaited<ReturnType<typeof checkSlackToken>>>(
      checkSlackToken(slack, config),
      'slack.token',
      'Slack token',
      (check) => ({ check }),
    );
    const channel = await bound(
      checkAlarmChannel(slack, config, token.identity),
      'slack.alarm-channel',
      'Alarm channel',
      (r) => r,
    );
    return [token.check, checkSlackScopes(token.identity), channel];
  })();

  const ecsChecks = (async (): Promise<CheckResult[]> => {
    const ecs = await bound<Awaited<ReturnType<typeof checkEcs>>>(
      checkEcs(aws, region),
      'aws.ecs',
      'ECS read access',
      (check) => ({ check, clusterArns: undefined }),
    );
    const insights = await bound(
      checkContainerInsights(aws, region, ecs.clusterArns),
      'ecs.container-insights',
      'Container Insights',
      (r) => r,
    );
    return [ecs.check, insights];
  })();

  const snsChecks = (async (): Promise<CheckResult[]> => {
    const topic: TopicCheck = await bound(checkTopic(config, snsFor), 'sns.topic', 'SNS topic', (check) => ({ check }));
    const sub = await bound(checkSubscription(config, topic), 'sns.subscription', 'SNS subscription', (r) => r);
    return [topic.check, sub];
  })();

  const sqsFor = deps.sqsForRegion ?? sqsClientsByRegion(aws.sqs);
  const queueIds = (name: string): [string, string][] => [
    [`sqs.queue:${name}`, `SQS queue ${name}`],
    [`sqs.policy:${name}`, `SQS queue policy ${name}`],
    [`sqs.subscription:${name}`, `SQS subscription ${name}`],
    [`sqs.redrive:${name}`, `SQS dead-letter queue ${name}`],
  ];
  const queueChecks = config.sqs.queues.map((q) =>
    withTimeout(checkQueue({ config, sqsFor, snsFor }, q), ms, () =>
      queueIds(q.name).map(([id, name]) => timedOut(id, name, ms)),
    ),
  );

  const single = (id: string, name: string, p: () => Promise<CheckResult>) =>
    guard(
      id,
      name,
      () => bound(p(), id, name, (r) => r),
      (r) => r,
    );
  const group = (ids: [string, string][], p: Promise<CheckResult[]>) =>
    p.catch((err: unknown) => ids.map(([id, name]) => checkCrashed(id, name, err)));

  try {
    const store = deps.store;
    const delivery = store
      ? single('alarms.delivery', 'Alarm delivery', () => checkAlarmDelivery(store, (deps.clock ?? Date).now()))
      : undefined;
    const accountResults = checkAccounts(deps.accounts, (p, id, name) => bound(p, id, name, (r) => r), deps.config);
    const database = store
      ? group(
          [
            ['store.reachable', 'Database'],
            ['store.migrations', 'Database migrations'],
            ['store.writable', 'Database writes'],
          ],
          bound(checkDatabase(store), 'store.reachable', 'Database', (r) => [r]),
        )
      : undefined;
    const [slackResults, identity, ecsResults, cloudwatch, logs, autoscaling, snsResults] = await Promise.all([
      group(
        [
          ['slack.token', 'Slack token'],
          ['slack.scopes', 'Slack scopes'],
          ['slack.alarm-channel', 'Alarm channel'],
        ],
        slackChecks,
      ),
      single('aws.identity', 'AWS identity', () => checkIdentity(aws, region)),
      group(
        [
          ['aws.ecs', 'ECS read access'],
          ['ecs.container-insights', 'Container Insights'],
        ],
        ecsChecks,
      ),
      single('aws.cloudwatch', 'CloudWatch read access', () => checkCloudWatch(aws, region)),
      single('aws.logs', 'CloudWatch Logs read access', () => checkLogs(aws, region)),
      single('aws.autoscaling', 'Auto Scaling read access', () => checkAutoScaling(aws, region)),
      group(
        [
          ['sns.topic', 'SNS topic'],
          ['sns.subscription', 'SNS subscription'],
        ],
        snsChecks,
      ),
    ]);
    const sqsResults = (
      await Promise.all(config.sqs.queues.map((q, i) => group(queueIds(q.name), queueChecks[i])))
    ).flat();
    const [ecs, insights] = ecsResults;
    return {
      results: [
        ...slackResults,
        identity,
        ecs,
        insights,
        cloudwatch,
        logs,
        autoscaling,
        ...snsResults,
        ...sqsResults,
        ...(database ? await database : []),
        ...(delivery ? [await delivery] : []),
        ...(await accountResults),
      ],
      region,
      at: (deps.clock ?? Date).now(),
    };
  } finally {
    for (const c of extraSns.values()) c.destroy();
  }
}

/** Counts by status, for summaries. */
export function summarize(results: CheckResult[]): Record<CheckResult['status'], number> {
  const counts = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** "2 failed, 1 warning, 8 passed" (and skipped, when any). */
export function summaryLine(results: CheckResult[]): string {
  const c = summarize(results);
  const parts = [`${c.fail} failed`, `${plural(c.warn, 'warning')}`, `${c.pass} passed`];
  if (c.skip) parts.push(`${c.skip} skipped`);
  return parts.join(', ');
}
