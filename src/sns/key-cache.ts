import { X509Certificate, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CertificateFetchError, type CertificateFetcher } from './cert-fetch';

export interface KeyCacheOptions {
  fetch: CertificateFetcher;
  /** Parsed keys kept (SNS uses a handful of certificates per region). */
  max?: number;
  ttlMs?: number;
  /** Certificate fetches running at once; beyond it a lookup fails transiently (SNS retries). */
  maxConcurrentFetches?: number;
  /** How long a URL that answered 4xx or served no certificate is refused without asking again. */
  negativeTtlMs?: number;
}

/**
 * A bounded LRU of *parsed* public keys by certificate URL, so verifying a message is one bare
 * `crypto.verify`: no per-message PEM parsing, and concurrent lookups of one URL share one fetch.
 * Only transient failures are retried on the next message; a URL that is permanently broken is
 * remembered for a while so forged messages naming it cannot make the bot fetch again and again.
 */
export class PublicKeyCache {
  private readonly keys: LRUCache<string, KeyObject>;
  private readonly broken: LRUCache<string, string>;
  private readonly maxConcurrent: number;
  private fetching = 0;

  constructor(private readonly opts: KeyCacheOptions) {
    this.keys = new LRUCache<string, KeyObject>({
      max: opts.max ?? 100,
      ttl: opts.ttlMs ?? 24 * 3600_000,
      fetchMethod: (url) => this.load(url),
    });
    this.broken = new LRUCache<string, string>({ max: 1000, ttl: opts.negativeTtlMs ?? 10 * 60_000 });
    this.maxConcurrent = opts.maxConcurrentFetches ?? 4;
  }

  /** The cached key without any I/O (the hot path). */
  peek(url: string): KeyObject | undefined {
    return this.keys.get(url);
  }

  async get(url: string): Promise<KeyObject> {
    const hit = this.keys.get(url);
    if (hit) return hit;
    const why = this.broken.get(url);
    if (why) throw new CertificateFetchError(`certificate URL recently failed: ${why}`, true);
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
      let key: KeyObject;
      try {
        key = new X509Certificate(pem).publicKey;
      } catch (err) {
        throw new CertificateFetchError('the URL did not serve an X.509 certificate', true, { cause: err });
      }
      if (key.asymmetricKeyType !== 'rsa')
        throw new CertificateFetchError('the certificate does not hold an RSA key', true);
      return key;
    } catch (err) {
      if (err instanceof CertificateFetchError && err.permanent) this.broken.set(url, err.message);
      throw err;
    } finally {
      this.fetching -= 1;
    }
  }
}
