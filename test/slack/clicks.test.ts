import type { App } from '@slack/bolt';
import { DecisionRefused } from '../../src/approvals/decide';
import { NotFoundError, UsageError, UserFacingError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { clickErrorText, malformedButton, onClick, type ClickOptions, type ClickWork } from '../../src/slack/clicks';
import { slackErrorCode, uploadProblem } from '../../src/slack/errors';
import { LogCapture } from '../helpers/test-bot';

type Listener = (args: Record<string, unknown>) => Promise<void>;

/** Registers one click handler on a stand-in App and clicks it once; returns what happened, in order. */
async function clickOnce(work: ClickWork, options: Partial<ClickOptions> = {}) {
  const events: string[] = [];
  const answers: Record<string, unknown>[] = [];
  const outcomes: string[] = [];
  const logs = new LogCapture();
  const tracked: Promise<unknown>[] = [];
  let listener: Listener | undefined;
  const app = {
    action: (_id: unknown, fn: Listener) => {
      listener = fn;
    },
  } as unknown as App;
  const ctx = {
    logger: createLogger('debug', logs),
    newId: () => 'REF1',
    track: <T>(p: Promise<T>) => {
      tracked.push(p);
      return p;
    },
  };
  onClick(
    app,
    ctx,
    'test.click',
    async (c) => {
      events.push('work');
      return work(c);
    },
    { component: 'test', counted: (o) => outcomes.push(o), ...options },
  );
  await listener!({
    ack: async () => {
      events.push('ack');
    },
    body: {
      user: { id: 'U0ALICE' },
      channel: { id: 'C0OPS' },
      container: { channel_id: 'C0OPS', message_ts: '1700000000.000100' },
      message: { ts: '1700000000.000100', thread_ts: '1700000000.000001' },
    },
    action: { action_id: 'test.click', value: '{"k":"v"}' },
    respond: async (m: Record<string, unknown>) => {
      events.push('respond');
      answers.push(m);
    },
  });
  await Promise.all(tracked);
  return { events, answers, outcomes, logs: logs.records(), tracked: tracked.length };
}

describe('onClick: the one click-handling helper', () => {
  it('acks before any work, tracks the work and answers ephemerally without replacing the message', async () => {
    let seen: Record<string, unknown> | undefined;
    const r = await clickOnce(async (c) => {
      seen = { user: c.userId, channel: c.channelId, ts: c.messageTs, thread: c.threadTs, value: c.value, ref: c.ref };
      return 'done';
    });
    expect(r.events).toEqual(['ack', 'work', 'respond']);
    expect(r.tracked).toBe(1);
    expect(seen).toEqual({
      user: 'U0ALICE',
      channel: 'C0OPS',
      ts: '1700000000.000100',
      thread: '1700000000.000001',
      value: '{"k":"v"}',
      ref: 'REF1',
    });
    expect(r.answers).toEqual([{ response_type: 'ephemeral', replace_original: false, text: 'done' }]);
    expect(r.outcomes).toEqual(['ok']);
  });

  it('answers a user error with its message alone, logged at info and never at error', async () => {
    const r = await clickOnce(async () => {
      throw new UserFacingError('service "web" is <not> running');
    });
    expect(r.events[0]).toBe('ack');
    expect(r.answers).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: ':x: service "web" is &lt;not&gt; running' },
    ]);
    expect(r.outcomes).toEqual(['refused']);
    expect(r.logs.filter((l) => l.level === 'error')).toEqual([]);
    const refused = r.logs.find((l) => l.msg === 'click refused');
    expect(refused).toMatchObject({
      level: 'info',
      ref: 'REF1',
      user: 'U0ALICE',
      action: 'test.click',
      component: 'test',
    });
    expect(refused.err).toMatchObject({ type: 'UserFacingError', message: 'service "web" is <not> running' });
  });

  it('answers an unexpected error with a reference and logs it once at error with { err }', async () => {
    const r = await clickOnce(async () => {
      throw new TypeError('cannot read x of undefined');
    });
    expect(r.events).toEqual(['ack', 'work', 'respond']);
    expect(r.answers).toHaveLength(1);
    expect(r.answers[0].text).toMatch(/^:warning: Something went wrong \(ref REF1\)\./);
    expect(r.answers[0].text).not.toContain('cannot read');
    const errors = r.logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'click failed', ref: 'REF1', component: 'test' });
    expect(errors[0].err).toMatchObject({ type: 'TypeError', message: 'cannot read x of undefined' });
    expect(errors[0].err.stack).toContain('TypeError');
    expect(r.outcomes).toEqual(['error']);
  });

  it('sends answers through the feature’s own channel when it has one (App Home)', async () => {
    const shown: string[] = [];
    const r = await clickOnce(
      async () => {
        throw new UsageError('nope');
      },
      {
        answer: async (_c, msg) => {
          shown.push(msg.text);
        },
      },
    );
    expect(r.answers).toEqual([]);
    expect(shown).toEqual([':x: nope']);
  });

  it('survives a failed answer: logged as a warning, the click still counted', async () => {
    const r = await clickOnce(async () => 'done', {
      answer: async () => {
        throw new Error('response_url expired');
      },
    });
    expect(r.logs.find((l) => l.msg === 'could not answer the click')).toMatchObject({ level: 'warn' });
    expect(r.outcomes).toEqual(['ok']);
  });

  it('gives the same words for the same failure on every button', () => {
    expect(clickErrorText(malformedButton('nothing was changed'), 'R')).toBe(
      ':x: this button is malformed; nothing was changed',
    );
    expect(clickErrorText(malformedButton('it names no service', 'status <cluster>'), 'R')).toBe(
      ':x: this button is malformed; it names no service\nUse `/ecs status &lt;cluster&gt;` instead.',
    );
    expect(clickErrorText(new NotFoundError('service "wbe" does not exist', ['web', 'worker']), 'R')).toBe(
      ':x: service "wbe" does not exist\nDid you mean: `web`, `worker`?',
    );
    // A decision refusal is mrkdwn the bot wrote (a mention, a date): shown as it is.
    expect(clickErrorText(new DecisionRefused('<@U0BOB> already approved it'), 'R')).toBe(
      ':x: <@U0BOB> already approved it',
    );
    expect(clickErrorText(new Error('boom'), 'R')).toBe(
      ':warning: Something went wrong (ref R). The error is logged; nothing was changed by this click unless a message says so.',
    );
  });
});

