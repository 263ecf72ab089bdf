import { oneLine } from '../util/text';

/** Turns an AWS SDK error into "what failed" and "what to do", for the doctor's checks. */
export interface Diagnosis {
  detail: string;
  fix: string;
}

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
  'UnauthorizedException',
]);
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'Throttled',
]);

export function errorName(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  if (typeof e?.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e?.code === 'string') return e.code;
  return 'Error';
}

export function errorMessage(err: unknown, max = 300): string {
  return oneLine(String((err as { message?: unknown } | undefined)?.message ?? err ?? ''), max);
}

/**
 * `action` is the IAM action the call needs (`ecs:ListClusters`); `region` is where the client points.
 */
export function diagnoseAwsError(err: unknown, action: string, region: string): Diagnosis {
  const name = errorName(err);
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  const detail = `${action} failed: ${name}${errorMessage(err) ? ` — ${errorMessage(err)}` : ''}`;
  if (DENIED.has(name)) {
    return {
      detail,
      fix: `Allow ${action} for the bot's IAM role (iam-policy.json in the repository lists every action the bot needs).`,
    };
  }
  if (name === 'CredentialsProviderError') {
    return {
      detail: `no AWS credentials found (${errorMessage(err, 160)})`,
      fix: 'On ECS give the task a task role; elsewhere set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the SDK standard credential chain).',
    };
  }
  if (BAD_CREDENTIALS.has(name)) {
    return {
      detail,
      fix: 'The AWS credentials are invalid: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or use the task role.',
    };
  }
  if (EXPIRED.has(name)) {
    return {
      detail,
      fix: 'The AWS credentials have expired: refresh the session (aws sso login, or new temporary keys), or use the task role.',
    };
  }
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name) || name === 'TimeoutError' || name === 'AbortError') {
    return {
      detail,
      fix: `Cannot reach AWS in ${region}: check AWS_REGION, outbound network access (NAT gateway or VPC endpoints) and AWS_ENDPOINT_URL if set.`,
    };
  }
  if (THROTTLED.has(name)) {
    return { detail, fix: 'AWS throttled the call; this is usually transient. Run the doctor again in a minute.' };
  }
  return { detail, fix: `Look up ${name} for ${action} in the AWS documentation; check AWS_REGION (${region}).` };
}
