/**
 * Why /sns refused a message. Each reason is a metric label (`rejected:<reason>`) and a log field, so
 * the set is closed. Forged or malformed input answers 4xx (SNS does not retry it); transient
 * failures of the bot itself answer 5xx so SNS retries.
 */
export type SnsRejectReason =
  | 'malformed'
  | 'raw_delivery'
  | 'unknown_type'
  | 'topic_not_allowed'
  | 'stale'
  | 'future_timestamp'
  | 'bad_signature_version'
  | 'bad_cert_url'
  | 'bad_certificate'
  | 'bad_signature'
  | 'header_mismatch';

/** A message that will never be accepted: answer with `status` (4xx) and do nothing else. */
export class SnsRejectedError extends Error {
  readonly code = 'sns_rejected';
  constructor(
    readonly reason: SnsRejectReason,
    message: string,
    readonly status: 400 | 403 = 400,
  ) {
    super(message);
    this.name = 'SnsRejectedError';
  }
}

/** The message may be genuine but cannot be checked now (certificate unreachable): answer 503 so SNS retries. */
export class SnsUnavailableError extends Error {
  readonly code = 'sns_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnsUnavailableError';
  }
}
