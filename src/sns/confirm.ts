import { ConfirmSubscriptionCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SnsEnvelope } from './envelope';

/** Region of an SNS topic ARN (`arn:aws:sns:eu-west-1:123456789012:alarms` → `eu-west-1`). */
export function topicRegion(topicArn: string): string | undefined {
  return /^arn:aws[a-z-]*:sns:([a-z0-9-]+):/.exec(topicArn)?.[1];
}

/**
 * Confirms a subscription with the SNS API instead of visiting the SubscribeURL the message suggests
 * (no request to a URL from the outside, ever). AuthenticateOnUnsubscribe makes unsubscribing need AWS
 * credentials. The call goes to the topic's own region: `clientFor` returns a client for it.
 */
export async function confirmSubscription(
  env: SnsEnvelope,
  clientFor: (region: string) => Promise<SNSClient>,
): Promise<string | undefined> {
  if (!env.Token) throw new Error('SubscriptionConfirmation without Token');
  const region = topicRegion(env.TopicArn);
  if (!region) throw new Error('topic ARN has no region');
  const client = await clientFor(region);
  const out = await client.send(
    new ConfirmSubscriptionCommand({ TopicArn: env.TopicArn, Token: env.Token, AuthenticateOnUnsubscribe: 'true' }),
  );
  return out.SubscriptionArn;
}

/**
 * Clients per topic region: the bot's own client when the region matches, else one built with the same
 * credentials, cached.
 */
export function snsClientsByRegion(base: SNSClient): (region: string) => Promise<SNSClient> {
  const cache = new Map<string, SNSClient>();
  return async (region) => {
    const own = await base.config.region();
    if (region === own) return base;
    let c = cache.get(region);
    if (!c) {
      c = new SNSClient({ region, credentials: base.config.credentials, maxAttempts: 3 });
      cache.set(region, c);
    }
    return c;
  };
}
