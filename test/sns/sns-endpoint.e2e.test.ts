import { ConfirmSubscriptionCommand } from '@aws-sdk/client-sns';
import { CERT_URL, postSns, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { pendingTaskAlarm } from '../notifications/fixtures';

async function rejectedCount(t: AlarmBot, reason: string): Promise<number> {
  const m = await t.bot.ctx.metrics.snsMessages.get();
  return m.values.filter((v) => v.labels.outcome === `rejected:${reason}`).reduce((a, v) => a + v.value, 0);
}

describe('POST /sns over real HTTP', () => {
  let t: AlarmBot;
  beforeAll(async () => {
    t = await startAlarmBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  const alarm = () => pendingTaskAlarm({ at: t.clock.now() - 1000 });

  it.each(['1', '2'] as const)(
    'accepts a SignatureVersion %s notification, stores it, answers 200 before any Slack call',
    async (version) => {
      const chatCalls = () => t.slack.calls.filter((c) => c.method.startsWith('chat.')).length;
      const before = chatCalls();
      const env = t.signer.envelope({ message: alarm(), version, timestamp: t.clock.now() });
      const res = await postSns(t.url, env);
      expect(res.status).toBe(200);
      expect(await t.store.snsMessages.seen(env)).toBe(true);
      // Nothing reached Slack in the request: the outbox holds the card intent.
      expect(chatCalls()).toBe(before);
      expect((await t.store.outbox.list()).some((i) => i.kind === 'card')).toBe(true);
    },
  );

  it('reads the body whatever the Content-Type', async () => {
    const env = t.signer.envelope({ message: alarm(), timestamp: t.clock.now() });
    const res = await postSns(t.url, env, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
  });

  describe('refuses forged and malformed input with 4xx, before anything reaches Slack', () => {
    const cases: [string, (b: AlarmBot) => string, number, string][] = [
      [
        'a changed byte in Message',
        (b) => {
          const env = b.signer.envelope({ message: alarm(), timestamp: b.clock.now() });
          env.Message = env.Message.replace('"ALARM"', '"ALARN"');
          return JSON.stringify(env);
        },
        403,
        'bad_signature',
      ],
      [
        'a wrong signature',
        (b) => {
          const env = b.signer.envelope({ message: alarm(), timestamp: b.clock.now() });
          const sig = Buffer.from(env.Signature, 'base64');
          sig[10] ^= 0xff;
          env.Signature = sig.toString('base64');
          return JSON.stringify(env);
        },
        403,
        'bad_signature',
      ],
      [
        'a signature made for version 1 but sent as version 2',
        (b) => {
          const env = b.signer.envelope({ message: alarm(), timestamp: b.clock.now(), version: '1' });
          env.SignatureVersion = '2';
          return JSON.stringify(env);
        },
        403,
        'bad_signature',
      ],
      [
        'an unknown SignatureVersion',
        (b) => b.signer.body({ message: alarm(), timestamp: b.clock.now(), version: '3' }),
        400,
        'bad_signature_version',
      ],
      [
        'a cert URL on another host',
        (b) =>
          b.signer.body({
            message: alarm(),
            timestamp: b.clock.now(),
            certUrl: CERT_URL.replace('sns.us-east-1.amazonaws.com', 'sns.us-east-1.amazonaws.com.evil.example'),
          }),
        403,
        'bad_cert_url',
      ],
      [
        'a cert URL in an S3 bucket',
        (b) =>
          b.signer.body({
            message: alarm(),
            timestamp: b.clock.now(),
            certUrl: 'https://s3.amazonaws.com/bucket/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
          }),
        403,
        'bad_cert_url',
      ],
      [
        'a cert URL with a query string',
        (b) => b.signer.body({ message: alarm(), timestamp: b.clock.now(), certUrl: `${CERT_URL}?x=.pem` }),
        403,
        'bad_cert_url',
      ],
      [
        'a cert URL with a fragment',
        (b) => b.signer.body({ message: alarm(), timestamp: b.clock.now(), certUrl: `${CERT_URL}#x` }),
        403,
        'bad_cert_url',
      ],
      [
        'a cert URL on http',
        (b) =>
          b.signer.body({ message: alarm(), timestamp: b.clock.now(), certUrl: CERT_URL.replace('https:', 'http:') }),
        403,
        'bad_cert_url',
      ],
      [
        'a cert URL with a port',
        (b) =>
          b.signer.body({
            message: alarm(),
            timestamp: b.clock.now(),
            certUrl: CERT_URL.replace('amazonaws.com/', 'amazonaws.com:8443/'),
          }),
        403,
        'bad_cert_url',
      ],
      [
        'a cert URL with user info',
        (b) =>
          b.signer.body({
            message: alarm(),
            timestamp: b.clock.now(),
            certUrl: CERT_URL.replace('https://', 'https://me@'),
          }),
        403,
        'bad_cert_url',
      ],
      [
        'a topic not on the list',
        (b) =>
          b.signer.body({
            message: alarm(),
            timestamp: b.clock.now(),
            topicArn: 'arn:aws:sns:us-east-1:999999999999:someone-elses',
          }),
        403,
        'topic_not_allowed',
      ],
      ['a malformed body', () => '{"Type": "Notification", "Message": ', 400, 'malformed'],
      ['a JSON body that is not an envelope', () => JSON.stringify({ hello: 'world' }), 400, 'malformed'],
      [
        'an unknown Type',
        (b) =>
          JSON.stringify({ ...b.signer.envelope({ message: alarm(), timestamp: b.clock.now() }), Type: 'Surprise' }),
        400,
        'unknown_type',
      ],
      [
        'a replay older than 65 minutes',
        (b) => b.signer.body({ message: alarm(), timestamp: b.clock.now() - 66 * 60_000 }),
        400,
        'stale',
      ],
    ];

    it.each(cases)('%s', async (_name, build, status, reason) => {
      await t.drain();
      const slackBefore = t.slack.calls.length;
      const fetchedBefore = t.signer.fetched.length;
      const outboxBefore = (await t.store.outbox.list()).length;
      const rejectedBefore = await rejectedCount(t, reason);
      const res = await postSns(t.url, build(t));
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toBe(reason);
      expect(await rejectedCount(t, reason)).toBe(rejectedBefore + 1);
      expect((await t.store.outbox.list()).length).toBe(outboxBefore);
      await t.worker.runOnce();
      expect(t.slack.calls.slice(slackBefore).filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
      // The certificate URL of a message refused before verification is never fetched.
      if (reason !== 'bad_signature')
        expect(t.signer.fetched.slice(fetchedBefore).filter((u) => u !== CERT_URL)).toEqual([]);
    });
  });

  it('refuses raw message delivery (no signature) with a clear reason', async () => {
    const res = await postSns(t.url, JSON.stringify(alarm()), { 'x-amz-sns-rawdelivery': 'true' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('raw_delivery');
  });

  it('never lets a request choose a metric label', async () => {
    await postSns(t.url, 'not json', { 'x-amz-sns-message-type': 'Evil-1' });
    const m = await t.bot.ctx.metrics.snsMessages.get();
    expect(m.values.map((v) => v.labels.type)).not.toContain('Evil-1');
    expect(m.values.some((v) => v.labels.type === 'unknown' && v.labels.outcome === 'rejected:malformed')).toBe(true);
  });

  it('refuses a body over the size cap with 413', async () => {
    const res = await postSns(t.url, 'x'.repeat(1024 * 1024 + 10));
    expect(res.status).toBe(413);
  });

  it('fetches the signing certificate once and reuses the parsed key', async () => {
    const fetchedBefore = t.signer.fetched.length;
    for (let i = 0; i < 3; i++) expect((await t.notify(alarm())).status).toBe(200);
    expect(t.signer.fetched.length).toBe(fetchedBefore);
    expect(t.signer.fetched.filter((u) => u === CERT_URL).length).toBe(1);
  });

  it('never writes the signature or the subscription token to the logs', async () => {
    const env = t.signer.envelope({
      type: 'SubscriptionConfirmation',
      message: 'You have chosen to subscribe…',
      timestamp: t.clock.now(),
      topicArn: 'arn:aws:sns:us-east-1:999999999999:not-ours',
    });
    expect((await postSns(t.url, env)).status).toBe(403);
    expect(t.logs.text).not.toContain(env.Signature);
    expect(t.logs.text).not.toContain(env.Token as string);
  });
});

describe('subscription lifecycle', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('confirms an allowed topic with ConfirmSubscription (AuthenticateOnUnsubscribe) and tells the channel', async () => {
    t.sns.on(ConfirmSubscriptionCommand).resolves({ SubscriptionArn: `${TEST_TOPIC_ARN}:0f1e2d3c` });
    const env = t.signer.envelope({
      type: 'SubscriptionConfirmation',
      message: 'You have chosen to subscribe to the topic…',
      timestamp: t.clock.now(),
    });
    const res = await postSns(t.url, env);
    expect(res.status).toBe(200);
    const calls = t.sns.commandCalls(ConfirmSubscriptionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      TopicArn: TEST_TOPIC_ARN,
      Token: env.Token,
      AuthenticateOnUnsubscribe: 'true',
    });
    await t.drain();
    const notes = t.slack.messagesIn(ALARM_CHANNEL);
    expect(notes).toHaveLength(1);
    expect(notes[0].text).toContain('is now connected');
    expect(notes[0].text).toContain(TEST_TOPIC_ARN);
    // A resend of the same confirmation is recognised and does nothing more.
    expect((await postSns(t.url, env)).status).toBe(200);
    expect(t.sns.commandCalls(ConfirmSubscriptionCommand)).toHaveLength(1);
  });

  it('refuses a confirmation for a topic not on the list, calls no AWS API and logs it', async () => {
    const env = t.signer.envelope({
      type: 'SubscriptionConfirmation',
      message: 'subscribe?',
      timestamp: t.clock.now(),
      topicArn: 'arn:aws:sns:us-east-1:999999999999:not-ours',
    });
    const res = await postSns(t.url, env);
    expect(res.status).toBe(403);
    expect(t.sns.calls()).toHaveLength(0);
    expect(t.logs.records().some((r) => r.msg === 'SNS message refused' && r.reason === 'topic_not_allowed')).toBe(
      true,
    );
  });

  it('answers 503 (so SNS resends) when ConfirmSubscription fails', async () => {
    t.sns.on(ConfirmSubscriptionCommand).rejects(
      Object.assign(new Error('not authorized to perform sns:ConfirmSubscription'), {
        name: 'AuthorizationErrorException',
      }),
    );
    const env = t.signer.envelope({
      type: 'SubscriptionConfirmation',
      message: 'subscribe?',
      timestamp: t.clock.now(),
    });
    expect((await postSns(t.url, env)).status).toBe(503);
    expect(await t.store.snsMessages.seen(env)).toBe(false);
  });

  it('warns the channel on UnsubscribeConfirmation and never follows its URL', async () => {
    const env = t.signer.envelope({
      type: 'UnsubscribeConfirmation',
      message: 'You have chosen to deactivate subscription…',
      timestamp: t.clock.now(),
    });
    const res = await postSns(t.url, env);
    expect(res.status).toBe(200);
    expect(t.sns.calls()).toHaveLength(0);
    await t.drain();
    const notes = t.slack.messagesIn(ALARM_CHANNEL);
    expect(notes).toHaveLength(1);
    expect(notes[0].text).toContain('unsubscribed');
    expect(t.logs.records().some((r) => r.level === 'warn' && /unsubscribed/.test(r.msg))).toBe(true);
  });
});

describe('when the store is down', () => {
  it('answers 503 so SNS retries', async () => {
    const t = await startAlarmBot();
    try {
      await t.store.close();
      const res = await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toBe('store_unavailable');
    } finally {
      await t.bot.app.stop().catch(() => undefined);
      await t.slack.stop();
    }
  });
});

describe('SNS_VERIFY_SIGNATURES=false', () => {
  it('accepts an unsigned message from an emulator but warns at start and on every message', async () => {
    const t = await startAlarmBot({ env: { SNS_VERIFY_SIGNATURES: 'false' } });
    try {
      const startWarnings = t.logs
        .records()
        .filter((r) => r.level === 'warn' && /SNS_VERIFY_SIGNATURES=false/.test(r.msg)).length;
      expect(startWarnings).toBe(1);
      const env = {
        Type: 'Notification',
        MessageId: 'emu-1',
        TopicArn: TEST_TOPIC_ARN,
        Message: JSON.stringify(pendingTaskAlarm({ at: t.clock.now() })),
        Timestamp: new Date(t.clock.now()).toISOString(),
      };
      expect((await postSns(t.url, JSON.stringify(env))).status).toBe(200);
      expect((await postSns(t.url, JSON.stringify({ ...env, MessageId: 'emu-2' }))).status).toBe(200);
      const all = t.logs
        .records()
        .filter((r) => r.level === 'warn' && /SNS_VERIFY_SIGNATURES=false/.test(r.msg)).length;
      expect(all).toBe(startWarnings + 2);
      // The topic allow-list still applies.
      expect(
        (
          await postSns(
            t.url,
            JSON.stringify({ ...env, MessageId: 'emu-3', TopicArn: 'arn:aws:sns:us-east-1:999999999999:x' }),
          )
        ).status,
      ).toBe(403);
    } finally {
      await t.stop();
    }
  });
});
