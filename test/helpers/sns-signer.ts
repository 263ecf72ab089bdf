import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { generate } from 'selfsigned';
import { canonicalString } from '../../src/sns/canonical';
import { CertificateFetchError } from '../../src/sns/cert-fetch';
import type { SnsEnvelope, SnsMessageType } from '../../src/sns/envelope';

export const TEST_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ecs-alarms';
export const CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

/**
 * Signs SNS envelopes exactly as SNS does (SHA1withRSA for version 1, SHA256withRSA for 2, over the
 * canonical string of the message type) with an RSA key pair and a self-signed certificate generated
 * in the test. `fetchCertificate` serves that certificate for CERT_URL, standing in for SNS's host.
 */
export class SnsSigner {
  readonly fetched: string[] = [];

  private constructor(
    readonly certPem: string,
    private readonly key: KeyObject,
  ) {}

  static async create(): Promise<SnsSigner> {
    const pems = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    return new SnsSigner(pems.cert, createPrivateKey(pems.private));
  }

  /** The test seam for ctx.inject.fetchCertificate: serves the certificate for CERT_URL only. */
  fetchCertificate = async (url: string): Promise<string> => {
    this.fetched.push(url);
    if (url !== CERT_URL) throw new CertificateFetchError(`certificate fetch answered HTTP 404 for ${url}`, true);
    return this.certPem;
  };

  envelope(o: {
    type?: SnsMessageType;
    message: string | object;
    subject?: string;
    messageId?: string;
    topicArn?: string;
    timestamp?: number | string;
    version?: '1' | '2' | string;
    certUrl?: string;
  }): SnsEnvelope {
    const type = o.type ?? 'Notification';
    const messageId = o.messageId ?? randomUUID();
    const topicArn = o.topicArn ?? TEST_TOPIC_ARN;
    const env: SnsEnvelope = {
      Type: type,
      MessageId: messageId,
      TopicArn: topicArn,
      Message: typeof o.message === 'string' ? o.message : JSON.stringify(o.message),
      Timestamp: typeof o.timestamp === 'string' ? o.timestamp : new Date(o.timestamp ?? Date.now()).toISOString(),
      SignatureVersion: o.version ?? '2',
      Signature: '',
      SigningCertURL: o.certUrl ?? CERT_URL,
    };
    if (type === 'Notification') {
      if (o.subject !== undefined) env.Subject = o.subject;
      env.UnsubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:sub`;
    } else {
      env.Token = `token-${messageId}-2336412f37fb687f5d51e6e2425f004aed`;
      env.SubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${env.Token}`;
    }
    return this.sign(env);
  }

  /** (Re)signs an envelope in place with the given SignatureVersion rules. */
  sign(env: SnsEnvelope): SnsEnvelope {
    const alg = env.SignatureVersion === '1' ? 'sha1' : 'sha256';
    env.Signature = sign(alg, Buffer.from(canonicalString(env), 'utf8'), this.key).toString('base64');
    return env;
  }

  /** The JSON body SNS would POST. */
  body(o: Parameters<SnsSigner['envelope']>[0]): string {
    return JSON.stringify(this.envelope(o));
  }
}

/** POSTs an SNS body the way SNS does (text/plain and its headers). */
export async function postSns(
  baseUrl: string,
  body: string | SnsEnvelope,
  headers: Record<string, string> = {},
): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let type = 'Notification';
  let messageId = '';
  let topic = '';
  try {
    const b = JSON.parse(text);
    type = b.Type ?? type;
    messageId = b.MessageId ?? '';
    topic = b.TopicArn ?? '';
  } catch {
    /* malformed on purpose */
  }
  return fetch(`${baseUrl}/sns`, {
    method: 'POST',
    body: text,
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': type,
      'x-amz-sns-message-id': messageId,
      'x-amz-sns-topic-arn': topic,
      'user-agent': 'Amazon Simple Notification Service Agent',
      ...headers,
    },
  });
}
