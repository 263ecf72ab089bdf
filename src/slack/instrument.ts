import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../metrics';

/** Outcome label of one Slack Web API HTTP call. */
export type SlackOutcome = 'ok' | 'error' | 'ratelimited';

const METHOD_RE = /^[a-z][a-zA-Z]*(\.[a-zA-Z]+){1,4}$/;

/**
 * The label of a Slack request URL: the Web API method (`…/api/chat.postMessage` →
 * `chat.postMessage`), `files.upload_external` for file bytes posted to an upload URL, and
 * `response_url` for everything else these clients post to (Bolt's respond() shares their fetch).
 * A malformed method name is `other`, so the label never takes an unbounded set of values.
 */
export function slackMethodOf(url: string | URL): string {
  let path: string;
  try {
    path = new URL(String(url)).pathname;
  } catch {
    return 'other';
  }
  const api = /\/api\/([^/]+)$/.exec(path);
  if (api) return METHOD_RE.test(api[1]) ? api[1] : 'other';
  if (/\/upload\//.test(path)) return 'files.upload_external';
  return 'response_url';
}

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/** ok / error / ratelimited from the HTTP status and, for a 200, the JSON body's `ok`. */
export async function slackOutcomeOf(res: FetchResponse): Promise<SlackOutcome> {
  if (res.status === 429) return 'ratelimited';
  if (res.status < 200 || res.status >= 300) return 'error';
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return 'ok';
  // A WHATWG Response can be read twice through clone(); a custom fetch's response may not offer it.
  const clone = (res as { clone?: () => FetchResponse }).clone;
  if (typeof clone !== 'function') return 'ok';
  try {
    const body = (await clone.call(res).json()) as { ok?: unknown; error?: unknown };
    if (body.ok === false) return body.error === 'ratelimited' ? 'ratelimited' : 'error';
    return 'ok';
  } catch {
    return 'error';
  }
}

/**
 * A `fetch` for WebClient options that counts every Slack HTTP call in
 * `ecs_chatops_slack_api_calls_total{method,outcome}`. Give it to every WebClient the bot builds
 * (`new WebClient(token, { fetch })`, Bolt's `clientOptions.fetch`): that covers `app.client`, the
 * per-team clients Bolt hands to listeners and respond(). Wrapping a client's `apiCall` would not
 * work: `client.chat.postMessage` and friends are bound to the original `apiCall` when the client is
 * built. Each retry is one more call, as Slack's rate limiter sees it.
 */
export function countingFetch(
  metrics: Pick<Metrics, 'slackCalls'>,
  inner: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  return async (url, init) => {
    const method = slackMethodOf(url);
    let res: FetchResponse;
    try {
      res = await inner(url, init);
    } catch (err) {
      metrics.slackCalls.inc({ method, outcome: 'error' });
      throw err;
    }
    metrics.slackCalls.inc({ method, outcome: await slackOutcomeOf(res) });
    return res;
  };
}
