import { FakeClock, startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { openTestStore, type TestStore } from '../helpers/stores';
import { ALARM_CHANNEL } from '../helpers/test-bot';

/**
 * Two replicas of the real app sharing one PostgreSQL database (a private schema), one fake Slack,
 * one fake clock and one SNS signing key, as two tasks behind a load balancer would. Their outbox
 * workers are driven by hand (`runOnce`), concurrently, so every assertion is deterministic.
 */
export interface AlarmReplicas {
  pg: TestStore;
  slack: FakeSlack;
  clock: FakeClock;
  a: AlarmBot;
  b: AlarmBot;
  /** The given replicas' outbox workers (default both) at once, pass after pass, moving the clock to the next due item, until the outbox is empty. */
  drain(bots?: AlarmBot[], maxPasses?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startAlarmReplicas(env: Record<string, string> = {}): Promise<AlarmReplicas> {
  const slack = await startFakeSlack();
  const pg = await openTestStore('postgres');
  const clock = new FakeClock();
  const started: AlarmBot[] = [];
  try {
    for (let i = 0; i < 2; i++)
      started.push(await startAlarmBot({ slack, clock, env: { DATABASE_URL: pg.url, ...env } }));
  } catch (err) {
    await Promise.all(started.map((t) => t.stop()));
    await pg.cleanup();
    await slack.stop();
    throw err;
  }
  const [a, b] = started;
  return {
    pg,
    slack,
    clock,
    a,
    b,
    async drain(bots = [a, b], maxPasses = 200) {
      for (let i = 0; i < maxPasses; i++) {
        await Promise.all(bots.map((t) => t.worker.runOnce()));
        const items = await pg.store.outbox.list();
        if (items.length === 0) return;
        clock.set(Math.min(...items.map((x) => Math.max(x.availableAt, x.claimedUntil ?? 0))));
      }
      throw new Error(`outbox not drained after ${maxPasses} passes: ${JSON.stringify(await pg.store.outbox.list())}`);
    },
    async stop() {
      await Promise.all([a, b].map((t) => t.stop()));
      await pg.cleanup();
      await slack.stop();
    },
  };
}

/** The alarm channel's top-level messages (cards and digests), oldest first. */
export const cardsIn = (slack: FakeSlack, channel = ALARM_CHANNEL) =>
  slack.messagesIn(channel).filter((m) => !m.thread_ts);

export const headerOf = (m: { blocks?: any[] }) =>
  (m.blocks?.find((b) => b.type === 'header')?.text.text as string | undefined) ?? '';

/** Thread lines under a card (a reply may carry several lines). */
export const threadLines = (slack: FakeSlack, ts: string, channel = ALARM_CHANNEL) =>
  slack
    .repliesTo(channel, ts)
    .flatMap((m) => (m.text ?? '').split('\n'))
    .filter(Boolean);

/** Top-level chat.postMessage calls Slack accepted (thread replies excluded). */
export const topLevelPosts = (slack: FakeSlack) => slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts);
