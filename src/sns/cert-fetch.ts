import https from 'node:https';
import { isSigningCertUrl } from './cert-url';

/** Fetches a PEM certificate from a URL that already passed `isSigningCertUrl`. */
export type CertificateFetcher = (url: string) => Promise<string>;

/** A certificate could not be fetched. `permanent` (404, not a certificate, too large) means retrying will not help. */
export class CertificateFetchError extends Error {
  readonly code = 'certificate_fetch_failed';
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CertificateFetchError';
  }
}

export interface CertFetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * The production fetcher: HTTPS only (TLS verifies the SNS host), no redirects, status 200 required,
 * a total timeout and a size cap. It refuses any URL outside the strict SNS pattern, so it can never
 * be pointed at another host whatever a message says.
 */
export function httpsCertificateFetcher(opts: CertFetchOptions = {}): CertificateFetcher {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 16 * 1024;
  return (url) =>
    new Promise<string>((resolve, reject) => {
      if (!isSigningCertUrl(url)) {
        reject(new CertificateFetchError('refusing to fetch a certificate outside the SNS URL pattern', true));
        return;
      }
      const req = https.get(url, { timeout: timeoutMs, headers: { accept: 'application/x-pem-file, */*' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          const status = res.statusCode ?? 0;
          reject(new CertificateFetchError(`certificate fetch answered HTTP ${status}`, status >= 400 && status < 500));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new CertificateFetchError(`certificate larger than ${maxBytes} bytes`, true));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => reject(e));
      });
      // `timeout` only covers idle sockets; a hard deadline covers a slow trickle too.
      const deadline = setTimeout(
        () => req.destroy(new CertificateFetchError(`certificate fetch took longer than ${timeoutMs} ms`, false)),
        timeoutMs,
      );
      deadline.unref();
      req.on('timeout', () =>
        req.destroy(new CertificateFetchError(`certificate fetch timed out after ${timeoutMs} ms`, false)),
      );
      req.on('error', (e) =>
        reject(
          e instanceof CertificateFetchError
            ? e
            : new CertificateFetchError(`certificate fetch failed: ${e.message}`, false, { cause: e }),
        ),
      );
      req.on('close', () => clearTimeout(deadline));
    });
}
