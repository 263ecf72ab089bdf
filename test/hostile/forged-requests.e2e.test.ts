import http from 'node:http';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { canonicalString } from '../../src/sns/canonical';
import type { SnsEnvelope } from '../../src/sns/envelope';
import { ACTIONS } from '../../src/slack/actions';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { CERT_URL, postSns, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { buttonClick, commandBody, slackHeaders, TEST_SIGNING_SECRET } from '../helpers/slack-sign';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { MAX_SNS_BODY } from '../../src/alarms/sns-route';

const FORM = 'application/x-www-form-urlencoded';
const PEM_NAME = 'SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

/** What a refused request must not have caused: any Slack call, any response_url post, any AWS call. */
function sideEffects(slack: { calls: unknown[]; responses: unknown[] }, world: { calls: unknown[] }) {
  return { slack: slack.calls.length, responses: slack.responses.length, aws: world.calls.length };
}

describe('forged and malformed Slack requests', () => {
  let t: TestBot;
  let lab: ReturnType<typeof labWorld>;
  beforeAll(async () => {
    lab = labWorld();
    t = await startTestBot({
      aws: awsClientsFor(lab.world),
      clock: { now: () => lab.world.now },
      env: { APPROVERS: 'U0BOB' },
    });
    await t.slack.waitFor(() => t.slack.calls.some((c) => c.method === 'auth.test'), 5000, 'the start-up auth.test');
  });
  afterAll(async () => {
    await t.stop();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const statusBody = () => commandBody({ text: 'status EcsLabCluster', response_url: t.slack.responseUrl('forged') });
  const post = (body: string | Buffer, headers: Record<string, string>) =>
    fetch(`${t.url}/slack/events`, { method: 'POST', body, headers });

  const cases: [string, () => Promise<Response>, number][] = [
    [
      'signed with another secret',
      () => post(statusBody(), slackHeaders(statusBody(), FORM, { secret: 'not-the-signing-secret' })),
      401,
    ],
    [
      'no signature header',
      () => {
        const b = statusBody();
        const { 'x-slack-signature': _drop, ...h } = slackHeaders(b, FORM);
        return post(b, h);
      },
      401,
    ],
    [
      'no timestamp header',
      () => {
        const b = statusBody();
        const { 'x-slack-request-timestamp': _drop, ...h } = slackHeaders(b, FORM);
        return post(b, h);
      },
      401,
    ],
    [
      'a timestamp that is not a number',
      () => post(statusBody(), { ...slackHeaders(statusBody(), FORM), 'x-slack-request-timestamp': 'yesterday' }),
      401,
    ],
    [
      'correctly signed six minutes ago (a replay)',
      () => post(statusBody(), slackHeaders(statusBody(), FORM, { ts: now() - 360 })),
      401,
    ],
    [
      'the body changed after signing',
      () => {
        const signed = commandBody({ text: 'help', response_url: t.slack.responseUrl('forged') });
        return post(statusBody(), slackHeaders(signed, FORM));
      },
      401,
    ],
    [
      'an unknown signature version',
      () =>
        post(statusBody(), {
          ...slackHeaders(statusBody(), FORM),
          'x-slack-signature': slackHeaders(statusBody(), FORM)['x-slack-signature'].replace('v0=', 'v1='),
        }),
      401,
    ],
    [
      'a forged approve click',
      () => {
        const b = new URLSearchParams({
          payload: JSON.stringify(
            buttonClick({
              actionId: ACTIONS.changeApprove,
              value: '{"id":"abc"}',
              userId: 'U0BOB',
              responseUrl: t.slack.responseUrl('forged'),
            }),
          ),
        }).toString();
        return post(b, slackHeaders(b, FORM, { secret: 'guessed' }));
      },
      401,
    ],
    [
      'a forged reaction event',
      () => {
        const b = JSON.stringify({
          type: 'event_callback',
          team_id: 'T1',
          event: {
            type: 'reaction_added',
            user: 'U0EVE',
            reaction: 'white_check_mark',
            item: { type: 'message', channel: ALARM_CHANNEL, ts: '1.1' },
          },
        });
        return post(b, slackHeaders(b, 'application/json', { secret: 'guessed' }));
      },
      401,
    ],
    [
      'a correctly signed body over Bolt’s 4 MB limit',
      () => {
        const b = `${statusBody()}&pad=${'x'.repeat(4 * 1024 * 1024)}`;
        return post(b, slackHeaders(b, FORM));
      },
      413,
    ],
    [
      'a correctly signed body that is not JSON',
      () => post('{"type": "event_callback", ', slackHeaders('{"type": "event_callback", ', 'application/json')),
      400,
    ],
  ];

  it.each(cases)('%s: refused, and nothing reaches Slack or AWS', async (_name, send, status) => {
    const before = sideEffects(t.slack, lab.world);
    const res = await send();
    expect(res.status).toBe(status);
    await new Promise((r) => setTimeout(r, 50)); // room for any background work a wrongly accepted request would start
    expect(sideEffects(t.slack, lab.world)).toEqual(before);
  });

  it('the same command, correctly signed, does reach AWS and answers (the table above is not vacuous)', async () => {
    const before = sideEffects(t.slack, lab.world);
    const b = statusBody();
    expect((await post(b, slackHeaders(b, FORM))).status).toBe(200);
    await t.slack.waitFor(() => t.slack.responses.length > before.responses, 5000, 'the answer');
    expect(lab.world.calls.length).toBeGreaterThan(before.aws);
  });

  it('never logs the signing secret or a signature', async () => {
    const b = statusBody();
    const h = slackHeaders(b, FORM, { secret: 'not-the-signing-secret' });
    await post(b, h);
    expect(t.logs.text).not.toContain(TEST_SIGNING_SECRET);
    expect(t.logs.text).not.toContain(h['x-slack-signature'].slice(3));
  });
});

describe('forged and malformed SNS messages', () => {
  let t: AlarmBot;
  let lab: ReturnType<typeof labWorld>;
  beforeAll(async () => {
    lab = labWorld();
    lab.world.addTopic(TEST_TOPIC_ARN);
    t = await startAlarmBot({ aws: awsClientsFor(lab.world) });
    await t.slack.waitFor(() => t.slack.calls.some((c) => c.method === 'auth.test'), 5000, 'the start-up auth.test');
  });
  afterAll(async () => {
    await t.stop();
  });

  const alarm = () => pendingTaskAlarm({ at: t.clock.now() - 1000 });
  const signed = (o: Parameters<AlarmBot['signer']['envelope']>[0] = { message: alarm() }): SnsEnvelope =>
    t.signer.envelope({ timestamp: t.clock.now(), ...o });
  const tamper = (patch: Partial<Record<keyof SnsEnvelope, unknown>>, base = signed()) =>
    JSON.stringify({ ...base, ...patch });
  const withCert = (url: string) => JSON.stringify(signed({ message: alarm(), certUrl: url }));
  /** Signed with the attacker's own key while naming the genuine SNS certificate URL. */
  const attackerSigned = () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const env = signed();
    env.Signature = sign(
      'sha256',
      Buffer.from(canonicalString(env), 'utf8'),
      createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })),
    ).toString('base64');
    return JSON.stringify(env);
  };

  const cases: [string, () => string, number, string, Record<string, string>?][] = [
    [
      'Message changed after signing',
      () => tamper({ Message: JSON.stringify(pendingTaskAlarm({ state: 'OK', at: t.clock.now() })) }),
      403,
      'bad_signature',
    ],
    [
      'MessageId changed (to slip past deduplication)',
      () => tamper({ MessageId: 'f0f0f0f0-0000-4000-8000-000000000000' }),
      403,
      'bad_signature',
    ],
    [
      'Timestamp refreshed on an old message',
      () => tamper({ Timestamp: new Date(t.clock.now() + 1000).toISOString() }),
      403,
      'bad_signature',
    ],
    ['Subject added', () => tamper({ Subject: 'OK: "all good"' }), 403, 'bad_signature'],
    [
      'signed for another topic, TopicArn swapped to ours',
      () =>
        tamper(
          { TopicArn: TEST_TOPIC_ARN },
          signed({ message: alarm(), topicArn: 'arn:aws:sns:us-east-1:999999999999:theirs' }),
        ),
      403,
      'bad_signature',
    ],
    ['signed by another key, naming the SNS certificate', attackerSigned, 403, 'bad_signature'],
    ['signature emptied', () => tamper({ Signature: '' }), 403, 'bad_signature'],
    ['signature not base64', () => tamper({ Signature: '!!!not base64!!!' }), 403, 'bad_signature'],
    ['SignatureVersion 1 on a SHA-256 signature', () => tamper({ SignatureVersion: '1' }), 403, 'bad_signature'],
    ['SignatureVersion 3', () => tamper({ SignatureVersion: '3' }), 400, 'bad_signature_version'],
    ['SignatureVersion missing', () => tamper({ SignatureVersion: undefined }), 400, 'malformed'],
    ['a 500 KB Message nobody signed', () => tamper({ Message: 'A'.repeat(500 * 1024) }), 403, 'bad_signature'],
    ['a 5,000-character Subject', () => tamper({ Subject: 'S'.repeat(5000) }), 400, 'malformed'],
    ['MessageId is a number', () => tamper({ MessageId: 42 }), 400, 'malformed'],
    ['Message is an object', () => tamper({ Message: { AlarmName: 'x' } }), 400, 'malformed'],
    ['Signature is an array', () => tamper({ Signature: ['a', 'b'] }), 400, 'malformed'],
    ['Timestamp is a number', () => tamper({ Timestamp: Date.now() }), 400, 'malformed'],
    ['TopicArn is null', () => tamper({ TopicArn: null }), 400, 'malformed'],
    ['Timestamp is not a date', () => tamper({ Timestamp: 'tomorrow' }), 400, 'malformed'],
    ['not JSON', () => 'Type=Notification&Message=hi', 400, 'malformed'],
    ['a JSON array', () => '[{"Type":"Notification"}]', 400, 'malformed'],
    ['a JSON string', () => '"Notification"', 400, 'malformed'],
    ['JSON null', () => 'null', 400, 'malformed'],
    ['a quarter of a million nested arrays', () => '['.repeat(250_000) + ']'.repeat(250_000), 400, 'malformed'],
    [
      'five nested objects (an envelope nests at most three)',
      () => JSON.stringify({ ...signed(), MessageAttributes: { a: { Type: 'String', Value: { b: { c: {} } } } } }),
      400,
      'malformed',
    ],
    ['a hundred thousand small arrays side by side', () => `[${'[],'.repeat(100_000)}[]]`, 400, 'malformed'],
    [
      'Timestamp ten minutes in the future (would outlive its deduplication record)',
      () => JSON.stringify(signed({ message: alarm(), timestamp: t.clock.now() + 10 * 60_000 })),
      400,
      'future_timestamp',
    ],
    [
      "SigningCertURL on another region's SNS host (the topic is in us-east-1)",
      () => withCert(`https://sns.eu-west-1.amazonaws.com/${PEM_NAME}`),
      403,
      'bad_cert_url',
    ],
    [
      'SigningCertURL on the China partition for a commercial topic',
      () => withCert(`https://sns.us-east-1.amazonaws.com.cn/${PEM_NAME}`),
      403,
      'bad_cert_url',
    ],
    ['an unknown Type', () => tamper({ Type: 'Surprise' }), 400, 'unknown_type'],
    [
      'Type header says SubscriptionConfirmation',
      () => JSON.stringify(signed()),
      400,
      'header_mismatch',
      { 'x-amz-sns-message-type': 'SubscriptionConfirmation' },
    ],
    ['raw message delivery', () => JSON.stringify(alarm()), 400, 'raw_delivery', { 'x-amz-sns-rawdelivery': 'true' }],
    [
      'a topic not on the list',
      () => JSON.stringify(signed({ message: alarm(), topicArn: 'arn:aws:sns:us-east-1:999999999999:theirs' })),
      403,
      'topic_not_allowed',
    ],
    [
      'a 66-minute-old message (replay)',
      () => JSON.stringify(signed({ message: alarm(), timestamp: t.clock.now() - 66 * 60_000 })),
      400,
      'stale',
    ],
    [
      'a forged SubscriptionConfirmation whose SubscribeURL points at the metadata service',
      () => {
        const env = signed({ type: 'SubscriptionConfirmation', message: 'You have chosen to subscribe' });
        return JSON.stringify({
          ...env,
          SubscribeURL: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
        });
      },
      403,
      'bad_signature',
      { 'x-amz-sns-message-type': 'SubscriptionConfirmation' },
    ],
    [
      'a forged UnsubscribeConfirmation',
      () => JSON.stringify({ ...signed({ type: 'UnsubscribeConfirmation', message: 'unsubscribe' }), Token: 'forged' }),
      403,
      'bad_signature',
      { 'x-amz-sns-message-type': 'UnsubscribeConfirmation' },
    ],
    ...[
      `https://127.0.0.1/${PEM_NAME}`,
      `https://localhost/${PEM_NAME}`,
      `https://[::1]/${PEM_NAME}`,
      `https://2130706433/${PEM_NAME}`,
      `https://10.0.0.1/${PEM_NAME}`,
      `https://192.168.1.10/${PEM_NAME}`,
      'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
      `https://sns.us-east-1.amazonaws.com.127.0.0.1.nip.io/${PEM_NAME}`,
      `https://sns.us-east-1.amazonaws.com@127.0.0.1/${PEM_NAME}`,
      `https://sns.us-east-1.amazonaws.com:8443/${PEM_NAME}`,
      `http://sns.us-east-1.amazonaws.com/${PEM_NAME}`,
      `https://sns.us-east-1.amazonaws.com/${PEM_NAME}/../../latest/meta-data`,
      `https://sns.us-east-1.amazonaws.com/${PEM_NAME}\n`,
      `HTTPS://SNS.US-EAST-1.AMAZONAWS.COM/${PEM_NAME}`.replace(
        'SIMPLENOTIFICATIONSERVICE',
        'SimpleNotificationService',
      ),
      'file:///etc/passwd',
    ].map((url): [string, () => string, number, string] => [
      `SigningCertURL ${JSON.stringify(url)}`,
      () => withCert(url),
      403,
      'bad_cert_url',
    ]),
  ];

  // Every row gets its headers argument, so jest never mistakes the fifth parameter for a done callback.
  const rows = cases.map(
    ([name, build, status, reason, headers]) => [name, build, status, reason, headers ?? {}] as const,
  );
  it.each(rows)(
    '%s: refused with the right status, no Slack or AWS call, no foreign certificate fetch',
    async (_name, build, status, reason, headers) => {
      await t.drain();
      const before = sideEffects(t.slack, lab.world);
      const fetchedBefore = t.signer.fetched.length;
      const res = await postSns(t.url, build(), headers);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toBe(reason);
      await t.worker.runOnce();
      expect(sideEffects(t.slack, lab.world)).toEqual(before);
      expect(t.signer.fetched.slice(fetchedBefore).filter((u) => u !== CERT_URL)).toEqual([]);
      expect(await t.store.outbox.list()).toEqual([]);
    },
  );

  it('a body larger than SNS can send (256 KiB doubled by escaping, plus the envelope) is cut off with 413', async () => {
    const before = sideEffects(t.slack, lab.world);
    const res = await postSns(t.url, `{"Type":"Notification","Message":"${'x'.repeat(MAX_SNS_BODY)}"}`);
    expect(res.status).toBe(413);
    expect(sideEffects(t.slack, lab.world)).toEqual(before);
  });

  it('deep JSON is refused without ever being parsed, several at once, while /healthz keeps answering', async () => {
    const deep = Buffer.from('['.repeat(250_000) + ']'.repeat(250_000));
    const parse = jest.spyOn(JSON, 'parse');
    try {
      // Eight deep bodies, each held open after its first half so they are all in flight together.
      const posts = Array.from({ length: 8 }, () => {
        const req = http.request(`${t.url}/sns`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=UTF-8', 'content-length': deep.length },
        });
        const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
          req.on('response', (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
        });
        req.write(deep.subarray(0, deep.length / 2));
        return { req, answer };
      });
      const settled: string[] = [];
      for (const [i, p] of posts.entries()) void p.answer.then(() => settled.push(`sns ${i}`));
      const health = await fetch(`${t.url}/healthz`);
      expect(health.status).toBe(200);
      expect(settled).toEqual([]); // /healthz answered while every deep body was still in flight
      for (const p of posts) p.req.end(deep.subarray(deep.length / 2));
      for (const p of posts) {
        const r = await p.answer;
        expect(r.status).toBe(400);
        expect(JSON.parse(r.body)).toEqual({ error: 'malformed' });
      }
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      // Refused by the linear scan: JSON.parse never saw a deep body.
      expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.startsWith('[[['))).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });

  it('genuine messages do cause the calls the table says forged ones never cause', async () => {
    const confirm = signed({ type: 'SubscriptionConfirmation', message: 'You have chosen to subscribe' });
    expect((await postSns(t.url, confirm)).status).toBe(200);
    expect(lab.world.callsTo('ConfirmSubscription')).toHaveLength(1);
    expect((await postSns(t.url, signed())).status).toBe(200);
    await t.drain();
    expect(t.slack.callsTo('chat.postMessage').length).toBeGreaterThan(0);
  });
});
