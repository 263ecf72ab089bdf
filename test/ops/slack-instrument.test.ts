import { LogLevel, WebClient } from '@slack/web-api';
import { createMetrics } from '../../src/metrics';
import { countingFetch, slackMethodOf } from '../../src/slack/instrument';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { TEST_BOT_TOKEN } from '../helpers/test-bot';

type M = ReturnType<typeof createMetrics>;

async function counts(metrics: M): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.slackCalls.get()).values) out[`${v.labels.method} ${v.labels.outcome}`] = v.value;
  return out;
}

describe('Slack call metrics', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    await fake.stop();
  });
  afterEach(() => fake.clearFaults());

  function client(metrics: M, retries = 0): WebClient {
    return new WebClient(TEST_BOT_TOKEN, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries, minTimeout: 0, maxTimeout: 0 },
      rejectRateLimitedCalls: true,
      fetch: countingFetch(metrics),
    });
  }

  it('counts calls by method and outcome: ok, error (ok:false or HTTP 500) and ratelimited (429)', async () => {
    const metrics = createMetrics();
    const c = client(metrics);
    await c.chat.postMessage({ channel: 'C1', text: 'hi' });
    await c.chat.postMessage({ channel: 'C1', text: 'hi again' });
    fake.failNext(1, { error: 'channel_not_found' }, 'chat.postMessage');
    await expect(c.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    fake.failNext(1, { status: 429, retryAfter: 7 }, 'chat.update');
    await expect(c.chat.update({ channel: 'C1', ts: '1.1', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
    });
    fake.failNext(1, { status: 500 }, 'users.info');
    await expect(c.users.info({ user: 'U1' })).rejects.toBeDefined();
    expect(await counts(metrics)).toEqual({
      'chat.postMessage ok': 2,
      'chat.postMessage error': 1,
      'chat.update ratelimited': 1,
      'users.info error': 1,
    });
  });

  it('counts each retry as a call, as Slack sees it', async () => {
    const metrics = createMetrics();
    fake.failNext(1, { status: 500 }, 'auth.test');
    await client(metrics, 1).auth.test();
    expect(await counts(metrics)).toEqual({ 'auth.test error': 1, 'auth.test ok': 1 });
  });

  it('counts a network failure as an error and still throws', async () => {
    const metrics = createMetrics();
    const c = new WebClient(TEST_BOT_TOKEN, {
      slackApiUrl: 'http://127.0.0.1:9/api/',
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
      fetch: countingFetch(metrics),
    });
    await expect(c.auth.test()).rejects.toMatchObject({ code: 'slack_webapi_request_error' });
    expect(await counts(metrics)).toEqual({ 'auth.test error': 1 });
  });

  it('labels upload and response_url posts, and never takes an unbounded label', () => {
    expect(slackMethodOf('https://slack.com/api/chat.postMessage')).toBe('chat.postMessage');
    expect(slackMethodOf('http://127.0.0.1:1234/api/files.getUploadURLExternal')).toBe('files.getUploadURLExternal');
    expect(slackMethodOf('https://files.slack.com/upload/v1/ABC123')).toBe('files.upload_external');
    expect(slackMethodOf('https://hooks.slack.com/commands/T1/123/abc')).toBe('response_url');
    expect(slackMethodOf('https://slack.com/api/evil%20method;drop')).toBe('other');
    expect(slackMethodOf('not a url')).toBe('other');
  });
});
