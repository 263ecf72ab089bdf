import { AwsError } from '../errors';

const THROTTLE = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'AuthorizationError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
]);

export function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}

/**
 * Turns an SDK failure into an AwsError whose message tells the on-call engineer what happened and
 * what to do; the original stays as `cause` for the logs.
 */
export function toAwsError(err: unknown, operation: string): AwsError {
  if (err instanceof AwsError) return err;
  const name = errorName(err);
  const msg = (err as Error)?.message ?? String(err);
  const requestId = (err as { $metadata?: { requestId?: string } })?.$metadata?.requestId;
  const ref = requestId ? ` (AWS request ${requestId})` : '';
  if (THROTTLE.has(name)) {
    return new AwsError(
      `AWS is throttling ${operation} right now, even after retries. Try again in a minute.${ref}`,
      operation,
      { cause: err },
    );
  }
  if (DENIED.has(name)) {
    return new AwsError(
      `The bot's AWS role may not call ${operation} (${name}). Grant it as in iam-policy.json, or run \`npm run doctor\`.${ref}`,
      operation,
      { cause: err },
    );
  }
  if (name === 'TimeoutError' || /timed? ?out/i.test(msg)) {
    return new AwsError(
      `${operation} timed out talking to AWS. Try again; if it persists, check the region and network.${ref}`,
      operation,
      { cause: err },
    );
  }
  return new AwsError(`${operation} failed: ${name}: ${msg}${ref}`, operation, { cause: err });
}

/** Runs one AWS call and converts any failure with toAwsError. */
export async function awsCall<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsError(err, operation);
  }
}
