import { Client } from 'pg';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { AwsWorld } from '../helpers/aws-world';
import { eventually } from '../helpers/eventually';
import { FakeSqs, type FQueue } from '../helpers/fake-sqs';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { metric } from '../helpers/prom';
import { buttonClick } from '../helpers/slack-sign';
import { ACTIONS } from '../../src/slack/actions';
import { postSns, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { TEST_PG_URL } from '../helpers/stores';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';
import { cardsOf } from '../faults/alarm-views';
import { TcpProxy } from '../faults/tcp-proxy';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { testSigner } from './helpers';

/**
 * Alarms through SQS, end to end: SNS delivers the signed envelope to a queue (raw delivery off), the
 * bot long-polls it, and every body takes the same path as POST /sns. Real bot, real store, the fake
 * world's stateful SQS behind the SDK client.
 */
interface Lab {
  world: AwsWorld;
  queue: FQueue;
  dlq: FQueue;
  slack: FakeSlack;
}

async function lab(o: { maxReceiveCount?: number } = {}): Promise<Lab> {
  const world = new AwsWorld(Date.now());
  world.snsSigner = await testSigner();
  const dlq = world.sqs.createQueue('ecs-alarms-dlq');
  const queue = world.sqs.createQueue('ecs-alarms', {
    deadLetter: dlq,
    maxReceiveCount: o.maxReceiveCount ?? 5,
    visibilityTimeout: 30,
  });
  queue.policy = FakeSqs.topicPolicy(queue, TEST_TOPIC_ARN);
  world.subscribeQueue(TEST_TOPIC_ARN, queue);
  return { world, queue, dlq, slack: await startFakeSlack() };
}

/** Ends the lab's long polls and stops its fake Slack. */
async function closeLab(l: Lab): Promise<void> {
  l.world.sqs.close();
  await l.slack.stop();
}

async function bot(l: Lab, env: Record<string, string> = {}): Promise<TestBot> {
  const signer = await testSigner();
  return startTestBot({
    slack: l.slack,
    aws: awsClientsFor(l.world),
    env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, SQS_QUEUE_URLS: l.queue.url, LOG_LEVEL: 'info', ...env },
    inject: { fetchCertificate: signer.fetchCertificate, sqs: { backoffMs: 20, maxBackoffMs: 200 } },
  });
}

const alarm = (name: string) => pendingTaskAlarm({ name, at: Date.now() - 1000 });
const cards = (l: Lab, name: string) => cardsOf(l.slack, ALARM_CHANNEL, name);
const sqsCount = async (t: TestBot, outcome: string) =>
  (await metric(t.url, 'ecs_chatops_sqs_messages_total', { queue: 'ecs-alarms', outcome })) ?? 0;

