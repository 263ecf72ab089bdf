import { GetMetricWidgetImageCommand } from '@aws-sdk/client-cloudwatch';
import { randomUUID } from 'node:crypto';
import { ACTIONS } from '../../src/slack/actions';
import { postSns } from '../helpers/sns-signer';
import { buttonClick, sendInteraction } from '../helpers/slack-sign';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm, placementFailure, steadyState, taskStopped } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from './helpers';

const MIN = 60_000;
const topLevel = (t: AlarmBot, ch = ALARM_CHANNEL) => t.slack.messagesIn(ch).filter((m) => !m.thread_ts);
const header = (m: { blocks?: any[] }) => m.blocks?.find((b) => b.type === 'header')?.text.text as string;
const allText = (m: { blocks?: any[]; attachments?: any[] }) => JSON.stringify([m.blocks, m.attachments]);
const buttonValue = (m: { blocks?: any[] }, actionId: string) =>
  m.blocks?.find((b) => b.type === 'actions')?.elements.find((e: any) => e.action_id === actionId)?.value as string;

describe('one living card per alarm, end to end', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('posts the first ALARM as a card with everything an on-call engineer needs', async () => {
    const at = t.clock.now() - 30_000;
    expect((await t.notify(pendingTaskAlarm({ at }))).status).toBe(200);
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(header(card)).toBe(':red_circle: ALARM · lab-api-pending-tasks');
    const text = allText(card);
    expect(text).toContain('Tasks of lab/api cannot be placed');
    expect(text).toContain('PendingTaskCount was 2 (Maximum per 1 min), above the threshold 0');
    expect(text).toContain('ECS/ContainerInsights · `PendingTaskCount`');
    expect(text).toContain('Maximum &gt; 0 for 1 of 1 × 1 min');
    expect(text).toContain('`lab`');
    expect(text).toContain('`api`');
    expect(text).toContain(`<!date^${Math.floor(Date.parse(new Date(at).toISOString()) / 1000)}^`);
    expect(text).toContain(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/lab-api-pending-tasks',
    );
    expect(text).toContain(
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/lab/services/api/health?region=us-east-1',
    );
    const actions = card.blocks?.find((b) => b.type === 'actions').elements.map((e: any) => e.action_id);
    expect(actions).toEqual([
      ACTIONS.alarmDiagnose,
      ACTIONS.alarmStatus,
      ACTIONS.alarmAck,
      ACTIONS.alarmSilence,
      ACTIONS.alarmScale,
      ACTIONS.alarmLogs,
    ]);
    expect(JSON.parse(buttonValue(card, ACTIONS.alarmDiagnose))).toMatchObject({
      c: 'lab',
      s: 'api',
      k: expect.any(String),
    });
    expect(card.attachments?.[0].color).toBe('#D93F3C');
    // The optional graph was attempted and refused by the fake AWS: harmless, logged.
    expect(t.logs.records().some((r) => r.msg === 'metric graph not attached (the card is unaffected)')).toBe(true);
  });

  it('ALARM then OK updates the same card in place and adds a thread line without pinging', async () => {
    const at = t.clock.now() - 20 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + 12 * MIN }));
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(cards[0].updates).toBe(1);
    expect(header(cards[0])).toBe(':large_green_circle: OK · lab-api-pending-tasks');
    expect(cards[0].attachments?.[0].color).toBe('#2EB67D');
    expect(allText(cards[0])).toContain('was in ALARM for 12 min');
    const replies = t.slack.repliesTo(ALARM_CHANNEL, cards[0].ts);
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toContain('OK: PendingTaskCount is back to 0');
    expect(replies[0].text).toContain('(was in ALARM for 12 min)');
    expect(replies[0].text).not.toMatch(/<@|<!channel|<!here/);
    expect(t.slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('a duplicate MessageId posts once', async () => {
    const env = t.signer.envelope({ message: pendingTaskAlarm({ at: t.clock.now() }), timestamp: t.clock.now() });
    expect((await postSns(t.url, env)).status).toBe(200);
    const again = await postSns(t.url, env);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe('duplicate');
    await t.drain();
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('OK arriving before an older ALARM keeps the card OK', async () => {
    const at = t.clock.now() - 30 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + 20 * MIN }));
    // An ALARM from between the two arrives last.
    await t.notify(pendingTaskAlarm({ state: 'ALARM', old: 'OK', at: at + 10 * MIN }));
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(header(cards[0])).toContain('OK');
    const lines = t.slack
      .repliesTo(ALARM_CHANNEL, cards[0].ts)
      .map((m) => m.text)
      .join('\n');
    expect(lines).toContain('arrived late');
  });

  it('OK first and the ALARM after it: the card shows OK and how long the ALARM lasted', async () => {
    const at = t.clock.now() - 30 * MIN;
    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + 7 * MIN }));
    await t.drain();
    expect(topLevel(t)).toHaveLength(0);
    await t.notify(pendingTaskAlarm({ state: 'ALARM', at }));
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(header(cards[0])).toContain('OK');
    expect(allText(cards[0])).toContain('was in ALARM for 7 min');
  });

  it('retries a Slack 429 after Retry-After and a 500 burst until the card is posted', async () => {
    t.slack.failNext(1, { status: 429, retryAfter: 7 }, 'chat.postMessage');
    t.slack.failNext(3, { status: 500 }, 'chat.postMessage');
    const start = t.clock.now();
    await t.notify(pendingTaskAlarm({ at: start }));
    await t.worker.runOnce();
    let [item] = await t.store.outbox.list();
    expect(item).toMatchObject({ attempts: 1, lastError: 'ratelimited' });
    expect(item.availableAt).toBe(start + 7000);
    // Not before Retry-After.
    t.clock.set(start + 6000);
    await t.worker.runOnce();
    expect(t.slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    await t.drain();
    const posts = t.slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 500, 500, 500, 200]);
    expect(topLevel(t)).toHaveLength(1);
    expect(await t.store.outbox.list()).toEqual([]);
    [item] = await t.store.outbox.list();
    expect(item).toBeUndefined();
  });

  it('keeps every update through a Slack outage and ends in the latest state', async () => {
    const at = t.clock.now() - 10 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    t.slack.failNext(5, { status: 500 });
    for (let i = 1; i <= 6; i++) {
      await t.notify(pendingTaskAlarm({ state: i % 2 ? 'OK' : 'ALARM', at: at + i * MIN }));
    }
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(header(cards[0])).toContain('ALARM');
    // Six changes coalesced: few updates, every change in the thread.
    expect(t.slack.callsTo('chat.update').length).toBeLessThanOrEqual(2);
    const lines = t.slack
      .repliesTo(ALARM_CHANNEL, cards[0].ts)
      .map((m) => m.text ?? '')
      .join('\n')
      .split('\n');
    expect(lines).toHaveLength(6);
  });

  it('acknowledge and silence show on the card; silence suppresses new channel posts, not thread lines', async () => {
    const at = t.clock.now() - 70 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    const card = topLevel(t)[0];
    const ackValue = buttonValue(card, ACTIONS.alarmAck);
    const silenceValue = buttonValue(card, ACTIONS.alarmSilence);
    const rAck = t.slack.responseUrl();
    const res = await sendInteraction(
      t.url,
      buttonClick({
        actionId: ACTIONS.alarmAck,
        value: ackValue,
        responseUrl: rAck,
        messageTs: card.ts,
        userId: 'U0BOB',
      }),
    );
    expect(res.status).toBe(200);
    const idOf = (u: string) => u.split('/').pop() as string;
    await t.slack.waitFor(() => t.slack.responsesTo(idOf(rAck))[0], 5000, 'ack response');
    expect(t.slack.responsesTo(idOf(rAck))[0].body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('You acknowledged'),
    });
    await t.drain();
    const acked = topLevel(t)[0];
    expect(allText(acked)).toContain('Acknowledged by <@U0BOB>');
    expect(JSON.parse(buttonValue(acked, ACTIONS.alarmAck)).op).toBe('unack');
    expect((await t.store.audit.latest(5)).some((a) => a.action === 'alarm.ack' && a.actor === 'U0BOB')).toBe(true);

    // A second click on the old Acknowledge button does not undo it.
    const rAgain = t.slack.responseUrl();
    await sendInteraction(
      t.url,
      buttonClick({ actionId: ACTIONS.alarmAck, value: ackValue, responseUrl: rAgain, userId: 'U0CAROL' }),
    );
    await t.slack.waitFor(() => t.slack.responsesTo(idOf(rAgain))[0], 5000, 'second ack response');
    expect(t.slack.responsesTo(idOf(rAgain))[0].body.text).toContain('already acknowledged by <@U0BOB>');

    const rSil = t.slack.responseUrl();
    await sendInteraction(
      t.url,
      buttonClick({ actionId: ACTIONS.alarmSilence, value: silenceValue, responseUrl: rSil, userId: 'U0BOB' }),
    );
    await t.slack.waitFor(() => t.slack.responsesTo(idOf(rSil))[0], 5000, 'silence response');
    expect(t.slack.responsesTo(idOf(rSil))[0].body.text).toContain('silenced until');
    const silencedAt = t.clock.now();
    await t.worker.runOnce();
    expect(allText(topLevel(t)[0])).toContain('Silenced until');

    // Silenced: the OK still updates the card and its thread.
    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + 5 * MIN }));
    t.clock.advance(1000);
    await t.worker.runOnce();
    t.clock.advance(1000);
    await t.worker.runOnce();
    expect(header(topLevel(t)[0])).toContain('OK');
    expect(
      t.slack
        .repliesTo(ALARM_CHANNEL, card.ts)
        .map((m) => m.text)
        .join('\n'),
    ).toContain('OK:');

    // More than the reopen window after the OK, it fires again: a new incident, but no channel post while silenced.
    await t.notify(pendingTaskAlarm({ at: t.clock.now() - 1000 }));
    t.clock.advance(1000);
    await t.worker.runOnce();
    expect(topLevel(t)).toHaveLength(1);
    // When the silence ends, the alarm that is still firing gets its card.
    await t.drain();
    expect(t.clock.now()).toBeGreaterThanOrEqual(silencedAt + 3600_000);
    const cards = topLevel(t);
    expect(cards).toHaveLength(2);
    expect(header(cards[1])).toContain('ALARM');
    // And the first card no longer claims to be silenced.
    expect(allText(cards[0])).not.toContain('Silenced until');
  });

  it('falls back to a text-only card when Slack refuses the blocks', async () => {
    t.slack.failNext(1, { error: 'invalid_blocks' }, 'chat.postMessage');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(cards[0].text).toContain('*ALARM* · *lab-api-pending-tasks*');
  });

  it('posts a new card when the old one was deleted in Slack', async () => {
    const at = t.clock.now() - 10 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    t.slack.messages.clear();
    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + MIN }));
    await t.drain();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(header(cards[0])).toContain('OK');
  });

  it('keeps retrying, and says what to do, when the bot is not in the channel', async () => {
    t.slack.failNext(2, { error: 'not_in_channel' }, 'chat.postMessage');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
    await t.drain();
    expect(topLevel(t)).toHaveLength(1);
    expect(
      t.logs.records().some((r) => r.level === 'error' && r.code === 'not_in_channel' && /invite the bot/.test(r.msg)),
    ).toBe(true);
  });

  it('refuses a malformed button value clearly', async () => {
    const r = t.slack.responseUrl();
    await sendInteraction(
      t.url,
      buttonClick({ actionId: ACTIONS.alarmAck, value: '{"k":"../../etc"}', responseUrl: r }),
    );
    await t.slack.waitFor(() => t.slack.responsesTo(r.split('/').pop() as string)[0], 5000, 'response');
    expect(t.slack.responsesTo(r.split('/').pop() as string)[0].body.text).toContain('malformed');
  });

  it('turns an ECS placement failure into a card and closes it on steady state', async () => {
    const now = t.clock.now();
    await t.notify(placementFailure(new Date(now - 10 * MIN).toISOString().replace(/\.\d+Z$/, 'Z')));
    await t.drain();
    const card = topLevel(t)[0];
    expect(header(card)).toBe(':red_circle: ALARM · lab/api');
    expect(allText(card)).toContain('no container instance has enough free memory (RESOURCE:MEMORY)');
    await t.notify(steadyState(new Date(now - MIN).toISOString().replace(/\.\d+Z$/, 'Z')));
    await t.drain();
    expect(topLevel(t)).toHaveLength(1);
    expect(header(topLevel(t)[0])).toContain('OK');
  });

  it('an ECS stopped-task event older than the placement failure that opened the card keeps its content in the thread', async () => {
    const now = t.clock.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    await t.notify(placementFailure(iso(now - 5 * MIN).replace(/\.\d+Z$/, 'Z')));
    await t.drain();
    const card = topLevel(t)[0];
    // EventBridge delivers out of order: the task that stopped earlier (killed for memory) arrives now.
    const stop = {
      ...taskStopped,
      id: `ev-${randomUUID()}`,
      detail: { ...taskStopped.detail, stoppedAt: iso(now - 8 * MIN) },
    };
    expect((await t.notify(stop)).status).toBe(200);
    await t.drain();
    expect(topLevel(t)).toHaveLength(1);
    expect(header(topLevel(t)[0])).toBe(':red_circle: ALARM · lab/api');
    const lines = t.slack
      .repliesTo(ALARM_CHANNEL, card.ts)
      .map((m) => m.text)
      .join('\n');
    expect(lines).toContain('Task 5f3d0a6c2b7e of service api stopped (EssentialContainerExited)');
    expect(lines).toContain('exit code 137');
    expect(lines).toContain('OutOfMemoryError: Container killed due to memory usage');
    expect(lines).toContain('Arrived late');
    expect(lines).not.toContain(':hourglass:');
  });

  it('shows a message it cannot parse as a raw card instead of dropping it', async () => {
    await t.notify('Disk almost full on build-runner-3', { subject: 'Build runner warning' });
    await t.drain();
    const card = topLevel(t)[0];
    expect(header(card)).toBe(':large_purple_circle: NOTICE · Build runner warning');
    expect(allText(card)).toContain('Disk almost full on build-runner-3');
  });
});

