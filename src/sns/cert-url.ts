import type { X509Certificate } from 'node:crypto';

/**
 * The only certificate URLs the bot will ever fetch: https, an SNS regional host (commercial, GovCloud
 * and China), and a `SimpleNotificationService-<32 alphanumerics>.pem` path; nothing else — no port,
 * user info, query or fragment (aws-formats.md §1.4). Anchored on the whole string.
 */
export const SIGNING_CERT_URL_RE =
  /^https:\/\/sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[a-zA-Z0-9]{32}\.pem$/;

export function isSigningCertUrl(url: unknown): url is string {
  return typeof url === 'string' && url.length <= 200 && SIGNING_CERT_URL_RE.test(url);
}

const TOPIC_ARN_RE = /^arn:(aws|aws-cn|aws-us-gov):sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_.-]+$/;

/**
 * The SNS host that signs the messages of `topicArn`: SNS signs with its own region's endpoint, so a
 * topic in eu-west-1 names `sns.eu-west-1.amazonaws.com` and nothing else (China: `.amazonaws.com.cn`).
 * The pattern alone let any `sns.<anything>.amazonaws.com` through. Undefined for an ARN it cannot read.
 */
export function expectedCertHost(topicArn: string): string | undefined {
  const m = TOPIC_ARN_RE.exec(topicArn);
  if (!m) return undefined;
  return `sns.${m[2]}.amazonaws.com${m[1] === 'aws-cn' ? '.cn' : ''}`;
}

/** True when the certificate URL is on the SNS host of the topic's own region. */
export function certUrlFitsTopic(certUrl: string, topicArn: string): boolean {
  const host = expectedCertHost(topicArn);
  return host !== undefined && certUrl.startsWith(`https://${host}/`);
}

/**
 * The names a genuine SNS signing certificate may carry for a URL on `host`: the host itself, or the
 * partition's service name. SNS's certificates say `CN=sns.amazonaws.com` (with that name as their
 * DNS subject alternative name) whatever region serves them — AWS's guide speaks of the regional name,
 * the certificates it serves do not — so requiring the regional name alone would refuse every genuine
 * message. A certificate naming any other host (another service, a bucket, a stranger) is refused.
 */
export function certificateNamesHost(cert: X509Certificate, host: string): boolean {
  const service = host.endsWith('.amazonaws.com.cn') ? 'sns.amazonaws.com.cn' : 'sns.amazonaws.com';
  const opts = { partialWildcards: false, multiLabelWildcards: false } as const;
  return [host, service].some((name) => cert.checkHost(name, opts) !== undefined);
}
