import http from 'node:http';
import { ACTIONS, ALICE, BOB, CHANNEL, startHarness, type Harness } from '../approvals/harness';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { buttonClick, commandBody, eventCallback, slackHeaders } from '../helpers/slack-sign';
import { describeEachStore, openTestStore, type TestStore } from '../helpers/stores';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';
import { metric } from '../helpers/prom';
import { SLACK_TIMESTAMP_WINDOW_S } from '../../src/slack/request-guard';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const nowS = () => Math.floor(Date.now() / 1000);

/** One signed request, kept as Slack sent it, so it can be sent again byte for byte. */
interface Signed {
  body: string;
  headers: Record<string, string>;
}
const signedForm = (body: string, ts = nowS()): Signed => ({ body, headers: slackHeaders(body, FORM, { ts }) });
const signedClick = (payload: Record<string, unknown>, ts = nowS()) =>
  signedForm(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), ts);
const send = (url: string, r: Signed) =>
  fetch(`${url}/slack/events`, { method: 'POST', body: r.body, headers: r.headers });

/** /ecs help answers in the ack itself. */
async function helpAnswered(res: Response): Promise<void> {
  expect(res.status).toBe(200);
  expect(((await res.json()) as { text?: string }).text).toContain('/ecs');
}

async function refusal(res: Response): Promise<{ status: number; error: string }> {
  return { status: res.status, error: ((await res.json()) as { error: string }).error };
}

/**
 * An Events API callback as Slack first sends it, and its retries: the same body (same event_id),
 * signed again with a later timestamp and carrying Slack's retry headers, so the replay guard lets it in.
 */
function signedEvent(event: Record<string, unknown>): { first: Signed; eventId: string; retry(n: number): Signed } {
  const body = JSON.stringify(eventCallback(event));
  const ts = nowS();
  return {
    first: { body, headers: slackHeaders(body, JSON_TYPE, { ts }) },
    eventId: (JSON.parse(body) as { event_id: string }).event_id,
    retry: (n) => ({
      body,
      headers: {
        ...slackHeaders(body, JSON_TYPE, { ts: ts + n }),
        'x-slack-retry-num': String(n),
        'x-slack-retry-reason': 'http_timeout',
      },
    }),
  };
}

/** Waits until a bot logged that it dropped a copy of `eventId`, `copies` times. */
async function dropped(t: TestBot, eventId: string, copies = 1): Promise<void> {
  await t.slack.waitFor(
    () =>
      t.logs
        .records()
        .filter((r) => r.msg === 'Slack sent an event again; not processed twice' && r.eventId === eventId).length >=
      copies,
    8000,
    `${copies} dropped cop${copies === 1 ? 'y' : 'ies'} of ${eventId}`,
  );
}

const mentionAt = (ts: string) => ({
  type: 'app_mention',
  user: 'U0ALICE',
  text: '<@UBOT> help',
  ts,
  channel: ALARM_CHANNEL,
  event_ts: ts,
});
const mentionAnswers = (slack: FakeSlack, ts: string) =>
  slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === ts);

