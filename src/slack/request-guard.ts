import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { BodyTooLargeError, readBody, sendJson } from '../http/routes';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { SlackRequestRepo } from '../store/slack-requests';

/** Bolt's own body limit for /slack/events (HTTPModuleFunctions.defaultBodyLimit). */
export const SLACK_BODY_LIMIT = 4 * 1024 * 1024;
/** How far a request's timestamp may be from the clock, either way (Slack's documented rule). */
export const SLACK_TIMESTAMP_WINDOW_S = 5 * 60;
/** How often a replica deletes signatures whose window has closed. */
const PRUNE_EVERY_MS = 60_000;

export type SlackRefusalReason =
  'too_large' | 'bad_signature' | 'stale' | 'future' | 'malformed' | 'replayed' | 'store_unavailable';

const STATUS: Record<SlackRefusalReason, number> = {
  too_large: 413,
  bad_signature: 401,
  stale: 401,
  future: 401,
  malformed: 400,
  replayed: 401,
  store_unavailable: 503,
};

/** What the checks decided about one request: pass it on (with what to remember) or refuse it. */
export type SlackCheck =
  | { ok: true; kind: 'ssl_check' }
  | { ok: true; kind: 'signed'; signature: string; timestampS: number }
  | { ok: false; reason: SlackRefusalReason };

function header(headers: IncomingMessage['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether Bolt can dispatch this body, decided the way Bolt parses it (HTTPModuleFunctions
 * .parseHTTPRequestBody): a form body is a slash command, or carries an interaction in a single
 * `payload` field holding a JSON object with a `type`; any other body is JSON and must be an object
 * with a `type` (Events API callbacks, url_verification). Bolt reads `body.ssl_check` off whatever it
 * parsed, so `payload=null` or a JSON body `null` threw inside its receiver and the request hung.
 */
export function dispatchable(contentType: string | undefined, body: string): boolean {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parseQuery(body);
      if ('payload' in form) {
        const payload = form.payload;
        if (typeof payload !== 'string') return false;
        const parsed: unknown = JSON.parse(payload);
        return isObject(parsed) && typeof parsed.type === 'string';
      }
      return typeof form.command === 'string';
    }
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) && typeof parsed.type === 'string';
  } catch {
    return false;
  }
}

/**
 * The checks a request to /slack/events passes before Bolt sees it, apart from the replay check that
 * needs the store: Slack's signature over `v0:<timestamp>:<body>`, a timestamp within five minutes of
 * `nowMs` on either side (Bolt refuses only the past one, so a request dated in the future was good
 * for ever), and a body Bolt can dispatch. Slack's `ssl_check` pings are unsigned and pass unchecked:
 * Bolt answers them itself and drops any other field they carry.
 */
export function checkSlackRequest(o: {
  headers: IncomingMessage['headers'];
  body: string;
  signingSecret: string;
  nowMs: number;
}): SlackCheck {
  const contentType = header(o.headers, 'content-type');
  if (contentType === 'application/x-www-form-urlencoded' && parseQuery(o.body).ssl_check === '1')
    return { ok: true, kind: 'ssl_check' };
  const signature = header(o.headers, 'x-slack-signature');
  const ts = header(o.headers, 'x-slack-request-timestamp');
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature) || !ts || !/^[0-9]{1,12}$/.test(ts))
    return { ok: false, reason: 'bad_signature' };
  const timestampS = Number(ts);
  const nowS = Math.floor(o.nowMs / 1000);
  if (timestampS < nowS - SLACK_TIMESTAMP_WINDOW_S) return { ok: false, reason: 'stale' };
  if (timestampS > nowS + SLACK_TIMESTAMP_WINDOW_S) return { ok: false, reason: 'future' };
  const expected = createHmac('sha256', o.signingSecret).update(`v0:${ts}:${o.body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature.slice(3), 'hex'))) return { ok: false, reason: 'bad_signature' };
  if (!dispatchable(contentType, o.body)) return { ok: false, reason: 'malformed' };
  return { ok: true, kind: 'signed', signature, timestampS };
}

export interface SlackRequestGuardOptions {
  signingSecret: string;
  requests: Pick<SlackRequestRepo, 'claim' | 'prune'>;
  /** Wall-clock time: Slack stamps requests with its own clock, and Bolt compares with Date.now(). */
  now: () => number;
  logger: Logger;
  metrics: Pick<Metrics, 'slackRequestsRefused'>;
}

/** A request Bolt will take over: the body already read, where Bolt's receiver looks for it first. */
type BufferedRequest = IncomingMessage & { rawBody?: Buffer };

/**
 * Guards Bolt's /slack/events endpoint: reads the body once (at most Bolt's limit), checks it
 * (checkSlackRequest), then records its signature in the store — refusing one already recorded, by
 * this replica or another — and only then hands the request to Bolt with the body attached
 * (`rawBody`: Bolt's receiver then reads no stream and verifies the same bytes again). Refusals answer
 * at once with a status and `{error}` and reach no listener.
 */
export function slackRequestGuard(o: SlackRequestGuardOptions) {
  const log = o.logger.child({ component: 'slack-request-guard' });
  let prunedAt = 0;

  const refuse = (res: ServerResponse, reason: SlackRefusalReason) => {
    o.metrics.slackRequestsRefused.inc({ reason });
    sendJson(res, STATUS[reason], { error: reason });
  };

  const remember = async (signature: string, timestampS: number): Promise<boolean> => {
    const now = o.now();
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = now;
      await o.requests.prune(now);
    }
    // Kept until the window that would accept it has closed (plus a second for rounding).
    return o.requests.claim(signature, (timestampS + SLACK_TIMESTAMP_WINDOW_S + 1) * 1000);
  };

  const guard = async (req: BufferedRequest, res: ServerResponse, next: (req: BufferedRequest) => void) => {
    let body: string;
    try {
      body = await readBody(req, SLACK_BODY_LIMIT);
    } catch (err) {
      if (err instanceof BodyTooLargeError) refuse(res, 'too_large');
      else res.destroy();
      return;
    }
    const check = checkSlackRequest({ headers: req.headers, body, signingSecret: o.signingSecret, nowMs: o.now() });
    if (!check.ok) {
      log.warn({ reason: check.reason }, 'Slack request refused');
      refuse(res, check.reason);
      return;
    }
    if (check.kind === 'signed') {
      let fresh: boolean;
      try {
        fresh = await remember(check.signature, check.timestampS);
      } catch (err) {
        log.warn({ err }, 'cannot record a Slack request');
        refuse(res, 'store_unavailable');
        return;
      }
      if (!fresh) {
        log.warn({ reason: 'replayed', timestamp: check.timestampS }, 'Slack request refused: already received');
        refuse(res, 'replayed');
        return;
      }
    }
    req.rawBody = Buffer.from(body, 'utf8');
    next(req);
  };

  return (req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage) => void): void => {
    guard(req, res, next).catch((err: unknown) => {
      log.error({ err }, 'Slack request guard failed');
      sendJson(res, 500, { error: 'internal_error' });
    });
  };
}
