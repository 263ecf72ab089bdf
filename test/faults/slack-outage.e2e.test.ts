import { startFakeSlack } from '../helpers/fake-slack';
import { sendCommand } from '../helpers/slack-sign';
import { ALARM_CHANNEL, startTestBot } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { cardsOf, cardState, isoSecs, threadLineTimes } from './alarm-views';

const SEC = 1000;
const ALARMS = ['outage-a', 'outage-b', 'outage-c', 'outage-d', 'outage-e'];

/**
 * Slack answers HTTP 500 to every call for 60 s of fake time while alarms keep changing, then
 * recovers. Every alarm must end up on exactly one card showing its latest state, with every state
 * change in its thread exactly once — and the bot must back off instead of hammering Slack.
 */
describe('Slack down for 60 s, then back', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  /** Runs the outbox worker, moving the fake clock to each next due item, until `end` (Slack failing while now < outageEnd). */
  async function runUntil(end: number, outageEnd: number): Promise<void> {
    for (let pass = 0; pass < 500; pass++) {
      t.slack.clearFaults();
      if (t.clock.now() < outageEnd) t.slack.failNext(10_000, { status: 500 });
      await t.worker.runOnce();
      const items = await t.store.outbox.list();
      const due = items.length
        ? Math.min(...items.map((x) => Math.max(x.availableAt, x.claimedUntil ?? 0)))
        : Number.POSITIVE_INFINITY;
      if (due > end) {
        t.clock.set(end);
        return;
      }
      t.clock.set(Math.max(due, t.clock.now() + 1));
    }
    throw new Error('the outbox did not settle');
  }

  it('delivers every alarm in its latest state, each change once, after backing off', async () => {
    const start = Math.floor(t.clock.now() / SEC) * SEC;
    t.clock.set(start);
    const outageEnd = start + 60 * SEC;
    // state changes per alarm: [offset from start, state]; the last one is what the card must show.
    const changes: Record<string, [number, 'ALARM' | 'OK'][]> = {
      'outage-a': [[0, 'ALARM']],
      'outage-b': [
        [0, 'ALARM'],
        [20, 'OK'],
      ],
      'outage-c': [
        [0, 'ALARM'],
        [20, 'OK'],
        [40, 'ALARM'],
      ],
      'outage-d': [
        [10, 'ALARM'],
        [30, 'OK'],
        [50, 'ALARM'],
        [55, 'OK'],
      ],
      'outage-e': [[45, 'ALARM']],
    };
    const timeline = Object.entries(changes)
      .flatMap(([name, cs]) => cs.map(([s, state]) => ({ name, at: start + s * SEC, state })))
      .sort((a, b) => a.at - b.at);

    for (const c of timeline) {
      await runUntil(c.at, outageEnd);
      const res = await t.notify(pendingTaskAlarm({ name: c.name, state: c.state, at: c.at, service: c.name }));
      expect(res.status).toBe(200);
    }
    await runUntil(outageEnd - 1, outageEnd);

    // During the outage nothing reached the channel, and the bot backed off: a handful of attempts, not a storm.
    const failed = t.slack.calls.filter((c) => c.status === 500);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(ALARMS.length * 8);
    expect(t.slack.messagesIn(ALARM_CHANNEL)).toHaveLength(0);

    await runUntil(outageEnd + 30 * 60 * SEC, outageEnd);
    expect(await t.store.outbox.list()).toEqual([]);

    for (const name of ALARMS) {
      const cs = changes[name];
      const cards = cardsOf(t.slack, ALARM_CHANNEL, name);
      expect({ name, cards: cards.length }).toEqual({ name, cards: 1 });
      expect({ name, state: cardState(cards[0]) }).toEqual({ name, state: cs[cs.length - 1][1] });
      // Every change after the one that opened the card is in the thread, exactly once, in order.
      const expected = cs.slice(1).map(([s]) => isoSecs(start + s * SEC));
      expect({ name, lines: threadLineTimes(t.slack, ALARM_CHANNEL, cards[0].ts) }).toEqual({ name, lines: expected });
    }
    // Nothing posted twice: every successful post is a card or a thread reply the channel holds.
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(t.slack.messagesIn(ALARM_CHANNEL).length);
  });
});

describe('Slack failing while the bot starts', () => {
  it('answers commands once Slack is back (auth.test is asked again, not cached as failed)', async () => {
    const slack = await startFakeSlack();
    slack.failNext(2, { status: 500 }, 'auth.test');
    const t = await startTestBot({ slack });
    try {
      await slack.waitFor(
        () => slack.calls.some((c) => c.method === 'auth.test' && c.status === 500),
        5000,
        'the failed auth.test',
      );
      // The first command after the failure may meet Slack still failing; the one after that must work.
      await sendCommand(t.url, { text: 'help', response_url: slack.responseUrl('early') });
      const res = await sendCommand(t.url, { text: 'help', response_url: slack.responseUrl('later') });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('ECS ChatOps');
      expect(slack.callsTo('auth.test')).toHaveLength(1);
      expect(t.logs.records().some((r) => r.msg === 'auth.test failed; will ask Slack again on the next request')).toBe(
        true,
      );
    } finally {
      await t.stop();
      await slack.stop();
    }
  });
});