describe('replayed slash command and click refused', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });
  const slack = () => h.t.slack;
  /** Sends a fresh command (/ecs help answers in its ack) after the copies: the bot is still serving. */
  const barrier = async (n: string) => {
    const b = signedForm(commandBody({ text: 'help', response_url: slack().responseUrl(n) }));
    await helpAnswered(await send(h.t.url, b));
  };

  it('a slash command sent again with the same bytes and signature is refused, and answered once', async () => {
    const cmd = signedForm(commandBody({ text: 'status EcsLabCluster', response_url: slack().responseUrl('cmd-r') }));
    expect((await send(h.t.url, cmd)).status).toBe(200);
    await slack().waitFor(() => slack().responsesTo('cmd-r')[0], 8000, 'the first answer');
    const awsCalls = h.lab.world.calls.length;

    expect(await refusal(await send(h.t.url, cmd))).toEqual({ status: 401, error: 'replayed' });
    await barrier('cmd-barrier');
    expect(slack().responsesTo('cmd-r')).toHaveLength(1);
    expect(h.lab.world.calls.length).toBe(awsCalls); // the barrier's help reads nothing from AWS
  });

  it('a Propose click sent again makes no second pending request', async () => {
    const click = signedClick(
      buttonClick({
        actionId: ACTIONS.changePropose,
        value: JSON.stringify({ a: 'scale-instances', c: 'EcsLabCluster', n: 2, r: 'alarm EcsLabApi-pending' }),
        userId: ALICE,
        channelId: CHANNEL,
        responseUrl: slack().responseUrl('propose'),
      }),
    );
    expect((await send(h.t.url, click)).status).toBe(200);
    await slack().waitFor(() => slack().responsesTo('propose')[0], 8000, 'the reply to the propose click');
    expect((await h.t.store.changeRequests.list()).filter((r) => r.status === 'pending')).toHaveLength(1);

    // Again, and again at the same moment: every copy is refused.
    const again = await Promise.all([send(h.t.url, click), send(h.t.url, click), send(h.t.url, click)]);
    for (const res of again) expect(await refusal(res)).toEqual({ status: 401, error: 'replayed' });
    await barrier('propose-barrier');
    expect((await h.t.store.changeRequests.list()).filter((r) => r.status === 'pending')).toHaveLength(1);
    expect(slack().responsesTo('propose')).toHaveLength(1);
    expect(
      await metric(h.t.url, 'ecs_chatops_slack_requests_refused_total', { reason: 'replayed' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('the first of two copies sent at once wins; the other is refused', async () => {
    const cmd = signedForm(commandBody({ text: 'help', response_url: slack().responseUrl('race') }));
    const [x, y] = await Promise.all([send(h.t.url, cmd), send(h.t.url, cmd)]);
    const [won, lost] = x.status === 200 ? [x, y] : [y, x];
    await helpAnswered(won);
    expect(await refusal(lost)).toEqual({ status: 401, error: 'replayed' });
  });

  it('a request dated more than five minutes ahead is refused; one a minute ahead (clock skew) is accepted', async () => {
    const ahead = signedForm(
      commandBody({ text: 'help', response_url: slack().responseUrl('future') }),
      nowS() + SLACK_TIMESTAMP_WINDOW_S + 60,
    );
    expect(await refusal(await send(h.t.url, ahead))).toEqual({ status: 401, error: 'future' });
    const skewed = signedForm(commandBody({ text: 'help', response_url: slack().responseUrl('skew') }), nowS() + 60);
    await helpAnswered(await send(h.t.url, skewed));
  });

  it('a request dated more than five minutes ago is refused as stale', async () => {
    const old = signedForm(
      commandBody({ text: 'help', response_url: slack().responseUrl('stale') }),
      nowS() - SLACK_TIMESTAMP_WINDOW_S - 60,
    );
    expect(await refusal(await send(h.t.url, old))).toEqual({ status: 401, error: 'stale' });
  });
});

describe('a retried Events API event runs once', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a mention retried twice (new timestamp, X-Slack-Retry-Num) is answered once', async () => {
    const ev = signedEvent(mentionAt('1700000300.000100'));
    expect((await send(h.t.url, ev.first)).status).toBe(200);
    await h.t.slack.waitFor(() => mentionAnswers(h.t.slack, '1700000300.000100')[0], 8000, 'the answer');
    // Slack acknowledges nothing but a 200: each retry is accepted (not refused as a replay) and dropped.
    expect((await send(h.t.url, ev.retry(1))).status).toBe(200);
    expect((await send(h.t.url, ev.retry(2))).status).toBe(200);
    await dropped(h.t, ev.eventId, 2);
    const after = signedEvent(mentionAt('1700000300.000200'));
    expect((await send(h.t.url, after.first)).status).toBe(200);
    await h.t.slack.waitFor(() => mentionAnswers(h.t.slack, '1700000300.000200')[0], 8000, 'the next answer');
    expect(mentionAnswers(h.t.slack, '1700000300.000100')).toHaveLength(1);
  });

  it('a retry that arrives while the first copy is still running is dropped too', async () => {
    const ev = signedEvent(mentionAt('1700000300.000300'));
    const [x, y] = await Promise.all([send(h.t.url, ev.first), send(h.t.url, ev.retry(1))]);
    expect([x.status, y.status]).toEqual([200, 200]);
    await dropped(h.t, ev.eventId);
    await h.t.slack.waitFor(() => mentionAnswers(h.t.slack, '1700000300.000300')[0], 8000, 'the answer');
    const after = signedEvent(mentionAt('1700000300.000400'));
    await send(h.t.url, after.first);
    await h.t.slack.waitFor(() => mentionAnswers(h.t.slack, '1700000300.000400')[0], 8000, 'the next answer');
    expect(mentionAnswers(h.t.slack, '1700000300.000300')).toHaveLength(1);
  });

  it('an app_home_opened retried publishes the Home tab once', async () => {
    const views = () => h.t.slack.views.filter((v) => v.user_id === ALICE).length;
    const before = views();
    const ev = signedEvent({ type: 'app_home_opened', user: ALICE, channel: 'D0HOME', tab: 'home', event_ts: '1.2' });
    expect((await send(h.t.url, ev.first)).status).toBe(200);
    await h.t.slack.waitFor(() => views() > before, 8000, 'the Home tab');
    expect((await send(h.t.url, ev.retry(1))).status).toBe(200);
    await dropped(h.t, ev.eventId);
    // Another user's Home tab after it: the retry, had it run, would have published by then as well.
    const other = signedEvent({ type: 'app_home_opened', user: BOB, channel: 'D0HOME2', tab: 'home', event_ts: '1.3' });
    await send(h.t.url, other.first);
    await h.t.slack.waitFor(() => h.t.slack.views.some((v) => v.user_id === BOB), 8000, "Bob's Home tab");
    expect(views()).toBe(before + 1);
  });
});

