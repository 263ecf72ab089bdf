import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock';
import { canonicalString } from './canonical';
import { CertificateFetchError } from './cert-fetch';
import { certUrlFitsTopic, isSigningCertUrl } from './cert-url';
import { parseEnvelope, type SnsEnvelope } from './envelope';
import { SnsRejectedError, SnsUnavailableError } from './errors';
import type { PublicKeyCache } from './key-cache';

/** SNS retries for at most an hour; a signed message older than this is a replay (aws-formats.md §1.7). */
export const MAX_MESSAGE_AGE_MS = 65 * 60_000;

/**
 * How far ahead of the bot's clock a Timestamp may be (clock skew between AWS and the host). A message
 * dated further ahead would stay "fresh" past its deduplication record (kept two hours) and could be
 * replayed then; accepted messages therefore always fall in a window shorter than that record.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const ALGORITHMS: Record<string, string> = { '1': 'sha1', '2': 'sha256' };

export interface SnsVerifierOptions {
  topicArns: readonly string[];
  verifySignatures: boolean;
  keys: PublicKeyCache;
  clock: Clock;
  maxAgeMs?: number;
}

/**
 * One RSA verification with the parsed key; any error (a malformed signature) is a mismatch. It stays
 * synchronous on purpose: the thread-pool form (crypto.verify with a callback) measured several times
 * more event-loop time per call than the ~35 µs the verification itself takes.
 */
function verifySignature(algorithm: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return cryptoVerify(algorithm, data, key, signature);
  } catch {
    return false;
  }
}

/** The request headers the verifier looks at (none of them is trusted; they only expose tampering). */
export interface SnsHeaders {
  messageType?: string;
  rawDelivery?: string;
}

/**
 * Verifies an SNS HTTP/S message in the order that keeps the bot safe: shape, topic allow-list and age
 * (neither too old nor dated ahead) before any network I/O; then SignatureVersion, the strict
 * certificate URL on the topic's own regional SNS host, the cached key (whose certificate must name
 * SNS), and the signature over the exact canonical string. Throws SnsRejectedError (4xx) or
 * SnsUnavailableError (5xx).
 */
export class SnsVerifier {
  private readonly topics: Set<string>;
  private readonly maxAgeMs: number;

  constructor(private readonly opts: SnsVerifierOptions) {
    this.topics = new Set(opts.topicArns);
    this.maxAgeMs = opts.maxAgeMs ?? MAX_MESSAGE_AGE_MS;
  }

  async verify(raw: string, headers: SnsHeaders = {}): Promise<SnsEnvelope> {
    if (headers.rawDelivery?.toLowerCase() === 'true') {
      throw new SnsRejectedError(
        'raw_delivery',
        'raw message delivery is on for this subscription; turn it off so messages carry a signature',
      );
    }
    const env = parseEnvelope(raw, this.opts.verifySignatures);
    if (headers.messageType && headers.messageType !== env.Type) {
      throw new SnsRejectedError('header_mismatch', 'x-amz-sns-message-type does not match the body');
    }
    if (!this.topics.has(env.TopicArn)) {
      throw new SnsRejectedError('topic_not_allowed', 'topic is not in SNS_TOPIC_ARNS', 403);
    }
    const at = Date.parse(env.Timestamp);
    if (!Number.isFinite(at)) throw new SnsRejectedError('malformed', 'Timestamp is not a date');
    const now = this.opts.clock.now();
    if (at - now > MAX_CLOCK_SKEW_MS) {
      throw new SnsRejectedError(
        'future_timestamp',
        `Timestamp is more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of the bot's clock`,
      );
    }
    if (now - at > this.maxAgeMs) {
      throw new SnsRejectedError(
        'stale',
        `message is older than ${Math.round(this.maxAgeMs / 60_000)} minutes (replay?)`,
      );
    }
    if (!this.opts.verifySignatures) return env;

    const algorithm = ALGORITHMS[env.SignatureVersion];
    if (!algorithm) throw new SnsRejectedError('bad_signature_version', 'SignatureVersion must be 1 or 2');
    if (!isSigningCertUrl(env.SigningCertURL)) {
      throw new SnsRejectedError('bad_cert_url', 'SigningCertURL is not an SNS certificate URL', 403);
    }
    if (!certUrlFitsTopic(env.SigningCertURL, env.TopicArn)) {
      throw new SnsRejectedError('bad_cert_url', "SigningCertURL is not on the SNS host of the topic's region", 403);
    }
    const key = this.opts.keys.peek(env.SigningCertURL) ?? (await this.key(env.SigningCertURL));
    const ok = verifySignature(
      algorithm,
      Buffer.from(canonicalString(env), 'utf8'),
      key,
      Buffer.from(env.Signature, 'base64'),
    );
    if (!ok) throw new SnsRejectedError('bad_signature', 'signature does not match', 403);
    return env;
  }

  private async key(url: string): Promise<KeyObject> {
    try {
      return await this.opts.keys.get(url);
    } catch (err) {
      if (err instanceof CertificateFetchError && err.permanent) {
        throw new SnsRejectedError('bad_certificate', `signing certificate unusable: ${err.message}`, 403);
      }
      throw new SnsUnavailableError(`signing certificate unavailable: ${(err as Error).message}`, { cause: err });
    }
  }
}
