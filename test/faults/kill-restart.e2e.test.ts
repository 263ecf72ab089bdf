import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '../helpers/eventually';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { postSns } from '../helpers/sns-signer';
import { tempDbPath } from '../helpers/test-bot';
import type { SnsEnvelope } from '../../src/sns/envelope';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { testSigner } from '../alarms/helpers';
import { cardsOf, cardState, isoSecs, threadLineTimes } from './alarm-views';
import { botProcessEnv, rowCount, startBotProcess, withRestartedBot } from './process-harness';

/** Four alarms, each routed to a channel of its own so Slack's one-post-a-second pacing does not serialise them. */
const ALARMS = [
  { name: 'kill-a', channel: 'C0KILLA', states: ['ALARM', 'OK', 'ALARM'] },
  { name: 'kill-b', channel: 'C0KILLB', states: ['ALARM', 'OK'] },
  { name: 'kill-c', channel: 'C0KILLC', states: ['ALARM', 'OK', 'ALARM', 'OK'] },
  { name: 'kill-d', channel: 'C0KILLD', states: ['ALARM'] },
] as const;

/**
 * Sits between the bot and the fake Slack. On the `killAt`-th chat.* call it SIGKILLs the bot and drops
 * the call before Slack sees it: the bot dies between storing a change and posting it.
 */
