import { CARD_EVENT_TYPE, DIGEST_EVENT_TYPE, LINES_EVENT_TYPE } from '../../src/alarms/card-adoption';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from './helpers';

const MIN = 60_000;
const topLevel = (t: AlarmBot) => t.slack.messagesIn(ALARM_CHANNEL).filter((m) => !m.thread_ts);
const cardPosts = (t: AlarmBot) =>
  t.slack.calls.filter((c) => c.method === 'chat.postMessage' && !c.args.thread_ts && c.args.channel === ALARM_CHANNEL);
const refusedHistory = (t: AlarmBot) =>
  t.logs.records().filter((r) => r.level === 'warn' && /refused conversations\.history/.test(String(r.msg)));

/**
 * A card the bot sent without hearing Slack's answer (a crash while waiting, a lost answer) must not
 * be posted a second time: the next attempt looks for it in the channel by its metadata and adopts it.
 */
describe('a card posted twice', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('cards carry metadata naming their incident', async () => {
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - MIN }));
    await t.drain();
    const [card] = topLevel(t);
    const inc = (await t.store.incidents.get(card.metadata?.event_payload?.incident_id))!;
    expect(card.metadata).toEqual({ event_type: CARD_EVENT_TYPE, event_payload: { incident_id: inc.id } });
    expect(inc.cardTs).toBe(card.ts);
    // Nothing was unheard, so there was nothing to look for.
    expect(t.slack.callsTo('conversations.history')).toHaveLength(0);
    expect(inc.cardAttemptAt).toBeUndefined();
  });

  it('Slack took the card but its answer was lost: the retry finds it and updates it instead of posting', async () => {
    const lost = t.slack.loseNextAnswer('chat.postMessage', 'http500');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - 2 * MIN }));
    await t.worker.runOnce();
    await lost;
    // The bot heard a 500; Slack holds the card. The incident remembers that it may.
    expect(topLevel(t)).toHaveLength(1);
    const [held] = topLevel(t);
    const before = (await t.store.incidents.get(held.metadata.event_payload.incident_id))!;
    expect(before.cardTs).toBeUndefined();
    expect(before.cardAttemptAt).toBeDefined();

    await t.notify(pendingTaskAlarm({ state: 'OK', at: t.clock.now() - MIN }));
    await t.drain();
    expect(cardPosts(t)).toHaveLength(1);
    expect(topLevel(t)).toHaveLength(1);
    const history = t.slack.callsTo('conversations.history');
    expect(history.length).toBeGreaterThanOrEqual(1);
    expect(history[0].args).toMatchObject({ channel: ALARM_CHANNEL, include_all_metadata: 'true' });
    // Adopted: its ts recorded, the card brought up to date (now OK) and its thread line posted under it.
    const after = (await t.store.incidents.get(before.id))!;
    expect(after).toMatchObject({ cardTs: held.ts, cardAttemptAt: undefined, state: 'OK' });
    expect(held.updates).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(held.blocks)).toContain('OK');
    expect(t.slack.repliesTo(ALARM_CHANNEL, held.ts).map((m) => m.text)).toEqual([
      expect.stringContaining('OK: PendingTaskCount'),
    ]);
    expect(t.logs.records().some((r) => /found in the channel after an unheard post/.test(String(r.msg)))).toBe(true);
  });

  it('an attempt that never reached Slack: the history has no such card, so it is posted once', async () => {
    t.slack.failNext(1, { status: 500 }, 'chat.postMessage');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - MIN }));
    await t.drain();
    expect(t.slack.callsTo('conversations.history')).toHaveLength(1);
    expect(cardPosts(t).map((c) => c.status)).toEqual([500, 200]);
    expect(topLevel(t)).toHaveLength(1);
    const inc = (await t.store.incidents.get(topLevel(t)[0].metadata.event_payload.incident_id))!;
    expect(inc).toMatchObject({ cardTs: topLevel(t)[0].ts, cardAttemptAt: undefined });
  });

  it('a passing failure of the look-up is retried, never answered with a second card', async () => {
    const lost = t.slack.loseNextAnswer('chat.postMessage', 'http500');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - MIN }));
    await t.worker.runOnce();
    await lost;
    t.slack.failNext(2, { status: 500 }, 'conversations.history');
    await t.drain();
    expect(cardPosts(t)).toHaveLength(1);
    expect(topLevel(t)).toHaveLength(1);
    expect(topLevel(t)[0].updates).toBeGreaterThanOrEqual(1);
  });

  it('without the history scope the card is posted anyway, with one warning however many cards', async () => {
    t.slack.refuse((method) => (method === 'conversations.history' ? 'missing_scope' : undefined));
    t.slack.failNext(2, { status: 500 }, 'chat.postMessage');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - MIN, name: 'scope-a', service: 'a' }));
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - MIN, name: 'scope-b', service: 'b' }));
    await t.drain();
    expect(t.slack.calls.filter((c) => c.method === 'conversations.history')).toHaveLength(2);
    // Both cards appear (never lost for want of a scope)...
    expect(topLevel(t)).toHaveLength(2);
    // ...and the operator is told once what is missing and what it risks.
    const warnings = refusedHistory(t);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain('missing_scope');
    expect(warnings[0].msg).toContain('channels:history and groups:history');
    expect(warnings[0].msg).toContain('may show twice');
  });
});

