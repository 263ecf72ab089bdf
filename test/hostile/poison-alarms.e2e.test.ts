import { sendCommand } from '../helpers/slack-sign';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';

/**
 * Notifications that once blocked their card for ever: a lone UTF-16 half (JSON `\ud83d`) broke the
 * console link (URIError) or Slack's form encoding, and the outbox retried the same failure every
 * five minutes without end. Now such text is made well-formed where notifications are parsed, a card
 * the bot cannot render goes out as a plain card at once, and an item that keeps failing is set aside,
 * counted and listed instead of being retried in silence.
 */
const LONE_HIGH = '\ud83d';
const topLevel = (t: AlarmBot) => t.slack.messagesIn(ALARM_CHANNEL).filter((m) => !m.thread_ts);
const header = (m: { blocks?: any[] }) => m.blocks?.find((b) => b.type === 'header')?.text.text as string;
/** Card items still waiting (a graph item may follow a posted card). */
const pendingCards = async (t: AlarmBot) => (await t.store.outbox.list()).filter((i) => i.kind === 'card');
const isWellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('poison notifications still become cards', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('a lone surrogate in AlarmName: the card is posted in the first outbox pass', async () => {
    const name = `api-${LONE_HIGH}-pending`;
    // JSON.stringify writes the lone half as the escape `\ud83d`, as a hostile publisher would.
    const message = JSON.stringify(pendingTaskAlarm({ name, at: t.clock.now() - 60_000 }));
    expect(message).toContain('\\ud83d');
    expect((await t.notify(message)).status).toBe(200);
    await t.worker.runOnce();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(header(cards[0])).toBe(':red_circle: ALARM · api-\ufffd-pending');
    expect(isWellFormed(JSON.stringify(cards[0]))).toBe(true);
    expect(await pendingCards(t)).toEqual([]);
  });

  it('a lone surrogate at the end of NewStateReason: the card is posted in the first outbox pass', async () => {
    // No Trigger (an alarm type without a metric): the card quotes NewStateReason as it came.
    const { Trigger: _trigger, ...alarm } = pendingTaskAlarm({ name: 'api-reason-poison', at: t.clock.now() - 60_000 });
    alarm.NewStateReason = `The queue is on fire ${LONE_HIGH}`;
    expect((await t.notify(JSON.stringify(alarm))).status).toBe(200);
    await t.worker.runOnce();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(cards[0].text).toContain('The queue is on fire \ufffd');
    expect(isWellFormed(String(cards[0].text))).toBe(true);
    expect(await t.store.outbox.list()).toEqual([]);
  });

  /** Rewrites the stored notification of the one pending card's incident, as an older version might have left it. */
  async function storedAs(change: (n: any) => void, name?: string): Promise<string> {
    const [item] = await t.store.outbox.list();
    const inc = (await t.store.incidents.get(item.incidentId!))!;
    const n = inc.notification as any;
    change(n);
    await t.store.db.run(`UPDATE incidents SET notification = $2, name = $3 WHERE id = $1`, [
      inc.id,
      JSON.stringify(n),
      name ?? inc.name,
    ]);
    return inc.id;
  }

  it('a card stored with poison text before this fix is posted at once, cleaned', async () => {
    expect((await t.notify(pendingTaskAlarm({ name: 'legacy-poison', at: t.clock.now() - 60_000 }))).status).toBe(200);
    await storedAs((n) => {
      n.alarmName = `legacy-${LONE_HIGH}`;
      n.summary = `Queue on fire ${LONE_HIGH}`;
    }, `legacy-${LONE_HIGH}`);
    await t.worker.runOnce();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    // SQLite hands the lone half back as replacement characters (one per byte it wrote).
    expect(header(cards[0])).toMatch(/^:red_circle: ALARM · legacy-\ufffd+$/);
    expect(cards[0].text).toContain('Queue on fire \ufffd');
    expect(isWellFormed(JSON.stringify(cards[0]))).toBe(true);
    expect(await pendingCards(t)).toEqual([]);
  });

  it('a card the bot cannot render goes out as a plain card at once, and the failure is logged', async () => {
    expect((await t.notify(pendingTaskAlarm({ name: 'legacy-shape', at: t.clock.now() - 60_000 }))).status).toBe(200);
    // A field in a shape this version does not expect: rendering the full card throws.
    const id = await storedAs((n) => {
      n.datapoints = 'not a list';
      n.summary = `Queue on fire ${LONE_HIGH}`;
    });
    await t.worker.runOnce();
    const cards = topLevel(t);
    expect(cards).toHaveLength(1);
    expect(cards[0].blocks ?? []).toEqual([]);
    expect(cards[0].text).toContain('legacy-shape');
    expect(cards[0].text).toContain('Queue on fire \ufffd');
    expect(await pendingCards(t)).toEqual([]);
    expect(
      t.logs.records().some((r) => r.level === 'error' && r.incident === id && /could not render/.test(r.msg)),
    ).toBe(true);
  });
});

