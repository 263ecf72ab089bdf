import Validator from 'sns-payload-validator';
import { canonicalString } from '../../src/sns/canonical';
import { CertificateFetchError, httpsCertificateFetcher } from '../../src/sns/cert-fetch';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { generate } from 'selfsigned';
import { certificateNamesHost, expectedCertHost, isSigningCertUrl } from '../../src/sns/cert-url';
import { exceedsEnvelopeShape, parseEnvelope, type SnsEnvelope } from '../../src/sns/envelope';
import { SnsRejectedError, SnsUnavailableError } from '../../src/sns/errors';
import { PublicKeyCache } from '../../src/sns/key-cache';
import { SnsVerifier } from '../../src/sns/verifier';
import { CERT_URL, SnsSigner, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { ManualClock } from '../approvals/fixtures';

const NOW = Date.parse('2024-05-01T10:00:00Z');
const clock = { now: () => NOW };
let signer: SnsSigner;

beforeAll(async () => {
  signer = await SnsSigner.create();
});

function verifier(o: Partial<ConstructorParameters<typeof SnsVerifier>[0]> = {}) {
  return new SnsVerifier({
    topicArns: [TEST_TOPIC_ARN],
    verifySignatures: true,
    keys: new PublicKeyCache({ fetch: signer.fetchCertificate }),
    clock,
    ...o,
  });
}

async function rejection(p: Promise<unknown>): Promise<SnsRejectedError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SnsRejectedError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('canonical string to sign', () => {
  const base = {
    MessageId: 'id-1',
    TopicArn: TEST_TOPIC_ARN,
    Message: 'line 1\nline 2',
    Timestamp: '2024-05-01T10:00:00.000Z',
    SignatureVersion: '2',
    Signature: 'x',
    SigningCertURL: CERT_URL,
  };

  it('Notification: Message, MessageId, Subject, Timestamp, TopicArn, Type with a trailing newline', () => {
    const s = canonicalString({ ...base, Type: 'Notification', Subject: 'Hi' });
    expect(s).toBe(
      `Message\nline 1\nline 2\nMessageId\nid-1\nSubject\nHi\nTimestamp\n2024-05-01T10:00:00.000Z\nTopicArn\n${TEST_TOPIC_ARN}\nType\nNotification\n`,
    );
  });

  it('Notification without Subject leaves the key out', () => {
    expect(canonicalString({ ...base, Type: 'Notification' })).not.toContain('Subject');
  });

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)(
    '%s signs SubscribeURL and Token',
    (Type) => {
      const s = canonicalString({
        ...base,
        Type,
        Token: 'tok',
        SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
      });
      expect(s).toBe(
        `Message\nline 1\nline 2\nMessageId\nid-1\nSubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\nTimestamp\n2024-05-01T10:00:00.000Z\nToken\ntok\nTopicArn\n${TEST_TOPIC_ARN}\nType\n${Type}\n`,
      );
    },
  );
});

describe('the test signer agrees with an independent verifier (sns-payload-validator)', () => {
  it.each([
    ['Notification', '1'],
    ['Notification', '2'],
    ['SubscriptionConfirmation', '2'],
    ['UnsubscribeConfirmation', '1'],
  ] as const)('%s v%s', async (type, version) => {
    const v = new Validator();
    (v as unknown as { certCache: { set(k: string, v: string): void } }).certCache.set(CERT_URL, signer.certPem);
    const env = signer.envelope({
      type,
      version,
      message: 'hello\nworld',
      subject: type === 'Notification' ? 'subj' : undefined,
      timestamp: NOW,
    });
    await expect(v.validate(JSON.stringify(env))).resolves.toMatchObject({ MessageId: env.MessageId });
    await expect(verifier().verify(JSON.stringify(env))).resolves.toMatchObject({
      MessageId: env.MessageId,
      Type: type,
    });
  });
});