describe('payload=null answered 400', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
    await t.slack.waitFor(() => t.slack.calls.some((c) => c.method === 'auth.test'), 5000, 'the start-up auth.test');
  });
  afterAll(async () => {
    await t.stop();
  });

  const form = (fields: [string, string][]) => new URLSearchParams(fields).toString();
  const cases: [string, string, string][] = [
    ['payload=null', form([['payload', 'null']]), FORM],
    ['payload is a JSON array', form([['payload', '[{"type":"block_actions"}]']]), FORM],
    ['payload is a JSON string', form([['payload', '"block_actions"']]), FORM],
    ['payload is a number', form([['payload', '42']]), FORM],
    ['payload is an object without a type', form([['payload', '{"actions":[]}']]), FORM],
    ['payload is not JSON', form([['payload', '{"type":']]), FORM],
    [
      'payload given twice',
      form([
        ['payload', '{"type":"block_actions"}'],
        ['payload', '{"type":"block_actions"}'],
      ]),
      FORM,
    ],
    ['a form with neither a command nor a payload', form([['text', 'status']]), FORM],
    ['a JSON body null', 'null', 'application/json'],
    ['a JSON body that is an array', '[{"type":"event_callback"}]', 'application/json'],
    ['a JSON body that is a string', '"event_callback"', 'application/json'],
    ['a JSON object without a type', '{"event":{"type":"app_mention"}}', 'application/json'],
  ];

  it.each(cases)('%s, correctly signed: 400 at once, nothing reaches Slack', async (_name, body, contentType) => {
    const calls = t.slack.calls.length;
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      body,
      headers: slackHeaders(body, contentType),
    });
    expect(await refusal(res)).toEqual({ status: 400, error: 'malformed' });
    expect(t.slack.calls.length).toBe(calls);
  });

  it('a signed payload=null over a kept-alive connection: the connection still serves the next request', async () => {
    // Before the guard Bolt threw on it and never answered: the socket stayed busy until the client gave up.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const post = (body: string) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(`${t.url}/slack/events`, {
            method: 'POST',
            agent,
            headers: { ...slackHeaders(body, FORM), 'content-length': Buffer.byteLength(body) },
          });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(body);
        });
      expect(await post('payload=null')).toBe(400);
      expect(await post(commandBody({ text: 'help', response_url: t.slack.responseUrl('after-null') }))).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('Slack’s unsigned ssl_check still answers 200, with nothing dispatched', async () => {
    const calls = t.slack.calls.length;
    const body = 'ssl_check=1&token=legacy&payload=null';
    const res = await fetch(`${t.url}/slack/events`, { method: 'POST', body, headers: { 'content-type': FORM } });
    expect(res.status).toBe(200);
    expect(t.slack.calls.length).toBe(calls);
  });
});

describe('replays refused across two replicas sharing PostgreSQL', () => {
  let slack: FakeSlack;
  let pg: TestStore;
  let a: TestBot;
  let b: TestBot;
  beforeAll(async () => {
    slack = await startFakeSlack();
    pg = await openTestStore('postgres');
    a = await startTestBot({ slack, env: { DATABASE_URL: pg.url } });
    b = await startTestBot({ slack, env: { DATABASE_URL: pg.url } });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await pg.cleanup();
    await slack.stop();
  });

  it('a command accepted by one replica is refused by the other', async () => {
    const cmd = signedForm(commandBody({ text: 'help', response_url: slack.responseUrl('across') }));
    await helpAnswered(await send(a.url, cmd));
    expect(await refusal(await send(b.url, cmd))).toEqual({ status: 401, error: 'replayed' });
    expect(await refusal(await send(a.url, cmd))).toEqual({ status: 401, error: 'replayed' });
  });

  it('an event retried to the other replica runs once', async () => {
    const ev = signedEvent(mentionAt('1700000400.000100'));
    expect((await send(a.url, ev.first)).status).toBe(200);
    await slack.waitFor(() => mentionAnswers(slack, '1700000400.000100')[0], 8000, 'the answer');
    expect((await send(b.url, ev.retry(1))).status).toBe(200);
    await dropped(b, ev.eventId);
    const after = signedEvent(mentionAt('1700000400.000200'));
    await send(b.url, after.first);
    await slack.waitFor(() => mentionAnswers(slack, '1700000400.000200')[0], 8000, 'the next answer');
    expect(mentionAnswers(slack, '1700000400.000100')).toHaveLength(1);
  });

  it('ten copies spread over both replicas at once: exactly one is accepted', async () => {
    const cmd = signedForm(commandBody({ text: 'help', response_url: slack.responseUrl('spread') }));
    const res = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 ? a.url : b.url, cmd)));
    expect(res.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1);
    expect(res.map((r) => r.status).filter((s) => s === 401)).toHaveLength(9);
  });
});