async function startSlackProxy(
  slack: FakeSlack,
): Promise<{ url: string; killAt: (n: number, child: ChildProcess) => void; stop(): Promise<void> }> {
  let chatCalls = 0;
  let trigger: { n: number; child: ChildProcess } | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.url?.startsWith('/api/chat.') && trigger && ++chatCalls === trigger.n) {
          trigger.child.kill('SIGKILL');
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = {};
        for (const k of ['content-type', 'authorization']) if (req.headers[k]) headers[k] = String(req.headers[k]);
        const up = await fetch(`${slack.url}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await up.arrayBuffer());
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' }).end(body);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    killAt(n, child) {
      chatCalls = 0;
      trigger = { n, child };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const outboxDepth = (file: string) => rowCount(file, 'outbox');

/**
 * SIGKILL between storing and posting, then a restart on the same database: nothing lost, nothing
 * doubled. Harsher than a graceful stop: the bot process dies with changes stored and Slack calls in
 * flight, at the 1st, 3rd and 6th Slack call of the run; SNS's retries of the messages it never
 * answered, and duplicate deliveries of all of them, go to the restarted bot.
 */
describe('the bot is killed while delivering, and restarted', () => {
  let slack: FakeSlack;
  let proxy: Awaited<ReturnType<typeof startSlackProxy>>;
  beforeAll(async () => {
    slack = await startFakeSlack();
    proxy = await startSlackProxy(slack);
  });
  afterAll(async () => {
    await proxy.stop();
    await slack.stop();
  });

  it.each([1, 3, 6])(
    'killed at Slack call %i: every alarm on one card in its final state, every change once in its thread',
    async (killAt) => {
      const signer = await testSigner();
      const db = tempDbPath();
      const tag = `k${killAt}`;
      const env = botProcessEnv({
        slackApiUrl: `${proxy.url}/api/`,
        db,
        certPem: signer.certPem,
        extra: { ALARM_ROUTES: ALARMS.map((a) => `${tag}-${a.name}=${a.channel}${killAt}`).join(',') },
      });
      const base = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000;
      // Interleaved as CloudWatch would publish them: each alarm's changes a minute apart.
      const sends: { env: SnsEnvelope; accepted: boolean }[] = [];
      for (let step = 0; step < 4; step++) {
        for (const a of ALARMS) {
          const state = a.states[step];
          if (!state) continue;
          const message = pendingTaskAlarm({
            name: `${tag}-${a.name}`,
            state,
            at: base + step * 60_000,
            service: a.name,
          });
          sends.push({ env: signer.envelope({ message }), accepted: false });
        }
      }

      const first = await startBotProcess(env);
      proxy.killAt(killAt, first.child);
      for (const s of sends) {
        const res = await postSns(first.url, s.env).catch(() => undefined);
        s.accepted = res?.status === 200;
        if (!res) break;
      }
      expect(await first.exited).toBe('SIGKILL');
      // It died with accepted changes stored and not yet in Slack.
      expect(sends.some((s) => s.accepted)).toBe(true);
      expect(outboxDepth(db)).toBeGreaterThan(0);

      await withRestartedBot(env, async (second) => {
        // SNS retries what was never answered with 200, and may deliver anything twice.
        for (const s of sends.filter((x) => !x.accepted)) expect((await postSns(second.url, s.env)).status).toBe(200);
        for (const s of sends) expect((await postSns(second.url, s.env)).status).toBe(200);
        await eventually(() => outboxDepth(db) === 0, 'the restarted bot to deliver everything', 30_000);

        for (const a of ALARMS) {
          const name = `${tag}-${a.name}`;
          const channel = `${a.channel}${killAt}`;
          const cards = cardsOf(slack, channel, name);
          expect({ name, cards: cards.length }).toEqual({ name, cards: 1 });
          expect({ name, state: cardState(cards[0]) }).toEqual({ name, state: a.states[a.states.length - 1] });
          const expected = a.states.slice(1).map((_, i) => isoSecs(base + (i + 1) * 60_000));
          expect({ name, lines: threadLineTimes(slack, channel, cards[0].ts) }).toEqual({ name, lines: expected });
          // Nothing else in the channel: no second card, no repeated thread reply.
          expect(slack.messagesIn(channel).length).toBe(1 + slack.repliesTo(channel, cards[0].ts).length);
        }
      });
    },
    60_000,
  );
});

/**
 * The crash between post and record: Slack has accepted the card (or a thread reply) and holds its
 * answer, the bot is SIGKILLed while it waits, so nothing was recorded. The restarted bot must find
 * the message by its metadata in the channel (or the thread) and carry on from it, not post it again.
 */
describe('the bot is killed while Slack holds its answer to a post', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack.stop();
  });

  /** A fresh database and the settings of a bot that routes alarm `name` to `channel`; `at`: ten minutes ago. */
  async function oneAlarm(name: string, channel: string) {
    const signer = await testSigner();
    const db = tempDbPath();
    const env = botProcessEnv({
      slackApiUrl: slack.apiUrl,
      db,
      certPem: signer.certPem,
      extra: { ALARM_ROUTES: `${name}=${channel}` },
    });
    return { signer, db, env, at: Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000 };
  }

  it('the restarted bot posts nothing new and updates the card Slack already had', async () => {
    const channel = 'C0HELD';
    const name = 'held-answer';
    const { signer, db, env, at } = await oneAlarm(name, channel);
    const cardPosts = () =>
      slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && !c.args.thread_ts);

    const first = await startBotProcess(env);
    const held = slack.loseNextAnswer('chat.postMessage', 'hold');
    const alarm = signer.envelope({ message: pendingTaskAlarm({ name, state: 'ALARM', at, service: 'held' }) });
    expect((await postSns(first.url, alarm)).status).toBe(200);
    await held;
    // Slack has the card; the bot is still waiting for the answer when it dies.
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(slack.messagesIn(channel)).toHaveLength(1);
    expect(outboxDepth(db)).toBe(1);

    await withRestartedBot(env, async (second) => {
      // The alarm goes on changing: the restarted bot brings the adopted card to OK.
      const ok = signer.envelope({
        message: pendingTaskAlarm({ name, state: 'OK', at: at + 60_000, service: 'held' }),
      });
      expect((await postSns(second.url, ok)).status).toBe(200);
      await eventually(() => outboxDepth(db) === 0, 'the restarted bot to deliver everything', 30_000);

      expect(cardPosts()).toHaveLength(1);
      const cards = cardsOf(slack, channel, name);
      expect(cards).toHaveLength(1);
      expect(cards[0].updates).toBeGreaterThanOrEqual(1);
      expect(cardState(cards[0])).toBe('OK');
      expect(threadLineTimes(slack, channel, cards[0].ts)).toEqual([isoSecs(at + 60_000)]);
      expect(slack.messagesIn(channel)).toHaveLength(2);
      expect(slack.callsTo('conversations.history').some((c) => c.args.channel === channel)).toBe(true);
    });
  }, 60_000);

  it('killed while Slack holds its answer to a thread reply: the restarted bot does not repeat the reply', async () => {
    const channel = 'C0HELDREPLY';
    const name = 'held-reply';
    const { signer, db, env, at } = await oneAlarm(name, channel);
    const change = (state: string, step: number) =>
      signer.envelope({ message: pendingTaskAlarm({ name, state, at: at + step * 60_000, service: 'held' }) });

    const first = await startBotProcess(env);
    expect((await postSns(first.url, change('ALARM', 0))).status).toBe(200);
    await slack.waitFor(() => cardsOf(slack, channel, name)[0], 30_000, 'the card');
    const held = slack.loseNextAnswer('chat.postMessage', 'hold');
    expect((await postSns(first.url, change('OK', 1))).status).toBe(200);
    const reply = await held;
    expect(reply.args.thread_ts).toBe(cardsOf(slack, channel, name)[0].ts);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    await withRestartedBot(env, async (second) => {
      expect((await postSns(second.url, change('ALARM', 2))).status).toBe(200);
      await eventually(() => outboxDepth(db) === 0, 'the restarted bot to deliver everything', 30_000);
      const cards = cardsOf(slack, channel, name);
      expect(cards).toHaveLength(1);
      expect(cardState(cards[0])).toBe('ALARM');
      // The held reply once, then the new change: nothing repeated.
      expect(threadLineTimes(slack, channel, cards[0].ts)).toEqual([isoSecs(at + 60_000), isoSecs(at + 120_000)]);
      expect(slack.messagesIn(channel)).toHaveLength(3);
      expect(slack.callsTo('conversations.replies').some((c) => c.args.channel === channel)).toBe(true);
    });
  }, 60_000);
});