describe('SnsVerifier', () => {
  it('accepts v1 and v2 of all three types', async () => {
    for (const type of ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const) {
      for (const version of ['1', '2'] as const) {
        const env = signer.envelope({ type, version, message: '{"a":1}', timestamp: NOW });
        await expect(verifier().verify(JSON.stringify(env))).resolves.toEqual(env);
      }
    }
  });

  it('checks the topic and the age before fetching any certificate', async () => {
    const fetch = jest.fn(signer.fetchCertificate);
    const v = verifier({ keys: new PublicKeyCache({ fetch }) });
    const other = signer.body({
      message: 'x',
      timestamp: NOW,
      topicArn: 'arn:aws:sns:us-east-1:999999999999:x',
      certUrl: CERT_URL,
    });
    expect((await rejection(v.verify(other))).reason).toBe('topic_not_allowed');
    const old = signer.body({ message: 'x', timestamp: NOW - 66 * 60_000 });
    expect((await rejection(v.verify(old))).reason).toBe('stale');
    const badUrl = signer.body({
      message: 'x',
      timestamp: NOW,
      certUrl:
        'https://sns.us-east-1.amazonaws.com.attacker.net/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    });
    expect((await rejection(v.verify(badUrl))).reason).toBe('bad_cert_url');
    expect(fetch).not.toHaveBeenCalled();
  });

  it("refuses a certificate URL on another region's SNS host than the topic's, without fetching it", async () => {
    const fetch = jest.fn(signer.fetchCertificate);
    const v = verifier({ keys: new PublicKeyCache({ fetch }) });
    for (const host of [
      'sns.eu-west-1.amazonaws.com',
      'sns.us-east-2.amazonaws.com',
      'sns.us-east-1.amazonaws.com.cn',
    ]) {
      const body = signer.body({
        message: 'x',
        timestamp: NOW,
        certUrl: `https://${host}/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem`,
      });
      expect((await rejection(v.verify(body))).reason).toBe('bad_cert_url');
    }
    expect(fetch).not.toHaveBeenCalled();
    await expect(v.verify(signer.body({ message: 'x', timestamp: NOW }))).resolves.toBeDefined();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['arn:aws:sns:us-east-1:123456789012:t', 'sns.us-east-1.amazonaws.com'],
    ['arn:aws-us-gov:sns:us-gov-west-1:123456789012:t', 'sns.us-gov-west-1.amazonaws.com'],
    ['arn:aws-cn:sns:cn-north-1:123456789012:t', 'sns.cn-north-1.amazonaws.com.cn'],
    ['arn:aws:sqs:us-east-1:123456789012:t', undefined],
    ['not an arn', undefined],
  ])('the signing host of %s is %s', (arn, host) => {
    expect(expectedCertHost(arn)).toBe(host);
  });

  it('refuses a Timestamp more than five minutes ahead of the clock, before any certificate fetch', async () => {
    const fetch = jest.fn(signer.fetchCertificate);
    const v = verifier({ keys: new PublicKeyCache({ fetch }) });
    const ahead = signer.body({ message: 'x', timestamp: NOW + 6 * 60_000 });
    expect((await rejection(v.verify(ahead))).reason).toBe('future_timestamp');
    const farAhead = signer.body({ message: 'x', timestamp: NOW + 30 * 24 * 3600_000 });
    expect((await rejection(v.verify(farAhead))).reason).toBe('future_timestamp');
    expect(fetch).not.toHaveBeenCalled();
    await expect(v.verify(signer.body({ message: 'x', timestamp: NOW + 4 * 60_000 }))).resolves.toBeDefined();
  });

  it('accepts a message 60 minutes old (SNS retries for up to an hour)', async () => {
    await expect(verifier().verify(signer.body({ message: 'x', timestamp: NOW - 60 * 60_000 }))).resolves.toBeDefined();
  });

  it("rejects a signature over another type's canonical string (Type switched after signing)", async () => {
    const env = signer.envelope({ type: 'UnsubscribeConfirmation', message: 'x', timestamp: NOW });
    const forged = { ...env, Type: 'SubscriptionConfirmation' };
    expect((await rejection(verifier().verify(JSON.stringify(forged)))).reason).toBe('bad_signature');
  });

  it('rejects a signature that is not base64 without throwing anything else', async () => {
    const env = { ...signer.envelope({ message: 'x', timestamp: NOW }), Signature: '%%%not base64%%%' };
    expect((await rejection(verifier().verify(JSON.stringify(env)))).reason).toBe('bad_signature');
  });

  it('rejects a message whose header type disagrees with its body', async () => {
    const body = signer.body({ message: 'x', timestamp: NOW });
    expect((await rejection(verifier().verify(body, { messageType: 'SubscriptionConfirmation' }))).reason).toBe(
      'header_mismatch',
    );
  });

  it('rejects missing or non-string fields as malformed', async () => {
    const env = signer.envelope({ message: 'x', timestamp: NOW }) as unknown as Record<string, unknown>;
    for (const [k, v] of [
      ['MessageId', undefined],
      ['Message', 42],
      ['Signature', undefined],
      ['Timestamp', 'not a date'],
    ] as const) {
      const e = { ...env, [k]: v };
      expect((await rejection(verifier().verify(JSON.stringify(e)))).reason).toBe('malformed');
    }
    const conf = signer.envelope({
      type: 'SubscriptionConfirmation',
      message: 'x',
      timestamp: NOW,
    }) as unknown as Record<string, unknown>;
    expect((await rejection(verifier().verify(JSON.stringify({ ...conf, Token: undefined })))).reason).toBe(
      'malformed',
    );
  });

  it('answers "unavailable" (503) when the certificate cannot be fetched right now, "bad certificate" (403) when it never will', async () => {
    const transient = verifier({
      keys: new PublicKeyCache({ fetch: async () => Promise.reject(new CertificateFetchError('timed out', false)) }),
    });
    await expect(transient.verify(signer.body({ message: 'x', timestamp: NOW }))).rejects.toBeInstanceOf(
      SnsUnavailableError,
    );
    const notCert = verifier({ keys: new PublicKeyCache({ fetch: async () => '<html>not a certificate</html>' }) });
    expect((await rejection(notCert.verify(signer.body({ message: 'x', timestamp: NOW })))).reason).toBe(
      'bad_certificate',
    );
  });

  it('skips signatures only when told to, and still enforces the topic list', async () => {
    const v = verifier({ verifySignatures: false });
    const unsigned = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm',
      TopicArn: TEST_TOPIC_ARN,
      Message: 'x',
      Timestamp: new Date(NOW).toISOString(),
    });
    await expect(v.verify(unsigned)).resolves.toMatchObject({ MessageId: 'm' });
    expect((await rejection(verifier().verify(unsigned))).reason).toBe('malformed');
    const elsewhere = unsigned.replace(TEST_TOPIC_ARN, 'arn:aws:sns:us-east-1:999999999999:x');
    expect((await rejection(v.verify(elsewhere))).reason).toBe('topic_not_allowed');
  });
});

