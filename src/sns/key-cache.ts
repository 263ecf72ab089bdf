import { X509Certificate, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock';
import { CertificateFetchError, type CertificateFetcher } from './cert-fetch';
import { certificateNamesHost } from './cert-url';

export interface KeyCacheOptions {
  fetch: CertificateFetcher;
  /** Parsed keys kept (SNS uses a handful of certificates per region). */
  max?: number;
  ttlMs?: number;
  /** Certificate fetches running at once; beyond it a lookup fails transiently (SNS retries). */
  maxConcurrentFetches?: number;
  /** How long a URL that answered 4xx or served no certificate is refused without asking again. */
  negativeTtlMs?: number;
  /**
   * How long a URL whose fetch failed for a passing reason (timeout, 5xx, network) is answered
   * "unavailable" without asking again. Shorter than SNS's default 20 s between retries, so a genuine
   * message retried after an AWS hiccup is not refused by the bot's own memory.
   */
  transientNegativeTtlMs?: number;
  /** Time for the failure windows (tests move it by hand). */
  clock?: Clock;
}

interface Failure {
  message: string;
  permanent: boolean;
}

/**
 * A bounded LRU of *parsed* public keys by certificate URL, so verifying a message is one bare
 * `crypto.verify`: no per-message PEM parsing, and concurrent lookups of one URL share one fetch.
 * A failed URL is remembered — a permanent failure (4xx, not a certificate, a certificate for another
 * host) for ten minutes, a passing one for a few seconds — so a stream of messages naming it cannot
 * make the bot fetch it again and again.
 */
export class PublicKeyCache {
  private readonly keys: LRUCache<string, KeyObject>;
  private readonly broken: LRUCache<string, Failure>;
  private readonly maxConcurrent: number;
  private fetching = 0;

  constructor(private readonly opts: KeyCacheOptions) {
    this.keys = new LRUCache<string, KeyObject>({
      max: opts.max ?? 100,
      ttl: opts.ttlMs ?? 24 * 3600_000,
      fetchMethod: (url) => this.load(url),
    });
    const clock = opts.clock;
    this.broken = new LRUCache<string, Failure>({
      max: 1000,
      ttl: opts.negativeTtlMs ?? 10 * 60_000,
      // Read the clock on every lookup (no cached "now"): the window must follow the clock exactly.
      ttlResolution: 0,
      ...(clock ? { perf: { now: () => clock.now() } } : {}),
    });
    this.maxConcurrent = opts.maxConcurrentFetches ?? 4;
  }

  /** The cached key without any I/O (the hot path). */
  peek(url: string): KeyObject | undefined {
    return this.keys.get(url);
  }

  async get(url: string): Promise<KeyObject> {
    const hit = this.keys.get(url);
    if (hit) return hit;
    const failed = this.broken.get(url);
    if (failed) throw new CertificateFetchError(`certificate URL recently failed: ${failed.message}`, failed.permanent);
    const key = await this.keys.fetch(url);
    if (!key) throw new CertificateFetchError('certificate fetch returned nothing', false);
    return key;
  }

  get size(): number {
    return this.keys.size;
  }

  private async load(url: string): Promise<KeyObject> {
    if (this.fetching >= this.maxConcurrent)
      throw new CertificateFetchError('too many certificate fetches at once', false);
    this.fetching += 1;
    try {
      const pem = await this.opts.fetch(url);
      let cert: X509Certificate;
      let key: KeyObject;
      try {
        cert = new X509Certificate(pem);
        key = cert.publicKey;
      } catch (err) {
        throw new CertificateFetchError('the URL did not serve an X.509 certificate', true, { cause: err });
      }
      if (key.asymmetricKeyType !== 'rsa')
        throw new CertificateFetchError('the certificate does not hold an RSA key', true);
      if (!certificateNamesHost(cert, new URL(url).hostname))
        throw new CertificateFetchError(
          `the certificate is for ${cert.subject.replace(/\n/g, ', ').slice(0, 200)}, not SNS`,
          true,
        );
      return key;
    } catch (err) {
      const e =
        err instanceof CertificateFetchError
          ? err
          : new CertificateFetchError(`certificate fetch failed: ${(err as Error).message}`, false, { cause: err });
      const ttl = e.permanent ? undefined : (this.opts.transientNegativeTtlMs ?? 10_000);
      this.broken.set(url, { message: e.message, permanent: e.permanent }, ttl === undefined ? {} : { ttl });
      throw e;
    } finally {
      this.fetching -= 1;
    }
  }
}