describe('storm control', () => {
  it('posts individual cards up to the threshold, then one digest listing the rest', async () => {
    const t = await startAlarmBot({ env: { STORM_THRESHOLD: '3' } });
    try {
      const at = t.clock.now();
      for (let i = 0; i < 8; i++)
        await t.notify(pendingTaskAlarm({ at, name: `svc-${i}-pending`, service: `svc-${i}` }));
      await t.drain();
      const top = topLevel(t);
      expect(top).toHaveLength(4);
      const digest = top.find((m) => header(m).includes('Alarm storm'));
      expect(digest).toBeDefined();
      expect(header(digest!)).toContain('5 new alarms');
      for (let i = 3; i < 8; i++) expect(allText(digest!)).toContain(`svc-${i}-pending`);
      // A later change to a digested alarm updates the digest in place.
      await t.notify(pendingTaskAlarm({ state: 'OK', at: at + MIN, name: 'svc-5-pending', service: 'svc-5' }));
      await t.drain();
      expect(topLevel(t)).toHaveLength(4);
      expect(header(topLevel(t).find((m) => header(m).includes('Alarm storm'))!)).toContain('4 still firing');
    } finally {
      await t.stop();
    }
  });

  it('keeps chat.postMessage to about one per second per channel', async () => {
    const t = await startAlarmBot({ env: { STORM_THRESHOLD: '100' } });
    try {
      const at = t.clock.now();
      for (let i = 0; i < 5; i++) await t.notify(pendingTaskAlarm({ at, name: `a-${i}`, service: `s${i}` }));
      const postedAt: number[] = [];
      for (let i = 0; i < 40 && topLevel(t).length < 5; i++) {
        const before = t.slack.callsTo('chat.postMessage').length;
        await t.worker.runOnce();
        if (t.slack.callsTo('chat.postMessage').length > before) postedAt.push(t.clock.now());
        t.clock.advance(250);
      }
      // Never two posts to the channel within a second of (fake) time.
      for (let i = 1; i < postedAt.length; i++) expect(postedAt[i] - postedAt[i - 1]).toBeGreaterThanOrEqual(1000);
      expect(topLevel(t)).toHaveLength(5);
      const posts = t.slack.callsTo('chat.postMessage').length;
      expect(posts).toBe(5);
      // 5 posts needed at least 4 seconds of (fake) time.
      expect(t.clock.now() - at).toBeGreaterThanOrEqual(4000);
    } finally {
      await t.stop();
    }
  });
});

