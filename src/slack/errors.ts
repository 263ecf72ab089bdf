import { ErrorCode } from '@slack/web-api';

/**
 * Slack's short name for why a Web API call failed: its own error code (`not_in_channel`,
 * `missing_scope`), `ratelimited`, `http_503` or `request_error`. For anything that did not come
 * from Slack's client it is the error's message, so a "Slack said …" line always names something.
 */
export function slackErrorCode(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; statusCode?: number; data?: { error?: unknown }; message?: unknown };
  if (typeof e.data?.error === 'string' && e.data.error) return e.data.error;
  switch (e.code) {
    case ErrorCode.PlatformError:
      return 'platform_error';
    case ErrorCode.RateLimitedError:
      return 'ratelimited';
    case ErrorCode.HTTPError:
      return `http_${e.statusCode ?? 'error'}`;
    case ErrorCode.RequestError:
      return 'request_error';
  }
  return typeof e.message === 'string' ? e.message : String(err);
}

/** Why a file upload failed, in words an on-call engineer can act on (said in the answer it was for). */
export function uploadProblem(err: unknown): string {
  const slack = slackErrorCode(err);
  if (slack === 'not_in_channel' || slack === 'channel_not_found')
    return 'the bot is not in this channel; invite it with /invite';
  if (slack === 'missing_scope') return 'the bot lacks the files:write scope';
  if (slack === 'ratelimited') return 'Slack is rate-limiting uploads; try again in a minute';
  if ((err as { data?: unknown } | undefined)?.data) return `Slack answered ${slack}`;
  return 'the upload failed';
}