describe('slackErrorCode', () => {
  it.each([
    [{ code: 'slack_webapi_platform_error', data: { ok: false, error: 'not_in_channel' } }, 'not_in_channel'],
    [{ code: 'slack_webapi_platform_error', data: { ok: false } }, 'platform_error'],
    [{ code: 'slack_webapi_rate_limited_error', retryAfter: 3 }, 'ratelimited'],
    [{ code: 'slack_webapi_http_error', statusCode: 503 }, 'http_503'],
    [{ code: 'slack_webapi_request_error' }, 'request_error'],
    [new Error('socket hang up'), 'socket hang up'],
    ['a string', 'a string'],
  ])('%j → %s', (err, expected) => {
    expect(slackErrorCode(err)).toBe(expected);
  });
});

describe('uploadProblem', () => {
  it.each([
    [{ code: 'slack_webapi_platform_error', data: { error: 'not_in_channel' } }, 'invite it with /invite'],
    [{ code: 'slack_webapi_platform_error', data: { error: 'missing_scope' } }, 'files:write scope'],
    [{ code: 'slack_webapi_rate_limited_error', retryAfter: 3 }, 'rate-limiting uploads'],
    [{ code: 'slack_webapi_platform_error', data: { error: 'file_too_big' } }, 'Slack answered file_too_big'],
    [new Error('socket hang up'), 'the upload failed'],
  ])('%j → %s', (err, expected) => {
    expect(uploadProblem(err)).toContain(expected);
  });
});