describe('routing', () => {
  it('sends a cluster matching ALARM_ROUTES to its channel', async () => {
    const t = await startAlarmBot({ env: { ALARM_ROUTES: 'prod-*=C0PROD' } });
    try {
      await t.notify(pendingTaskAlarm({ at: t.clock.now(), cluster: 'prod-eu', name: 'prod-eu-api-pending' }));
      await t.notify(pendingTaskAlarm({ at: t.clock.now(), cluster: 'lab', name: 'lab-x' }));
      await t.drain();
      expect(topLevel(t, 'C0PROD')).toHaveLength(1);
      expect(topLevel(t, ALARM_CHANNEL)).toHaveLength(1);
    } finally {
      await t.stop();
    }
  });
});

describe('durability', () => {
  it('a restart between storing and posting still posts', async () => {
    const first = await startAlarmBot();
    const dbPath = first.config.database.kind === 'sqlite' ? first.config.database.path : '';
    const at = first.clock.now();
    expect((await first.notify(pendingTaskAlarm({ at }))).status).toBe(200);
    expect(first.slack.callsTo('chat.postMessage')).toHaveLength(0);
    await first.bot.stop();
    const second = await startAlarmBot({ slack: first.slack, clock: first.clock, env: { DATABASE_URL: dbPath } });
    try {
      await second.drain();
      expect(topLevel(second)).toHaveLength(1);
      expect(header(topLevel(second)[0])).toContain('ALARM');
    } finally {
      await second.stop();
      await first.slack.stop();
    }
  });

  it('forgets MessageIds after two hours and reports the outbox depth', async () => {
    const t = await startAlarmBot();
    try {
      const env = t.signer.envelope({ message: pendingTaskAlarm({ at: t.clock.now() }), timestamp: t.clock.now() });
      await postSns(t.url, env);
      await t.worker.runOnce();
      expect((await t.bot.ctx.metrics.outboxDepth.get()).values[0].value).toBeGreaterThanOrEqual(1);
      await t.drain();
      expect(await t.store.snsMessages.seen(env)).toBe(true);
      t.clock.advance(2 * 3600_000 + 11 * 60_000);
      await t.worker.runOnce();
      expect(await t.store.snsMessages.seen(env)).toBe(false);
      expect((await t.bot.ctx.metrics.outboxDepth.get()).values[0].value).toBe(0);
    } finally {
      await t.stop();
    }
  });

  it('the running worker delivers without being driven (real loop, kicked after commit)', async () => {
    const t = await startAlarmBot({ noWorkers: false });
    try {
      await t.notify(pendingTaskAlarm({ at: t.clock.now(), name: `live-${randomUUID().slice(0, 6)}` }));
      await t.slack.waitFor(() => topLevel(t).length === 1, 5000, 'card from the live worker');
      expect(topLevel(t)).toHaveLength(1);
    } finally {
      await t.stop();
    }
  });
});

describe('metric graph', () => {
  it('attaches a graph from GetMetricWidgetImage to the card thread with files.uploadV2', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const t = await startAlarmBot({
      cloudwatch: (cw) => cw.on(GetMetricWidgetImageCommand).resolves({ MetricWidgetImage: new Uint8Array(png) }),
    });
    try {
      await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
      await t.drain();
      const call = t.cloudwatch!.commandCalls(GetMetricWidgetImageCommand)[0];
      const widget = JSON.parse(call.args[0].input.MetricWidget as string);
      expect(widget.metrics[0]).toEqual([
        'ECS/ContainerInsights',
        'PendingTaskCount',
        'ClusterName',
        'lab',
        'ServiceName',
        'api',
        { stat: 'Maximum', period: 60 },
      ]);
      expect(widget.annotations.horizontal[0].value).toBe(0);
      const complete = t.slack.callsTo('files.completeUploadExternal')[0];
      expect(complete.args.thread_ts).toBe(topLevel(t)[0].ts);
      expect([...t.slack.uploads.values()][0].indexOf(png)).toBeGreaterThanOrEqual(0);
    } finally {
      await t.stop();
    }
  });
});
