import type { SnsEnvelope } from './envelope';

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

/**
 * The exact string SNS signs (aws-formats.md §1.3): for each key in a fixed order, `Key\nValue\n`.
 * Notification skips Subject when absent; both confirmation types sign SubscribeURL and Token.
 */
export function canonicalString(env: SnsEnvelope): string {
  const keys = env.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  let out = '';
  for (const k of keys) {
    const v = env[k];
    if (v === undefined) continue;
    out += `${k}\n${v}\n`;
  }
  return out;
}
