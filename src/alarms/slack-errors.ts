import { ErrorCode } from '@slack/web-api';

/** How the outbox should treat a failed Slack call. */
export interface SlackFailure {
  /** Short code for logs and the outbox row (ratelimited, http_500, not_in_channel …). */
  code: string;
  /** Slack's Retry-After, in ms, when it said one. */
  retryAfterMs?: number;
  /** The card was deleted in Slack: post a new one instead of updating. */
  gone?: boolean;
  /** Slack refused the blocks: send the text-only card. */
  badBlocks?: boolean;
  /** Retrying soon will not help (channel, auth, scope): back off long and say so in the log. */
  needsOperator?: boolean;
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
]);
const GONE = new Set(['message_not_found', 'cant_update_message', 'thread_not_found']);
const BAD_BLOCKS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'invalid_attachments',
  'msg_too_long',
]);

export function classifySlackError(err: unknown): SlackFailure {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    headers?: Record<string, string>;
    data?: { error?: string };
  };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return { code: 'ratelimited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
    case ErrorCode.HTTPError: {
      const ra = Number(e.headers?.['retry-after']);
      return {
        code: `http_${e.statusCode ?? 'error'}`,
        retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined,
      };
    }
    case ErrorCode.RequestError:
      return { code: 'request_error' };
    case ErrorCode.PlatformError: {
      const code = String(e.data?.error ?? 'platform_error');
      if (code === 'ratelimited') return { code, retryAfterMs: 1000 };
      return { code, gone: GONE.has(code), badBlocks: BAD_BLOCKS.has(code), needsOperator: OPERATOR.has(code) };
    }
    default:
      return { code: (err as Error)?.name ?? 'error' };
  }
}

/** Exponential backoff from 1 s, capped (5 min; 15 min for failures an operator must fix), never sooner than Retry-After. */
export function backoffMs(attempts: number, f: SlackFailure): number {
  const cap = f.needsOperator ? 15 * 60_000 : 5 * 60_000;
  const exp = Math.min(cap, 1000 * 2 ** Math.min(attempts, 20));
  return Math.max(exp, f.retryAfterMs ?? 0);
}