describe('a thread reply posted twice', () => {
  it("Slack took the reply but its answer was lost: the retry finds it in the card's thread and does not repeat it", async () => {
    const t = await startAlarmBot();
    try {
      const at = t.clock.now() - 3 * MIN;
      await t.notify(pendingTaskAlarm({ at }));
      await t.drain();
      const [card] = topLevel(t);
      const lost = t.slack.loseNextAnswer('chat.postMessage', 'http500');
      await t.notify(pendingTaskAlarm({ state: 'OK', at: at + MIN }));
      await t.worker.runOnce();
      const call = await lost;
      expect(call.args.thread_ts).toBe(card.ts);
      expect(call.args.metadata).toMatchObject({ event_type: LINES_EVENT_TYPE });
      // Another change arrives before the retry: the retry adopts the first reply and posts only the new line.
      await t.notify(pendingTaskAlarm({ state: 'ALARM', at: at + 2 * MIN }));
      await t.drain();
      const replies = t.slack.repliesTo(ALARM_CHANNEL, card.ts);
      expect(replies.map((m) => m.text)).toEqual([
        expect.stringContaining('OK: PendingTaskCount'),
        expect.stringContaining('ALARM again'),
      ]);
      const lookups = t.slack.callsTo('conversations.replies');
      expect(lookups).toHaveLength(1);
      expect(lookups[0].args).toMatchObject({ channel: ALARM_CHANNEL, ts: card.ts, include_all_metadata: 'true' });
      expect(t.logs.records().some((r) => /thread reply found in the card thread/.test(String(r.msg)))).toBe(true);
      // A reaction on the adopted reply still finds its alarm.
      const inc = (await t.store.incidents.get(card.metadata.event_payload.incident_id))!;
      expect((await t.store.incidentReactions.byThreadMessage(ALARM_CHANNEL, replies[0].ts))?.id).toBe(inc.id);
      expect(await t.store.incidents.postAttemptAt('thread', inc.id)).toBeUndefined();
    } finally {
      await t.stop();
    }
  });
});

describe('a storm digest posted twice', () => {
  it('Slack took the digest but its answer was lost: the retry finds it and updates it instead of posting', async () => {
    const t = await startAlarmBot({ env: { STORM_THRESHOLD: '1' } });
    try {
      const at = t.clock.now() - MIN;
      await t.notify(pendingTaskAlarm({ at, name: 'storm-0', service: 's0' }));
      await t.drain();
      expect(topLevel(t)).toHaveLength(1);
      const lost = t.slack.loseNextAnswer('chat.postMessage', 'http500');
      await t.notify(pendingTaskAlarm({ at, name: 'storm-1', service: 's1' }));
      await t.notify(pendingTaskAlarm({ at, name: 'storm-2', service: 's2' }));
      await t.drain();
      const call = await lost;
      expect(call.args.metadata).toMatchObject({ event_type: DIGEST_EVENT_TYPE });
      const digests = topLevel(t).filter((m) => m.metadata?.event_type === DIGEST_EVENT_TYPE);
      expect(digests).toHaveLength(1);
      expect(cardPosts(t).filter((c) => c.args.metadata?.event_type === DIGEST_EVENT_TYPE)).toHaveLength(1);
      expect(digests[0].updates).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(digests[0].blocks)).toContain('storm-2');
      const digestId = digests[0].metadata.event_payload.digest_id;
      expect((await t.store.incidents.getDigest(digestId))?.ts).toBe(digests[0].ts);
      expect(await t.store.incidents.postAttemptAt('digest', digestId)).toBeUndefined();
    } finally {
      await t.stop();
    }
  });
});
