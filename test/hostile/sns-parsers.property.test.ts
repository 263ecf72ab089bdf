import fc from 'fast-check';
import { parseEnvelope, type SnsEnvelope } from '../../src/sns/envelope';
import { SnsRejectedError, SnsUnavailableError } from '../../src/sns/errors';
import { PublicKeyCache } from '../../src/sns/key-cache';
import { SnsVerifier } from '../../src/sns/verifier';
import { parseNotification } from '../../src/notifications/parse';
import { CERT_URL, SnsSigner, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { pendingTaskAlarm, placementFailure } from '../notifications/fixtures';

/**
 * Property-based: whatever arrives at POST /sns — any bytes, any JSON, a genuine envelope with any
 * field replaced by any value — the envelope parser and the verifier either accept it or refuse it
 * with a typed reason; the notification parser turns any Message into a notification. Never another
 * exception, never a rejection other than the typed ones, never a certificate fetch for a URL outside
 * the SNS pattern, and never acceptance of a signed field that was changed.
 */

const NOW = Date.UTC(2026, 10, 28, 3, 0, 0);
const FIELDS = [
  'Type',
  'MessageId',
  'TopicArn',
  'Subject',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
  'UnsubscribeURL',
  'Token',
  'SubscribeURL',
];
const SIGNED = ['MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp', 'Type'];

/** Any JSON value, strings weighted toward the shapes SNS fields take. */
const jsonValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    '',
    'Notification',
    'SubscriptionConfirmation',
    '1',
    '2',
    CERT_URL,
    TEST_TOPIC_ARN,
    'https://127.0.0.1/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

function expectTyped(err: unknown): void {
  if (!(err instanceof SnsRejectedError) && !(err instanceof SnsUnavailableError)) throw err;
  if (err instanceof SnsRejectedError) expect([400, 403]).toContain(err.status);
}

describe('SNS envelope parser and verifier under hostile input (property-based)', () => {
  let signer: SnsSigner;
  let verifier: SnsVerifier;
  const fetched: string[] = [];
  beforeAll(async () => {
    signer = await SnsSigner.create();
    const keys = new PublicKeyCache({
      fetch: async (url) => {
        fetched.push(url);
        return signer.fetchCertificate(url);
      },
    });
    verifier = new SnsVerifier({
      topicArns: [TEST_TOPIC_ARN],
      verifySignatures: true,
      keys,
      clock: { now: () => NOW },
    });
  });

  const genuine = (): SnsEnvelope =>
    signer.envelope({ message: pendingTaskAlarm({ at: NOW - 1000 }), subject: 'ALARM: "x"', timestamp: NOW - 1000 });

  it('any string body: parseEnvelope returns an envelope of strings or throws SnsRejectedError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.json({ maxDepth: 3 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        ),
        (raw) => {
          try {
            const env = parseEnvelope(raw);
            for (const k of FIELDS)
              if (k in env && (env as unknown as Record<string, unknown>)[k] !== undefined)
                expect(typeof (env as unknown as Record<string, unknown>)[k]).toBe('string');
          } catch (e) {
            expect(e).toBeInstanceOf(SnsRejectedError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a genuine envelope with fields replaced by any JSON value: verify resolves or rejects with a typed error, and never fetches a foreign URL', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...FIELDS, 'Extra'), jsonValue, { minKeys: 1, maxKeys: 4 }),
        fc.option(fc.constantFrom('Notification', 'SubscriptionConfirmation', 'x'.repeat(100)), { nil: undefined }),
        async (patch, header) => {
          const body = JSON.stringify({ ...genuine(), ...patch });
          try {
            await verifier.verify(body, { messageType: header });
          } catch (e) {
            expectTyped(e);
          }
          expect(fetched.filter((u) => u !== CERT_URL)).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('changing any signed field of a genuine notification to any other string is never accepted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SIGNED), fc.string({ maxLength: 60 }), async (field, value) => {
        const env = genuine() as unknown as Record<string, string>;
        fc.pre(env[field] !== value);
        if (field === 'Type')
          fc.pre(
            value === 'Notification' || value === 'SubscriptionConfirmation' || value === 'UnsubscribeConfirmation',
          );
        const forged = { ...env, [field]: value };
        await expect(verifier.verify(JSON.stringify(forged))).rejects.toBeInstanceOf(SnsRejectedError);
      }),
      { numRuns: 300 },
    );
  });

  it('a genuine envelope still verifies (the properties above are not vacuous)', async () => {
    const env = genuine();
    await expect(verifier.verify(JSON.stringify(env), { messageType: 'Notification' })).resolves.toMatchObject({
      MessageId: env.MessageId,
    });
  });
});

describe('notification parser under hostile input (property-based)', () => {
  const STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA', 'INFO'];
  const input = (Message: string) => ({
    Message,
    MessageId: 'm-1',
    TopicArn: TEST_TOPIC_ARN,
    Timestamp: new Date(NOW).toISOString(),
    Subject: 'ALARM: "x"',
  });

  function expectNotification(n: ReturnType<typeof parseNotification>): void {
    expect(typeof n.key).toBe('string');
    expect(n.key.length).toBeGreaterThan(0);
    expect(typeof n.name).toBe('string');
    expect(STATES).toContain(n.state);
    expect(typeof n.summary).toBe('string');
    expect(Number.isFinite(n.at)).toBe(true);
  }

  it('any Message string becomes a notification (a raw card at worst), never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 500 }), fc.json({ maxDepth: 4 })), (message) => {
        expectNotification(parseNotification(input(message), NOW));
      }),
      { numRuns: 3000 },
    );
  });

  it('a CloudWatch alarm or ECS event with any field set to any JSON value still parses', () => {
    const alarm = pendingTaskAlarm({ at: NOW }) as Record<string, unknown>;
    const event = placementFailure() as Record<string, unknown>;
    const alarmKeys = [
      ...Object.keys(alarm),
      'Trigger.Dimensions',
      'Trigger.Metrics',
      'TriggeringChildren',
      'AlarmRule',
    ];
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.dictionary(
          fc.constantFrom(...alarmKeys, ...Object.keys(event), 'detail.reason', 'detail.eventName'),
          fc.jsonValue({ maxDepth: 2 }),
          { minKeys: 1, maxKeys: 5 },
        ),
        (useAlarm, patch) => {
          const base = structuredClone(useAlarm ? alarm : event) as Record<string, any>;
          for (const [k, v] of Object.entries(patch)) {
            const [head, tail] = k.split('.');
            if (tail) {
              if (base[head] && typeof base[head] === 'object') base[head][tail] = v;
            } else base[head] = v;
          }
          expectNotification(parseNotification(input(JSON.stringify(base)), NOW));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
