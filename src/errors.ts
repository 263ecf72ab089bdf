/**
 * Expected failures are typed errors with a string code; the command and interaction boundary turns
 * them into a clear ephemeral message. Anything else is unexpected: logged with a reference and shown
 * to the user as "something went wrong (ref …)".
 */
export class UserFacingError extends Error {
  readonly code: string = 'user_error';
  /** The message is mrkdwn the bot wrote (mentions, dates) and is shown as it is, not escaped. */
  readonly mrkdwn: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserFacingError';
  }
}

/** Bad input: the message says what is wrong and the usage line says what is right. */
export class UsageError extends UserFacingError {
  override readonly code = 'usage';
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A named cluster, service or alarm does not exist; `suggestions` are the closest existing names. */
export class NotFoundError extends UserFacingError {
  override readonly code = 'not_found';
  constructor(
    message: string,
    readonly suggestions: string[] = [],
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The user may not do this (request, approve, run an approver-only command). */
export class ForbiddenError extends UserFacingError {
  override readonly code = 'forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** AWS refused or failed after retries; message is safe to show. */
export class AwsError extends UserFacingError {
  override readonly code = 'aws_error';
  constructor(
    message: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsError';
  }
}
