import { loadConfig } from '../../src/config';
import { checkQueue, queuePolicyTopics } from '../../src/doctor/sqs-checks';
import { runDoctor } from '../../src/doctor/run-doctor';
import { checkSubscription } from '../../src/doctor/sns-checks';
import { startFakeSlack } from '../helpers/fake-slack';
import { slackClient } from './fixtures';
import type { CheckResult } from '../../src/doctor/types';
import { AwsWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { FakeSqs, type FQueue } from '../helpers/fake-sqs';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecs-alarms';
const OTHER = 'arn:aws:sns:us-east-1:123456789012:other';

function setup(o: { policy?: 'topic' | 'open' | 'none'; redrive?: boolean; sub?: 'ok' | 'raw' | 'pending' | 'none' }) {
  const world = new AwsWorld();
  world.addTopic(TOPIC);
  const dlq = world.sqs.createQueue('ecs-chatops-alarms-dlq');
  const q: FQueue = world.sqs.createQueue(
    'ecs-chatops-alarms',
    o.redrive === false ? {} : { deadLetter: dlq, maxReceiveCount: 20 },
  );
  if ((o.policy ?? 'topic') === 'topic') q.policy = FakeSqs.topicPolicy(q, TOPIC);
  if (o.policy === 'open')
    q.policy = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: q.arn },
      ],
    });
  const sub = o.sub ?? 'ok';
  if (sub !== 'none') world.subscribeQueue(TOPIC, q, { raw: sub === 'raw', pending: sub === 'pending' });
  const aws = awsClientsFor(world);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_SIGNING_SECRET: 's',
    AWS_REGION: 'us-east-1',
    SNS_TOPIC_ARNS: `${TOPIC},${OTHER}`,
    SQS_QUEUE_URLS: q.url,
  });
  world.addTopic(OTHER);
  return {
    world,
    q,
    config,
    aws,
    run: () => checkQueue({ config, sqsFor: async () => aws.sqs, snsFor: () => aws.sns }, config.sqs.queues[0]),
  };
}

const byKind = (rs: CheckResult[]) => Object.fromEntries(rs.map((r) => [r.id.split(':')[0], r]));

