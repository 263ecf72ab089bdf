import { SQSClient } from '@aws-sdk/client-sqs';

/** One queue of SQS_QUEUE_URLS, with what its URL says about it. */
export interface SqsQueue {
  url: string;
  /** The queue's name (the URL's last part): a metric label and a log field. */
  name: string;
  account: string;
  /** The region in the URL's host; undefined for an emulator's URL (the bot's own region then). */
  region?: string;
  /** `arn:aws:sqs:REGION:ACCOUNT:NAME` when the region is known (queue policies and subscriptions name it). */
  arn?: string;
}

const AWS_HOST_RE = /^(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?)$/;
const PATH_RE = /^\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/;

/**
 * Reads a queue URL (`https://sqs.eu-west-1.amazonaws.com/123456789012/ecs-alarms`, the legacy
 * `https://eu-west-1.queue.amazonaws.com/…`, or an emulator's `http://localhost:4566/000000000000/name`).
 * Returns the problem instead when it is not one.
 */
export function parseQueueUrl(text: string): SqsQueue | { problem: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { problem: `"${text.slice(0, 200)}" is not a URL` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return { problem: `"${text.slice(0, 200)}" is not an http(s) URL` };
  if (u.search || u.hash || u.username || u.password)
    return { problem: `"${text.slice(0, 200)}" has parts a queue URL has not (query, fragment or user)` };
  const path = PATH_RE.exec(u.pathname);
  if (!path) return { problem: `"${text.slice(0, 200)}" does not end in /ACCOUNT_ID/QUEUE_NAME` };
  const host = AWS_HOST_RE.exec(u.hostname);
  if (host && u.protocol !== 'https:') return { problem: `"${text.slice(0, 200)}" must use https` };
  const region = host ? (host[1] ?? host[2]) : undefined;
  const partition = u.hostname.endsWith('.cn') ? 'aws-cn' : 'aws';
  return {
    url: `${u.protocol}//${u.host}/${path[1]}/${path[2]}`,
    account: path[1],
    name: path[2],
    region,
    arn: region ? `arn:${partition}:sqs:${region}:${path[1]}:${path[2]}` : undefined,
  };
}

/**
 * SQS clients per queue region: the bot's own client when the region matches (or the URL names none),
 * else one built with the same credentials, cached.
 */
export function sqsClientsByRegion(base: SQSClient): (region: string | undefined) => Promise<SQSClient> {
  const cache = new Map<string, SQSClient>();
  return async (region) => {
    const own = await base.config.region();
    if (!region || region === own) return base;
    let c = cache.get(region);
    if (!c) {
      c = new SQSClient({ region, credentials: base.config.credentials, maxAttempts: 3 });
      cache.set(region, c);
    }
    return c;
  };
}