describeEachStore('Slack request signatures in the store', (store) => {
  const sig = (n: number) => `v0=${n.toString(16).padStart(64, '0')}`;

  it('a signature is claimed once; pruning forgets only those whose window has closed', async () => {
    const repo = store().slackRequests;
    expect(await repo.claim(sig(1), 1_000)).toBe(true);
    expect(await repo.claim(sig(1), 1_000)).toBe(false);
    expect(await repo.claim(sig(2), 5_000)).toBe(true);
    expect(await repo.prune(2_000)).toBe(1);
    expect(await repo.count()).toBe(1);
    expect(await repo.claim(sig(2), 5_000)).toBe(false); // still inside its window
    expect(await repo.claim(sig(1), 3_000)).toBe(true); // forgotten after its window: its timestamp is refused anyway
  });

  it('an event id is claimed once, apart from signatures, and pruned after its time', async () => {
    const repo = store().slackRequests;
    expect(await repo.claimEvent('Ev01', 4_000)).toBe(true);
    expect(await repo.claimEvent('Ev01', 4_000)).toBe(false);
    expect(await repo.claim('Ev01', 4_000)).toBe(true); // a signature never collides with an event id
    expect(await repo.prune(5_000)).toBeGreaterThanOrEqual(2);
    expect(await repo.claimEvent('Ev01', 9_000)).toBe(true);
  });

  it('twenty claims of one signature at once: one wins', async () => {
    const won = await Promise.all(Array.from({ length: 20 }, () => store().slackRequests.claim(sig(7), 9_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});

describe('Socket Mode: an envelope Slack sends again is not processed twice', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ transport: 'socket' });
    await t.slack.waitFor(() => t.slack.socket.openConnections.length > 0, 8000, 'the socket');
  });
  afterAll(async () => {
    await t.stop();
  });

  const mention = (ts: string) => eventCallback(mentionAt(ts));
  const answers = (ts: string) => mentionAnswers(t.slack, ts);

  it('the same envelope_id again (its ack was lost): acknowledged, not answered a second time', async () => {
    const body = mention('1700000200.000100');
    await t.slack.socket.send('events_api', body, { envelopeId: 'env-repeated-1' });
    await t.slack.waitFor(() => answers('1700000200.000100')[0], 8000, 'the answer to the mention');
    const again = await t.slack.socket.send('events_api', body, { envelopeId: 'env-repeated-1' });
    expect(again.envelopeId).toBe('env-repeated-1');
    // A new envelope after it is answered: the repeated one, had it been processed, would be too by then.
    await t.slack.socket.send('events_api', mention('1700000200.000200'));
    await t.slack.waitFor(() => answers('1700000200.000200')[0], 8000, 'the answer to the next mention');
    expect(answers('1700000200.000100')).toHaveLength(1);
    expect(t.slack.socket.problems).toEqual([]);
  });

  it('the same event in a new envelope (retry_attempt 1): acknowledged, answered once', async () => {
    const body = mention('1700000200.000300');
    await t.slack.socket.send('events_api', body);
    await t.slack.waitFor(() => answers('1700000200.000300')[0], 8000, 'the answer to the mention');
    const again = await t.slack.socket.send('events_api', body, { retryAttempt: 1, retryReason: 'timeout' });
    expect(again.type).toBe('events_api');
    await dropped(t, body.event_id as string);
    await t.slack.socket.send('events_api', mention('1700000200.000400'));
    await t.slack.waitFor(() => answers('1700000200.000400')[0], 8000, 'the answer to the next mention');
    expect(answers('1700000200.000300')).toHaveLength(1);
    expect(t.slack.socket.problems).toEqual([]);
  });
});
