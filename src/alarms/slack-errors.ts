import { ErrorCode } from '@slack/web-api';
import { slackErrorCode } from '../slack/errors';

/**
 * Why an outbox delivery failed, which decides what the outbox does next:
 * - `transient`: Slack or the network is having a bad moment (network error, HTTP 5xx, rate limit),
 *   or something else outside the message (the store); the same item will work later.
 * - `operator`: Slack refuses the bot itself (not in the channel, token, scope) until someone fixes it.
 * - `refused`: Slack refuses this message (a permanent answer about its content or arguments).
 * - `own`: the bot could not build or encode the message (a bug, or text it cannot encode).
 * Retrying helps the first two; the last two are given up on after a few attempts (see OutboxWorker).
 */
export type FailureClass = 'transient' | 'operator' | 'refused' | 'own';

/** How the outbox should treat a failed Slack call. */
export interface SlackFailure {
  /** Short code for logs and the outbox row (ratelimited, http_500, not_in_channel, URIError …). */
  code: string;
  class: FailureClass;
  /** Slack's Retry-After, in ms, when it said one. */
  retryAfterMs?: number;
  /** The card was deleted in Slack: post a new one instead of updating. */
  gone?: boolean;
  /** Slack refused the blocks: send the text-only card. */
  badBlocks?: boolean;
  /** Retrying soon will not help (channel, auth, scope): back off long and say so in the log. */
  needsOperator?: boolean;
  /** The message certainly did not reach Slack (refused, or never sent); otherwise it may have. */
  notSent?: boolean;
}

/**
 * The bot could not build a message (`render`) or the Slack client could not encode it (`encode`):
 * its own failure, which the same data will repeat, as opposed to Slack's answer.
 */
export class MessageBuildError extends Error {
  override readonly name = 'MessageBuildError';
  constructor(
    readonly stage: 'render' | 'encode',
    cause: unknown,
  ) {
    super(`${stage === 'render' ? 'rendering' : 'encoding'} the message failed: ${describe(cause)}`, { cause });
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Runs a renderer; what it throws becomes a MessageBuildError('render'). */
export function rendering<T>(render: () => T): T {
  try {
    return render();
  } catch (err) {
    throw new MessageBuildError('render', err);
  }
}

/**
 * Runs one Slack Web API call. The client's own errors all carry a `slack_…` code; anything else
 * it throws (URIError from its form encoder on a lone surrogate) happened before the request left,
 * and becomes a MessageBuildError('encode').
 */
export async function sending<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && code.startsWith('slack_')) throw err;
    throw new MessageBuildError('encode', err);
  }
}

const OPERATOR = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_authed',
  'missing_scope',
  'restricted_action',
  'no_permission',
  'ekm_access_denied',
  'team_access_not_granted',
]);
const GONE = new Set(['message_not_found', 'cant_update_message', 'thread_not_found']);
const BAD_BLOCKS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'invalid_attachments',
  'msg_too_long',
]);
/** Platform errors Slack documents as passing trouble on its side. */
const TRANSIENT_PLATFORM = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'team_added_to_org']);
/** Of those, the ones after which part of the operation may have succeeded (Slack says so for these). */
const MAYBE_DONE = new Set(['internal_error', 'fatal_error']);

export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof MessageBuildError) {
    const cause = err.cause as { name?: string } | undefined;
    return { code: cause?.name ?? 'MessageBuildError', class: 'own', notSent: true };
  }
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    headers?: Record<string, string>;
    data?: { error?: string };
  };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return {
        code: 'ratelimited',
        class: 'transient',
        retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000,
        notSent: true,
      };
    case ErrorCode.HTTPError: {
      const ra = Number(e.headers?.['retry-after']);
      const status = e.statusCode ?? 0;
      return {
        code: slackErrorCode(err),
        // 5xx, 408 and 429 are Slack's (or a proxy's) bad moment; another 4xx is a refusal.
        class: status >= 500 || status === 408 || status === 429 || status === 0 ? 'transient' : 'refused',
        retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined,
      };
    }
    case ErrorCode.RequestError:
      return { code: 'request_error', class: 'transient' };
    case ErrorCode.PlatformError: {
      const code = slackErrorCode(err);
      if (code === 'ratelimited') return { code, class: 'transient', retryAfterMs: 1000, notSent: true };
      if (TRANSIENT_PLATFORM.has(code)) return { code, class: 'transient', notSent: !MAYBE_DONE.has(code) };
      const operator = OPERATOR.has(code);
      return {
        code,
        class: operator ? 'operator' : 'refused',
        gone: GONE.has(code),
        badBlocks: BAD_BLOCKS.has(code),
        needsOperator: operator,
        notSent: true,
      };
    }
    default:
      // Not from Slack at all (the store, a bug outside a message): retried like a bad moment.
      return { code: (err as Error)?.name ?? 'error', class: 'transient' };
  }
}

/** Exponential backoff from 1 s, capped (5 min; 15 min for failures an operator must fix), never sooner than Retry-After. */
export function backoffMs(attempts: number, f: SlackFailure): number {
  const cap = f.needsOperator ? 15 * 60_000 : 5 * 60_000;
  const exp = Math.min(cap, 1000 * 2 ** Math.min(attempts, 20));
  return Math.max(exp, f.retryAfterMs ?? 0);
}
