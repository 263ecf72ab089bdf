import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from '../logger';

/** Raised by readBody when the body exceeds its cap. */
export class BodyTooLargeError extends Error {
  readonly code = 'body_too_large';
}

/** Reads the raw body whatever the Content-Type, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(`body of ${declared} bytes exceeds ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(`body exceeds ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A custom route whose async handler can never hang a request: Bolt calls handlers synchronously, so
 * a thrown error would otherwise become an unhandled rejection. Unexpected errors answer 500.
 */
export function route(
  method: string,
  path: string,
  log: Logger,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): CustomRoute {
  return {
    method,
    path,
    handler: (req, res) => {
      handler(req, res).catch((err: unknown) => {
        log.error({ err, path }, 'route failed');
        sendJson(res, 500, { error: 'internal_error' });
      });
    },
  };
}
