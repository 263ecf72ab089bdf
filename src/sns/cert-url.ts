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
