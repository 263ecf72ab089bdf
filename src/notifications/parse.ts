import { parseArn } from './aws-ids';
import { isCloudWatchAlarm, parseCloudWatchAlarm } from './cloudwatch';
import { isEventBridgeEvent, parseEcsEvent } from './ecs-events';
import { parseRaw } from './raw';
import type { Notification } from './types';
import { wellFormedDeep } from '../util/well-formed';

/** The parts of an SNS Notification a parser needs. */
export interface SnsNotificationInput {
  Message: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Timestamp: string;
}

/**
 * SNS Notification → neutral Notification. Never throws and never drops: a CloudWatch alarm, an
 * ECS event, or else a raw notification (also when a parser fails on an unexpected shape). Every
 * string of the result is well-formed Unicode: a lone surrogate half (`"\ud83d"` in the JSON, or one
 * left by cutting an excerpt) becomes U+FFFD, so that no later step — console links, Slack's form
 * encoding — can fail on it and hold the card back.
 */
export function parseNotification(env: SnsNotificationInput, receivedAt: number): Notification {
  return wellFormedDeep(parseAny(env, receivedAt));
}

function parseAny(env: SnsNotificationInput, receivedAt: number): Notification {
  const source = { topicArn: env.TopicArn, messageId: env.MessageId, subject: env.Subject || undefined };
  const publishedAt = Number.isFinite(Date.parse(env.Timestamp)) ? Date.parse(env.Timestamp) : receivedAt;
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.Message);
  } catch {
    parsed = undefined;
  }
  try {
    if (isCloudWatchAlarm(parsed))
      return parseCloudWatchAlarm(parsed, source, publishedAt, parseArn(env.TopicArn)?.region);
    if (isEventBridgeEvent(parsed)) {
      const ecs = parseEcsEvent(parsed, source, publishedAt);
      if (ecs) return ecs;
    }
  } catch {
    // An unexpected shape inside a known kind: fall through to the raw card rather than lose it.
  }
  return parseRaw(env.Message, parsed, source, publishedAt);
}
