import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { generate } from 'selfsigned';
import { canonicalString } from '../src/sns/canonical';
import type { SnsEnvelope } from '../src/sns/envelope';
import { pendingTaskAlarm } from '../test/notifications/fixtures';
import { CERT_URL, TEST_TOPIC_ARN } from '../test/helpers/sns-signer';

export { CERT_URL, TEST_TOPIC_ARN };

/** An RSA-2048 key and a self-signed certificate, as SNS uses (the bot gets the certificate through its fetch seam). */
export interface SigningKeys {
  certPem: string;
  keyPem: string;
}

export async function makeSigningKeys(): Promise<SigningKeys> {
  const pems = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

/** The certificate fetcher the bot is given: serves the one certificate, for its one URL. */
export function certFetcher(certPem: string): (url: string) => Promise<string> {
  return async (url) => {
    if (url !== CERT_URL) throw new Error(`no certificate at ${url}`);
    return certPem;
  };
}

/**
 * Which alarm and which state the i-th notification of a run carries. Alarms take turns; each one
 * alternates ALARM/OK with a StateChangeTime one second later per round, so that its *last*
 * notification leaves it in `finalState(a)` (even alarms end in ALARM, odd ones in OK).
 */
export interface TrafficPlan {
  count: number;
  alarms: number;
  /** StateChangeTime of the first round, epoch ms. */
  baseAt: number;
  /** Alarm names are `${prefix}-${index}`. */
  prefix: string;
}

export function finalState(a: number): 'ALARM' | 'OK' {
  return a % 2 === 0 ? 'ALARM' : 'OK';
}

export function notificationAt(
  plan: TrafficPlan,
  i: number,
): { alarm: number; name: string; state: 'ALARM' | 'OK'; at: number } {
  const alarm = i % plan.alarms;
  const round = Math.floor(i / plan.alarms);
  const rounds = Math.ceil((plan.count - alarm) / plan.alarms);
  const fromLast = rounds - 1 - round;
  const fin = finalState(alarm);
  const state = fromLast % 2 === 0 ? fin : fin === 'ALARM' ? 'OK' : 'ALARM';
  return {
    alarm,
    name: `${plan.prefix}-${String(alarm).padStart(4, '0')}`,
    state,
    at: plan.baseAt + round * 1000 + alarm,
  };
}

/** Signs SNS Notification bodies (SignatureVersion 2) with a parsed private key. */
export class BodySigner {
  private readonly key: KeyObject;
  constructor(keyPem: string) {
    this.key = createPrivateKey(keyPem);
  }

  envelope(message: string, o: { messageId?: string; timestamp?: number } = {}): SnsEnvelope {
    const env: SnsEnvelope = {
      Type: 'Notification',
      MessageId: o.messageId ?? randomUUID(),
      TopicArn: TEST_TOPIC_ARN,
      Subject: 'ALARM: "bench" in US East (N. Virginia)',
      Message: message,
      Timestamp: new Date(o.timestamp ?? Date.now()).toISOString(),
      SignatureVersion: '2',
      Signature: '',
      SigningCertURL: CERT_URL,
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TEST_TOPIC_ARN}:bench`,
    };
    env.Signature = sign('sha256', Buffer.from(canonicalString(env), 'utf8'), this.key).toString('base64');
    return env;
  }

  /** The i-th notification of a plan, as the JSON body SNS would POST (a distinct MessageId each). */
  body(plan: TrafficPlan, i: number): string {
    const n = notificationAt(plan, i);
    const alarm = pendingTaskAlarm({
      name: n.name,
      state: n.state,
      at: n.at,
      cluster: 'big',
      service: `svc-${String(n.alarm).padStart(3, '0')}`,
    });
    return JSON.stringify(this.envelope(JSON.stringify(alarm)));
  }
}

/** Headers SNS sends with a Notification. */
export function snsHeaders(body: string): Record<string, string> {
  const m = /"MessageId":"([^"]+)"/.exec(body);
  return {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-message-id': m?.[1] ?? '',
    'x-amz-sns-topic-arn': TEST_TOPIC_ARN,
    'user-agent': 'Amazon Simple Notification Service Agent',
  };
}