describe('the doctor on an alarm queue', () => {
  it('passes a queue set up as deploy/ does: reachable, policy for the topic, confirmed subscription without raw delivery, dead-letter queue', async () => {
    const s = setup({});
    const r = byKind(await s.run());
    expect(Object.values(r).map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(r['sqs.queue'].id).toBe('sqs.queue:ecs-chatops-alarms');
    expect(r['sqs.policy'].detail).toBe(`lets ${TOPIC} send to the queue`);
    expect(r['sqs.subscription'].detail).toBe(`subscribed to ${TOPIC}, confirmed, raw message delivery off`);
    expect(r['sqs.redrive'].detail).toContain('received 20 times');
    expect(r['sqs.redrive'].detail).toContain('ecs-chatops-alarms-dlq');
    // Read only: the doctor changes nothing.
    expect(s.world.calls.map((c) => c.op).filter((op) => !/^(Get|List)/.test(op))).toEqual([]);
  });

  it('fails a queue SNS cannot deliver to, and one subscribed with raw delivery, each with the command that fixes it', async () => {
    const s = setup({ policy: 'none', sub: 'raw', redrive: false });
    const r = byKind(await s.run());
    expect(r['sqs.queue'].status).toBe('pass');
    expect(r['sqs.policy']).toMatchObject({ status: 'fail', ok: false });
    expect(r['sqs.policy'].detail).toContain('SNS drops its deliveries silently');
    expect(r['sqs.subscription'].status).toBe('fail');
    expect(r['sqs.subscription'].command).toMatch(
      /^aws sns set-subscription-attributes --subscription-arn arn:aws:sns:us-east-1:123456789012:ecs-alarms:\S+ --attribute-name RawMessageDelivery --attribute-value false$/,
    );
    expect(r['sqs.redrive'].status).toBe('warn');
    expect(r['sqs.redrive'].command).toContain(`--queue-url ${s.q.url}`);
  });

  it('fails a queue no topic delivers to, or whose subscription is pending', async () => {
    const none = byKind(await setup({ sub: 'none' }).run());
    expect(none['sqs.subscription'].status).toBe('fail');
    expect(none['sqs.subscription'].command).toBe(
      `aws sns subscribe --topic-arn ${TOPIC} --protocol sqs --notification-endpoint arn:aws:sqs:us-east-1:123456789012:ecs-chatops-alarms --attributes RawMessageDelivery=false`,
    );
    const pending = byKind(await setup({ sub: 'pending' }).run());
    expect(pending['sqs.subscription'].status).toBe('fail');
    expect(pending['sqs.subscription'].detail).toContain('pending confirmation');
  });

  it('warns about a policy that lets any topic send', async () => {
    const r = byKind(await setup({ policy: 'open' }).run());
    expect(r['sqs.policy'].status).toBe('warn');
    expect(r['sqs.policy'].detail).toContain('from any topic');
  });

  it('fails a queue that does not exist or the role may not read, and skips the rest', async () => {
    const s = setup({});
    s.world.sqs.queues.delete(s.q.url);
    const rs = await s.run();
    expect(rs.map((x) => x.status)).toEqual(['fail', 'skip', 'skip', 'skip']);
    expect(rs[0].detail).toContain('does not exist');
    const denied = setup({});
    denied.world.failNext('GetQueueAttributes', () =>
      Object.assign(new Error('not authorized to perform sqs:GetQueueAttributes'), { name: 'AccessDenied' }),
    );
    const d = await denied.run();
    expect(d[0].status).toBe('fail');
    expect(d[0].fix).toContain('Allow sqs:GetQueueAttributes');
  });

  it('expects no HTTPS subscription when alarms come through a queue and PUBLIC_URL is not set', async () => {
    const s = setup({});
    const r = await checkSubscription(s.config, { check: {} as CheckResult });
    expect(r).toMatchObject({ id: 'sns.subscription', status: 'skip' });
    expect(r.detail).toContain('SQS_QUEUE_URLS');
  });
});

describe('runDoctor with SQS_QUEUE_URLS', () => {
  it('reports each queue after the SNS checks', async () => {
    const s = setup({});
    const fake = await startFakeSlack();
    try {
      const report = await runDoctor({ config: s.config, slack: slackClient(fake), aws: s.aws });
      const ids = report.results.map((r) => r.id);
      expect(ids.slice(ids.indexOf('sns.subscription'))).toEqual([
        'sns.subscription',
        'sqs.queue:ecs-chatops-alarms',
        'sqs.policy:ecs-chatops-alarms',
        'sqs.subscription:ecs-chatops-alarms',
        'sqs.redrive:ecs-chatops-alarms',
      ]);
      expect(report.results.filter((r) => r.id.startsWith('sqs.')).map((r) => r.status)).toEqual([
        'pass',
        'pass',
        'pass',
        'pass',
      ]);
    } finally {
      await fake.stop();
    }
  });
});

describe('queuePolicyTopics', () => {
  const stmt = (condition: object, extra: object = {}) =>
    JSON.stringify({
      Statement: {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: ['sqs:SendMessage'],
        Condition: condition,
        ...extra,
      },
    });
  it('reads ArnEquals, ArnLike wildcards and StringEquals on aws:SourceArn', () => {
    expect(queuePolicyTopics(stmt({ ArnEquals: { 'aws:SourceArn': TOPIC } }), [TOPIC, OTHER])).toEqual({
      allowed: [TOPIC],
      open: false,
    });
    expect(
      queuePolicyTopics(stmt({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:*' } }), [TOPIC, OTHER])
        .allowed,
    ).toEqual([TOPIC, OTHER]);
    expect(queuePolicyTopics(stmt({ StringEquals: { 'aws:SourceArn': [OTHER] } }), [TOPIC, OTHER]).allowed).toEqual([
      OTHER,
    ]);
  });
  it('ignores denials, other principals and other actions, and survives malformed JSON', () => {
    expect(
      queuePolicyTopics(stmt({ ArnEquals: { 'aws:SourceArn': TOPIC } }, { Effect: 'Deny' }), [TOPIC]).allowed,
    ).toEqual([]);
    expect(
      queuePolicyTopics(
        stmt({ ArnEquals: { 'aws:SourceArn': TOPIC } }, { Principal: { Service: 'events.amazonaws.com' } }),
        [TOPIC],
      ).allowed,
    ).toEqual([]);
    expect(
      queuePolicyTopics(stmt({ ArnEquals: { 'aws:SourceArn': TOPIC } }, { Action: 'sqs:ReceiveMessage' }), [TOPIC])
        .allowed,
    ).toEqual([]);
    expect(queuePolicyTopics('{not json', [TOPIC])).toEqual({ allowed: [], open: false });
    expect(queuePolicyTopics(undefined, [TOPIC])).toEqual({ allowed: [], open: false });
  });
});