describe('PublicKeyCache', () => {
  it('fetches and parses a certificate once, sharing one fetch between concurrent lookups', async () => {
    const fetch = jest.fn(signer.fetchCertificate);
    const cache = new PublicKeyCache({ fetch });
    const keys = await Promise.all([cache.get(CERT_URL), cache.get(CERT_URL), cache.get(CERT_URL)]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(keys[0]).toBe(keys[1]);
    expect(cache.peek(CERT_URL)).toBe(keys[0]);
    expect(keys[0].asymmetricKeyType).toBe('rsa');
  });

  it('is bounded', async () => {
    const cache = new PublicKeyCache({ fetch: async () => signer.certPem, max: 2 });
    for (let i = 0; i < 5; i++) await cache.get(`${CERT_URL}#${i}`);
    expect(cache.size).toBe(2);
  });

  it('does not fetch a failed URL again within its window: seconds for a passing failure, minutes for a permanent one', async () => {
    const clock = new ManualClock(NOW);
    let calls = 0;
    const flaky = new PublicKeyCache({
      clock,
      transientNegativeTtlMs: 10_000,
      fetch: async () => {
        calls += 1;
        if (calls === 1) throw new CertificateFetchError('timeout', false);
        return signer.certPem;
      },
    });
    await expect(flaky.get(CERT_URL)).rejects.toThrow('timeout');
    clock.advance(9_000);
    await expect(flaky.get(CERT_URL)).rejects.toMatchObject({ permanent: false, message: /recently failed: timeout/ });
    expect(calls).toBe(1);
    clock.advance(2_000);
    await expect(flaky.get(CERT_URL)).resolves.toBeDefined();
    expect(calls).toBe(2);

    let gone = 0;
    const broken = new PublicKeyCache({
      clock,
      negativeTtlMs: 10 * 60_000,
      fetch: async () => {
        gone += 1;
        throw new CertificateFetchError('HTTP 404', true);
      },
    });
    await expect(broken.get(CERT_URL)).rejects.toThrow('HTTP 404');
    clock.advance(9 * 60_000);
    await expect(broken.get(CERT_URL)).rejects.toMatchObject({ permanent: true, message: /recently failed/ });
    expect(gone).toBe(1);
    clock.advance(2 * 60_000);
    await expect(broken.get(CERT_URL)).rejects.toThrow('HTTP 404');
    expect(gone).toBe(2);
  });

  it('an unexpected error of the fetcher (not a CertificateFetchError) is remembered as a passing failure', async () => {
    const fetch = jest.fn(async () => Promise.reject(new Error('socket hang up')));
    const cache = new PublicKeyCache({ fetch });
    await expect(cache.get(CERT_URL)).rejects.toMatchObject({ permanent: false });
    await expect(cache.get(CERT_URL)).rejects.toMatchObject({ permanent: false });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refuses a certificate whose subject names another host, and remembers it', async () => {
    const other = await generate([{ name: 'commonName', value: 's3.amazonaws.com' }], { keySize: 2048 });
    const fetch = jest.fn(async () => other.cert);
    const cache = new PublicKeyCache({ fetch });
    await expect(cache.get(CERT_URL)).rejects.toMatchObject({
      permanent: true,
      message: /s3\.amazonaws\.com, not SNS/,
    });
    await expect(cache.get(CERT_URL)).rejects.toMatchObject({ permanent: true });
    expect(fetch).toHaveBeenCalledTimes(1);
    // Through the verifier: 403 bad_certificate, the signature never checked against that key.
    const v = verifier({ keys: new PublicKeyCache({ fetch: async () => other.cert }) });
    expect((await rejection(v.verify(signer.body({ message: 'x', timestamp: NOW })))).reason).toBe('bad_certificate');
  });

  it.each([
    ['sns.amazonaws.com', true],
    ['sns.us-east-1.amazonaws.com', true],
    ['sns.eu-west-1.amazonaws.com', false],
    ['*.amazonaws.com', true],
    ['sns.amazonaws.com.evil.example', false],
    ['evil.example', false],
  ])('a certificate for %s on sns.us-east-1.amazonaws.com: accepted %s', async (cn, ok) => {
    const pems = await generate([{ name: 'commonName', value: cn }], { keySize: 2048 });
    expect(certificateNamesHost(new X509Certificate(pems.cert), 'sns.us-east-1.amazonaws.com')).toBe(ok);
  });

  it('refuses more concurrent fetches than allowed (transiently)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new PublicKeyCache({ fetch: async () => gate.then(() => signer.certPem), maxConcurrentFetches: 1 });
    const first = cache.get(`${CERT_URL}#a`);
    const second = cache.get(`${CERT_URL}#b`);
    await expect(second).rejects.toMatchObject({ permanent: false });
    release();
    await expect(first).resolves.toBeDefined();
  });
});