describe('alarms from an SQS queue', () => {
  let l: Lab;
  const bots: TestBot[] = [];
  beforeEach(async () => {
    l = await lab();
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.stop().catch(() => undefined);
    await closeLab(l);
  });

  it('posts one card for an alarm published to the topic and deletes the message once stored', async () => {
    const t = await bot(l);
    bots.push(t);
    const env = l.world.publish(TEST_TOPIC_ARN, alarm('via-sqs'));
    await eventually(() => cards(l, 'via-sqs').length === 1, 'the card');
    await eventually(() => l.queue.deleted.includes(l.queue.deleted[0]) && l.queue.messages.length === 0, 'delete');
    expect(l.queue.deleted).toHaveLength(1);
    expect(l.world.callsTo('DeleteMessageBatch')).toHaveLength(1);
    expect(l.world.callsTo('DeleteMessage')).toHaveLength(0);
    const receive = l.world.callsTo('ReceiveMessage')[0].input;
    expect(receive).toMatchObject({ QueueUrl: l.queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 });
    expect(await sqsCount(t, 'stored')).toBe(1);
    // The same dedup row as /sns: the envelope's own (Timestamp, MessageId).
    expect(await t.store.snsMessages.seen(env)).toBe(true);
    expect(
      await metric(t.url, 'ecs_chatops_sqs_last_receive_timestamp_seconds', {
        queue: 'ecs-alarms',
      }),
    ).toBeGreaterThan(0);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it('a message SQS delivers twice posts once, and both copies are deleted', async () => {
    const env = l.world.publish(TEST_TOPIC_ARN, alarm('twice'));
    l.world.sqs.send(l.queue.url, JSON.stringify(env));
    const t = await bot(l);
    bots.push(t);
    await eventually(() => l.queue.messages.length === 0 && l.queue.deleted.length === 2, 'both deleted');
    await eventually(() => cards(l, 'twice').length === 1, 'the card');
    expect(await sqsCount(t, 'stored')).toBe(1);
    expect(await sqsCount(t, 'duplicate')).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(cards(l, 'twice')).toHaveLength(1);
  });

  it('the same envelope through POST /sns and through the queue posts once', async () => {
    const t = await bot(l);
    bots.push(t);
    const env = l.world.publish(TEST_TOPIC_ARN, alarm('both-paths'));
    const res = await postSns(t.url, env);
    expect(res.status).toBe(200);
    await eventually(() => l.queue.deleted.length === 1, 'the queue copy deleted');
    await eventually(() => cards(l, 'both-paths').length === 1, 'the card');
    const outcomes = [await sqsCount(t, 'stored'), await sqsCount(t, 'duplicate')];
    expect(outcomes[0] + outcomes[1]).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(cards(l, 'both-paths')).toHaveLength(1);
  });

  it('a forged or malformed body is counted, logged and deleted, and never makes a card', async () => {
    const t = await bot(l);
    bots.push(t);
    const signer = await testSigner();
    const forged = signer.envelope({ message: alarm('forged'), topicArn: TEST_TOPIC_ARN });
    forged.Message = JSON.stringify(alarm('forged-changed'));
    l.world.sqs.send(l.queue.url, JSON.stringify(forged));
    l.world.sqs.send(l.queue.url, 'not an envelope');
    const otherTopic = signer.envelope({
      message: alarm('other-topic'),
      topicArn: 'arn:aws:sns:us-east-1:123456789012:someone-elses',
    });
    l.world.sqs.send(l.queue.url, JSON.stringify(otherTopic));
    await eventually(() => l.queue.deleted.length === 3 && l.queue.messages.length === 0, 'all three deleted');
    expect(await sqsCount(t, 'rejected:bad_signature')).toBe(1);
    expect(await sqsCount(t, 'rejected:malformed')).toBe(1);
    expect(await sqsCount(t, 'rejected:topic_not_allowed')).toBe(1);
    expect(
      await metric(t.url, 'ecs_chatops_sns_messages_total', {
        type: 'unknown',
        outcome: 'rejected:bad_signature',
      }),
    ).toBe(1);
    const refused = t.logs
      .records()
      .filter((r) => r.msg === 'SQS message refused and deleted (it would never be accepted)');
    expect(refused.map((r) => r.reason).sort()).toEqual(['bad_signature', 'malformed', 'topic_not_allowed']);
    expect(refused.find((r) => r.reason === 'malformed').hint).toMatch(/raw message delivery/);
    await new Promise((r) => setTimeout(r, 200));
    expect(l.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
    expect(l.dlq.messages).toHaveLength(0);
  });

  it('a message too old for the replay window is left for the dead-letter queue, not deleted', async () => {
    // A lab of its own: the one beforeEach made is closed first, or its fake Slack would keep Jest alive.
    await closeLab(l);
    l = await lab({ maxReceiveCount: 2 });
    const t = await bot(l);
    bots.push(t);
    const signer = await testSigner();
    const old = signer.envelope({
      message: alarm('old'),
      topicArn: TEST_TOPIC_ARN,
      timestamp: Date.now() - 2 * 3600_000,
    });
    l.world.sqs.send(l.queue.url, JSON.stringify(old));
    await eventually(() => l.queue.messages[0]?.receiveCount === 1, 'first receive');
    l.world.sqs.advance(31_000);
    await eventually(() => l.queue.messages[0]?.receiveCount === 2, 'second receive');
    l.world.sqs.advance(31_000);
    await eventually(() => l.dlq.messages.length === 1, 'moved to the dead-letter queue');
    expect(l.queue.deleted).toHaveLength(0);
    expect(await sqsCount(t, 'left:stale')).toBe(2);
    expect(cards(l, 'old')).toHaveLength(0);
  });

  it('a failed receive is counted and retried after a back-off', async () => {
    l.world.failNext('ReceiveMessage', () => Object.assign(new Error('denied'), { name: 'AccessDenied' }), 3);
    const t = await bot(l);
    bots.push(t);
    l.world.publish(TEST_TOPIC_ARN, alarm('after-errors'));
    await eventually(() => cards(l, 'after-errors').length === 1, 'the card after the errors');
    expect(
      await metric(t.url, 'ecs_chatops_sqs_receive_errors_total', {
        queue: 'ecs-alarms',
        error: 'AccessDenied',
      }),
    ).toBe(3);
    expect(l.queue.messages).toHaveLength(0);
  });

  it('/readyz fails while a queue cannot be received from, and recovers with the next successful receive', async () => {
    const signer = await testSigner();
    const t = await startTestBot({
      slack: l.slack,
      aws: awsClientsFor(l.world),
      env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, SQS_QUEUE_URLS: l.queue.url, LOG_LEVEL: 'info' },
      inject: {
        fetchCertificate: signer.fetchCertificate,
        sqs: { backoffMs: 20, maxBackoffMs: 50, staleMs: 3000, waitSeconds: 1 },
      },
    });
    bots.push(t);
    await eventually(
      async () => (await metric(t.url, 'ecs_chatops_sqs_last_receive_timestamp_seconds', { queue: 'ecs-alarms' })) ?? 0,
      'a first receive',
    );
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    // The queue goes away (deleted, or the role lost sqs:ReceiveMessage).
    l.world.sqs.queues.delete(l.queue.url);
    const down = await eventually(async () => {
      const r = await fetch(`${t.url}/readyz`);
      return r.status === 503 ? ((await r.json()) as { reason: string }) : undefined;
    }, '/readyz 503');
    expect(down.reason).toMatch(/SQS queue ecs-alarms: no successful receive for \d+s/);
    expect(
      await metric(t.url, 'ecs_chatops_sqs_receive_errors_total', { queue: 'ecs-alarms', error: 'QueueDoesNotExist' }),
    ).toBeGreaterThan(0);
    l.world.sqs.queues.set(l.queue.url, l.queue);
    await eventually(async () => (await fetch(`${t.url}/readyz`)).status === 200, '/readyz 200 again');
  });

  it('a partial DeleteMessageBatch failure is logged; the message comes back and is ignored as a duplicate', async () => {
    l.world.publish(TEST_TOPIC_ARN, alarm('partial-a'));
    l.world.publish(TEST_TOPIC_ARN, alarm('partial-b'));
    // SQS refuses the delete of the first message of the first batch, once.
    const receive = l.world.sqs.receive.bind(l.world.sqs);
    let armed = true;
    l.world.sqs.receive = async (input) => {
      const out = await receive(input);
      if (armed && out.Messages?.length) {
        armed = false;
        l.world.sqs.refuseDelete.add(out.Messages[0].ReceiptHandle);
      }
      return out;
    };
    const t = await bot(l, { SQS_POLLERS_PER_QUEUE: '1' });
    bots.push(t);
    await eventually(() => l.queue.deleted.length === 1, 'one deleted');
    await eventually(async () => (await sqsCount(t, 'delete_failed')) === 1, 'the failure counted');
    expect(l.queue.messages).toHaveLength(1);
    expect(
      t.logs
        .records()
        .filter((r) => r.msg.startsWith('SQS did not delete a handled message'))
        .map((r) => r.code),
    ).toEqual(['InternalError']);
    l.world.sqs.advance(31_000);
    await eventually(() => l.queue.messages.length === 0, 'the refused one deleted on its second delivery');
    expect(await sqsCount(t, 'duplicate')).toBe(1);
    await eventually(() => cards(l, 'partial-a').length === 1 && cards(l, 'partial-b').length === 1, 'both cards');
  });

  it('stopping the bot ends its long polls at once and leaves what it has not taken', async () => {
    const t = await bot(l);
    await eventually(() => l.world.callsTo('ReceiveMessage').length >= 2, 'polls waiting');
    const stopped = Date.now();
    await t.stop();
    // Long polls wait 20 s; stopping did not wait for them.
    expect(Date.now() - stopped).toBeLessThan(15_000);
    const calls = l.world.callsTo('ReceiveMessage').length;
    await new Promise((r) => setTimeout(r, 100));
    expect(l.world.callsTo('ReceiveMessage')).toHaveLength(calls);
  });
});

describe('no inbound endpoint: Slack over Socket Mode, alarms from SQS', () => {
  it('an alarm from the queue makes a card, and its Acknowledge click arrives over the socket; /slack/events does not exist', async () => {
    const l = await lab();
    const signer = await testSigner();
    const t = await startTestBot({
      transport: 'socket',
      slack: l.slack,
      aws: awsClientsFor(l.world),
      env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, SQS_QUEUE_URLS: l.queue.url, LOG_LEVEL: 'info' },
      inject: { fetchCertificate: signer.fetchCertificate, sqs: { backoffMs: 20, maxBackoffMs: 200 } },
    });
    try {
      expect(t.config.slack.signingSecret).toBeUndefined();
      l.world.publish(TEST_TOPIC_ARN, alarm('socket-and-sqs'));
      const [card] = await eventually(() => {
        const c = cards(l, 'socket-and-sqs');
        return c.length === 1 ? c : undefined;
      }, 'the card');
      await eventually(() => l.queue.deleted.length === 1, 'the message deleted');
      const ack = card.blocks
        ?.find((b: any) => b.type === 'actions')
        .elements.find((e: any) => e.action_id === ACTIONS.alarmAck);
      const answer = await t.transport.interaction(
        buttonClick({
          actionId: ACTIONS.alarmAck,
          value: ack.value,
          responseUrl: l.slack.responseUrl(),
          messageTs: card.ts,
          userId: 'U0BOB',
        }),
      );
      expect(answer.status).toBe(200);
      await eventually(
        () => JSON.stringify(cards(l, 'socket-and-sqs')[0].blocks).includes('Acknowledged by <@U0BOB>'),
        'the card acknowledged',
      );
      // Only health and metrics listen; Slack's request URL is not served at all.
      expect((await fetch(`${t.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    } finally {
      await t.stop();
      await closeLab(l);
    }
  });
});

describe('alarms from SQS on PostgreSQL', () => {
  let l: Lab;
  let schema: string;
  const bots: TestBot[] = [];
  let proxy: TcpProxy | undefined;
  beforeEach(async () => {
    l = await lab();
    schema = `sqs_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.stop().catch(() => undefined);
    await proxy?.stop();
    proxy = undefined;
    await closeLab(l);
    const c = new Client({ connectionString: TEST_PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  const pgUrl = (port?: number) => {
    const u = new URL(TEST_PG_URL);
    if (port) u.port = String(port);
    u.searchParams.set('schema', schema);
    return u.toString();
  };

  it('two replicas polling one queue post each alarm once', async () => {
    const a = await bot(l, { DATABASE_URL: pgUrl() });
    bots.push(a);
    const b = await bot(l, { DATABASE_URL: pgUrl() });
    bots.push(b);
    const names = Array.from({ length: 8 }, (_, i) => `replica-${i}`);
    const envs = names.map((n) => l.world.publish(TEST_TOPIC_ARN, alarm(n)));
    // SQS is at-least-once: a few come twice, and may reach both replicas at once.
    for (const env of envs.slice(0, 4)) l.world.sqs.send(l.queue.url, JSON.stringify(env));
    await eventually(() => l.queue.messages.length === 0 && l.queue.deleted.length === 12, 'all deleted', 20_000);
    await eventually(() => names.every((n) => cards(l, n).length === 1), 'every card', 20_000);
    const stored = (await sqsCount(a, 'stored')) + (await sqsCount(b, 'stored'));
    const dup = (await sqsCount(a, 'duplicate')) + (await sqsCount(b, 'duplicate'));
    expect(stored).toBe(8);
    expect(dup).toBe(4);
    await new Promise((r) => setTimeout(r, 200));
    for (const n of names) expect(cards(l, n)).toHaveLength(1);
  }, 60_000);

  it('store down: the message is not deleted, SQS delivers it again, and it is stored once the store is back', async () => {
    const target = new URL(TEST_PG_URL);
    proxy = await new TcpProxy(Number(target.port || 5432), target.hostname).start();
    const t = await bot(l, { DATABASE_URL: pgUrl(proxy.port) });
    bots.push(t);
    await proxy.cut();
    l.world.publish(TEST_TOPIC_ARN, alarm('while-down'));
    await eventually(async () => (await sqsCount(t, 'left:store_unavailable')) >= 1, 'left while the store is down');
    expect(l.queue.deleted).toHaveLength(0);
    expect(l.queue.messages).toHaveLength(1);
    expect(l.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
    await proxy.restore();
    l.world.sqs.advance(31_000);
    await eventually(() => l.queue.deleted.length === 1, 'deleted after the store came back', 20_000);
    await eventually(() => cards(l, 'while-down').length === 1, 'the card', 20_000);
    expect(l.queue.messages).toHaveLength(0);
    expect(l.dlq.messages).toHaveLength(0);
  }, 60_000);
});