describe('an alarm post Slack keeps refusing is set aside, counted and listed', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot({ env: { APPROVERS: 'U0BOSS' } });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('after a bounded number of attempts: out of the outbox, logged at error, in the metric, /ecs alarms and the doctor', async () => {
    t.slack.refuse((method, args) =>
      method === 'chat.postMessage' && !args.thread_ts ? 'invalid_arguments' : undefined,
    );
    expect((await t.notify(pendingTaskAlarm({ name: 'refused-card', at: t.clock.now() - 60_000 }))).status).toBe(200);
    const incidentId = (await t.store.outbox.list())[0].incidentId;
    await t.drain(20);
    expect(await t.store.outbox.list()).toEqual([]);
    const posts = t.slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.length).toBeGreaterThan(1);
    expect(posts.length).toBeLessThanOrEqual(10);

    const dead = await t.store.outbox.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ kind: 'card', incidentId, lastError: 'invalid_arguments' });
    const errorLog = t.logs
      .records()
      .find((r) => r.level === 'error' && r.incident === incidentId && /set aside/.test(r.msg));
    expect(errorLog).toBeDefined();

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/ecs_chatops_outbox_dead_letters_total\{kind="card",reason="refused"\} 1/);

    t.slack.clearFaults();
    const id = `alarms-${Math.random().toString(36).slice(2)}`;
    await sendCommand(t.url, { text: 'alarms', user_id: 'U0BOSS', response_url: t.slack.responseUrl(id) });
    const list = await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 5000, '/ecs alarms');
    const listText = JSON.stringify(list.body.blocks);
    expect(listText).toContain('could not be delivered');
    expect(listText).toContain('refused-card');
    expect(listText).toContain('invalid_arguments');

    const doc = `doctor-${Math.random().toString(36).slice(2)}`;
    await sendCommand(t.url, { text: 'doctor', user_id: 'U0BOSS', response_url: t.slack.responseUrl(doc) });
    const report = await t.slack.waitFor(() => t.slack.responsesTo(doc)[0], 15_000, '/ecs doctor');
    const reportText = JSON.stringify(report.body.blocks);
    expect(reportText).toContain('Alarm delivery');
    expect(reportText).toContain('refused-card');

    // Set aside is not lost for good: the alarm's next change is a fresh item, and Slack takes it now.
    expect(
      (await t.notify(pendingTaskAlarm({ name: 'refused-card', state: 'OK', at: t.clock.now() - 1000 }))).status,
    ).toBe(200);
    await t.drain();
    expect(topLevel(t).map(header)).toEqual([':large_green_circle: OK · refused-card']);
  }, 30_000);

  it('a Slack outage is not a reason to give up: 5xx answers keep the item in the outbox', async () => {
    t.slack.failNext(12, { status: 500 }, 'chat.postMessage');
    expect((await t.notify(pendingTaskAlarm({ name: 'outage-card', at: t.clock.now() - 60_000 }))).status).toBe(200);
    await t.drain(30);
    expect(await t.store.outbox.deadLetters()).toEqual([]);
    expect(topLevel(t)).toHaveLength(1);
  });
});

describe('a storm digest whose blocks Slack refuses', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot({ env: { STORM_THRESHOLD: '2' } });
  });
  afterEach(async () => {
    await t.stop();
  });

  const isDigest = (args: Record<string, any>) =>
    Array.isArray(args.blocks) && args.blocks.some((b: any) => /Alarm storm/.test(b.text?.text ?? ''));

  it('falls back to plain text listing every alarm, and updates it in place the same way', async () => {
    t.slack.refuse((method, args) =>
      (method === 'chat.postMessage' || method === 'chat.update') && isDigest(args) ? 'invalid_blocks' : undefined,
    );
    const at = t.clock.now() - 120_000;
    const names = Array.from({ length: 6 }, (_, i) => `storm-${i}-pending`);
    for (const [i, name] of names.entries())
      expect((await t.notify(pendingTaskAlarm({ name, service: `svc${i}`, at: at + i * 1000 }))).status).toBe(200);
    await t.drain();
    const top = topLevel(t);
    const digests = top.filter((m) => /Alarm storm/.test(m.text ?? ''));
    expect(digests).toHaveLength(1);
    expect(digests[0].blocks ?? []).toEqual([]);
    // The two cards up to the threshold, then every other alarm in the digest's text.
    expect(top.filter((m) => header(m)?.startsWith(':red_circle:'))).toHaveLength(2);
    for (const name of names.slice(2)) expect(digests[0].text).toContain(name);
    expect(await t.store.outbox.list()).toEqual([]);
    expect(await t.store.outbox.deadLetters()).toEqual([]);

    // A change of a listed alarm updates the digest, again as text.
    expect(
      (await t.notify(pendingTaskAlarm({ name: names[4], service: 'svc4', state: 'OK', at: at + 60_000 }))).status,
    ).toBe(200);
    await t.drain();
    const after = t.slack.messagesIn(ALARM_CHANNEL).find((m) => m.ts === digests[0].ts)!;
    expect(after.updates).toBeGreaterThan(0);
    expect(after.text).toMatch(/:large_green_circle: \*storm-4-pending\*/);
    expect(await t.store.outbox.list()).toEqual([]);
  });
});