describe('SigningCertURL pattern', () => {
  it.each([
    [CERT_URL, true],
    ['https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', true],
    ['https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', true],
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', false],
    ['https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', false],
    ['https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', false],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem?x=1', false],
    ['https://sns.us-east-1.amazonaws.com/x?y=/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', false],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem#f', false],
    [
      'https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
      false,
    ],
    [
      'https://evil.com/sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
      false,
    ],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-short.pem', false],
    ['https://s3.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem', false],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem\n', false],
  ])('%s → %s', (url, ok) => {
    expect(isSigningCertUrl(url)).toBe(ok);
  });

  it('the real fetcher refuses any other URL without network I/O', async () => {
    const fetch = httpsCertificateFetcher({ timeoutMs: 100 });
    await expect(
      fetch('https://127.0.0.1:1/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'),
    ).rejects.toMatchObject({ permanent: true });
  });
});

describe('the envelope shape scan (before JSON.parse)', () => {
  const envelope = () =>
    JSON.stringify({
      ...signer.envelope({ message: '{"AlarmName":"a","Trigger":{"Dimensions":[{"name":"x"}]}}', timestamp: NOW }),
      MessageAttributes: Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`attr${i}`, { Type: 'String', Value: `[{"v":${i}}]` }]),
      ),
    });
  it('passes a genuine envelope, message attributes included, whatever brackets its Message holds', () => {
    expect(exceedsEnvelopeShape(envelope())).toBe(false);
    const tricky = JSON.stringify({ Type: 'Notification', Message: '[[[[[[{{{{ \\" ]]]] "\\\\' + '['.repeat(1000) });
    expect(exceedsEnvelopeShape(tricky)).toBe(false);
    expect(JSON.parse(tricky)).toBeDefined();
  });

  it.each([
    ['deep arrays', '['.repeat(100) + ']'.repeat(100)],
    ['five nested objects', '{"a":{"b":{"c":{"d":{}}}}}'],
    ['many small arrays', `[${'[],'.repeat(40)}[]]`],
    ['brackets after a string that ends in an escaped backslash', `{"a":"x\\\\",${'"b":[[[[['}]]]]]}`],
  ])('refuses %s', (_name, raw) => {
    expect(exceedsEnvelopeShape(raw)).toBe(true);
    expect(() => parseEnvelope(raw)).toThrow(SnsRejectedError);
  });

  it('never refuses what an SNS envelope can be (property: any strings in every field)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 10 }),
        (m, subj, attrs) => {
          const body = JSON.stringify({
            Type: 'Notification',
            Message: m,
            Subject: subj,
            MessageAttributes: Object.fromEntries(
              Object.entries(attrs).map(([k, v]) => [k, { Type: 'String', Value: v }]),
            ),
          });
          expect(exceedsEnvelopeShape(body)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseEnvelope', () => {
  it('keeps Subject only for notifications and requires Token and SubscribeURL for confirmations', () => {
    const n = parseEnvelope(signer.body({ message: 'x', subject: 's', timestamp: NOW })) as SnsEnvelope;
    expect(n.Subject).toBe('s');
    const c = parseEnvelope(signer.body({ type: 'SubscriptionConfirmation', message: 'x', timestamp: NOW }));
    expect(c.Token).toMatch(/^token-/);
    expect(c.Subject).toBeUndefined();
  });
});
