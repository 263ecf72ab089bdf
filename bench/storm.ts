import { startFakeSlack } from '../test/helpers/fake-slack';
import { ALARM_CHANNEL } from '../test/helpers/test-bot';
import { startBenchBot, until } from './bench-bot';
import type { BenchResult, Row } from './lib';
import { accepted, prepareSnsLoad } from './sns-load';
import {
  certFetcher,
  finalState,
  makeSigningKeys,
  notificationAt,
  TEST_TOPIC_ARN,
  type TrafficPlan,
} from './sns-traffic';
import { shownStates } from './slack-view';

/**
 * Alarm storm: 5,000 signed notifications for 200 distinct alarms, sent evenly over 10 s, against a
 * fake Slack that allows one chat.postMessage per second per channel (429 beyond). Measures how many
 * Slack calls the bot made, how many were rate-limited, how long until the outbox drained, and
 * whether every alarm's final state reached the channel (its card, or its line in the storm digest).
 */
export async function benchStorm(
  o: { notifications?: number; alarms?: number; seconds?: number; drainTimeoutMs?: number } = {},
): Promise<BenchResult> {
  const notifications = o.notifications ?? 5000;
  const alarms = o.alarms ?? 200;
  const seconds = o.seconds ?? 10;
  const keys = await makeSigningKeys();
  const slack = await startFakeSlack();
  slack.postRatePerChannel = 1;
  const b = await startBenchBot(slack, {
    env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN },
    inject: { fetchCertificate: certFetcher(keys.certPem) },
  });
  const plan: TrafficPlan = { count: notifications, alarms, baseAt: Date.now() - 600_000, prefix: 'storm' };
  try {
    const load = await prepareSnsLoad({
      url: `${b.url}/sns`,
      keyPem: keys.keyPem,
      plan,
      from: 0,
      count: notifications,
      connections: 20,
      presign: true,
      ratePerSec: notifications / seconds,
    });
    const started = performance.now();
    const r = await load.go();
    const sentAt = performance.now();
    const drained = await until(
      async () => (await b.store.outbox.stats()).depth === 0,
      o.drainTimeoutMs ?? 300_000,
      250,
    );
    const drainedAt = performance.now();

    const expected = new Map<string, string>();
    for (let i = 0; i < notifications; i++) {
      const n = notificationAt(plan, i);
      expected.set(n.name, finalState(n.alarm));
    }
    const shown = shownStates(slack, ALARM_CHANNEL);
    let onCard = 0;
    let onDigest = 0;
    let wrong = 0;
    const wrongNames: string[] = [];
    for (const [name, state] of expected) {
      const s = shown.get(name);
      if (!s) continue;
      if (s.state !== state) {
        wrong += 1;
        wrongNames.push(`${name} shows ${s.state}, is ${state}`);
      } else if (s.where === 'card') onCard += 1;
      else onDigest += 1;
    }
    const notShown = expected.size - onCard - onDigest - wrong;
    const stored = await b.store.db.query<{ name: string; state: string }>(`SELECT name, state FROM incidents`);
    const storedRight = stored.filter((i) => expected.get(i.name) === i.state).length;

    const byMethod = new Map<string, { ok: number; limited: number; failed: number }>();
    for (const c of slack.calls) {
      const e = byMethod.get(c.method) ?? { ok: 0, limited: 0, failed: 0 };
      if (c.status === 429) e.limited += 1;
      else if (c.status !== 200) e.failed += 1;
      else e.ok += 1;
      byMethod.set(c.method, e);
    }
    const limited = slack.calls.filter((c) => c.status === 429).length;
    const rows: Row[] = [
      { measure: 'notifications accepted (200) / sent', value: `${accepted(r)} / ${r.sent}`, baseline: '' },
      { measure: 'send window (s)', value: (sentAt - started) / 1000, baseline: seconds },
      {
        measure: 'Slack API calls, all methods',
        value: slack.calls.length,
        baseline: `${notifications} posts (one per notification)`,
      },
      ...[...byMethod].map(([m, e]) => ({
        measure: `  ${m}`,
        value: `${e.ok} ok, ${e.limited} rate-limited${e.failed ? `, ${e.failed} failed` : ''}`,
        baseline: '',
      })),
      { measure: 'rate-limited calls (429)', value: limited, baseline: '' },
      {
        measure: 'time to drain from first send (s)',
        value: drained ? (drainedAt - started) / 1000 : `not drained after ${(drainedAt - started) / 1000} s`,
        baseline: `≥ ${notifications} s at 1 post/s`,
      },
      { measure: 'alarms whose final state is on their card', value: onCard, baseline: alarms },
      { measure: 'alarms whose final state is on a digest line', value: onDigest, baseline: '' },
      { measure: 'alarms only counted in a digest ("…and N more")', value: notShown, baseline: 0 },
      { measure: 'alarms showing a wrong state', value: wrong, baseline: 0 },
      {
        measure: 'incidents stored with the right final state',
        value: `${storedRight} / ${stored.length}`,
        baseline: alarms,
      },
    ];
    return {
      title: `Alarm storm (${notifications} notifications, ${alarms} alarms, ${seconds} s, Slack limited to 1 post/s per channel)`,
      rows,
      notes: [
        'Baseline column: what a bot posting one message per notification would need.',
        ...(wrongNames.length ? [`Wrong: ${wrongNames.slice(0, 5).join('; ')}`] : []),
        `Every alarm's final state reached Slack individually: ${onCard + onDigest === alarms && wrong === 0 ? 'yes' : 'NO'}.`,
      ],
    };
  } finally {
    await b.stop();
    await slack.stop();
  }
}
