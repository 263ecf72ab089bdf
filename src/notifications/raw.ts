import { createHash } from 'node:crypto';
import { parseAwsTime, parseArn, str } from './aws-ids';
import { oneLine } from './reason';
import type { NotificationSource, RawNotification } from './types';
import { truncate } from '../util/text';

/** Characters of the message shown on a raw card (the card renderer enforces Slack's limits again). */
const RAW_EXCERPT_CHARS = 1500;

function excerptOf(message: string, parsed: unknown): string {
  let text = message;
  if (parsed !== undefined && typeof parsed === 'object') {
    try {
      text = JSON.stringify(parsed, null, 2);
    } catch {
      /* keep the text */
    }
  }
  text = text.replace(/\r\n/g, '\n');
  return truncate(text, RAW_EXCERPT_CHARS);
}

function topicName(arn: string): string {
  return parseArn(arn)?.resource ?? arn;
}

/**
 * Any message the bot has no parser for: a card with the subject (or EventBridge detail-type) and a
 * readable excerpt, so nothing vanishes. Messages with the same subject on one topic share a card.
 */
export function parseRaw(
  message: string,
  parsed: unknown,
  source: NotificationSource,
  receivedAt: number,
): RawNotification {
  const ev =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const detailType = ev ? str(ev['detail-type']) : undefined;
  const evSource = ev ? str(ev.source) : undefined;
  const title =
    source.subject ??
    (detailType ? `${detailType}${evSource ? ` (${evSource})` : ''}` : undefined) ??
    (oneLine(message.split('\n')[0] ?? '', 80) || `Message on ${topicName(source.topicArn)}`);
  const arnRegion = parseArn(source.topicArn)?.region;
  const hash = createHash('sha1').update(`${source.topicArn}\n${title}`).digest('hex').slice(0, 16);
  return {
    kind: 'raw',
    key: `raw:${hash}`,
    name: oneLine(title, 140),
    state: 'ALARM',
    level: 'unknown',
    at: (ev && parseAwsTime(ev.time)) ?? receivedAt,
    summary: `A message on SNS topic ${topicName(source.topicArn)} that the bot has no parser for.`,
    region: (ev && str(ev.region)) ?? arnRegion,
    account: (ev && str(ev.account)) ?? parseArn(source.topicArn)?.account,
    source,
    subject: source.subject,
    excerpt: excerptOf(message, parsed),
    detailType,
  };
}
