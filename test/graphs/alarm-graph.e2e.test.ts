import { graphRenderer } from '../../src/graphs/api';
import { DEFAULT_CONCURRENCY } from '../../src/graphs/renderer';
import { AwsWorld, WorldError } from '../helpers/aws-world';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';

const MIN = 60_000;
const topLevel = (t: AlarmBot) => t.slack.messagesIn(ALARM_CHANNEL).filter((m) => !m.thread_ts);
const images = (m: { blocks?: any[] }) => (m.blocks ?? []).filter((b) => b.type === 'image');
const header = (m: { blocks?: any[] }) => m.blocks?.find((b) => b.type === 'header')?.text.text as string;
const footerTexts = (m: { blocks?: any[] }) =>
  (m.blocks ?? []).filter((b) => b.type === 'context').flatMap((b) => b.elements.map((e: any) => String(e.text)));

describe('graphs in alarm cards, end to end', () => {
  let t: AlarmBot;
  let world: AwsWorld;
  beforeEach(async () => {
    world = new AwsWorld();
    t = await startAlarmBot({ world });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('posts the card first, then updates it with an image block naming the uploaded file', async () => {
    const at = t.clock.now() - 5 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();

    // The widget: the alarm's metric, dimensions, statistic and period, 2 h before to now, threshold drawn.
    const widgets = world.widgets();
    expect(widgets).toHaveLength(1);
    const w = widgets[0];
    expect(w.metrics).toEqual([
      [
        'ECS/ContainerInsights',
        'PendingTaskCount',
        'ClusterName',
        'lab',
        'ServiceName',
        'api',
        { stat: 'Maximum', period: 60 },
      ],
    ]);
    expect(Date.parse(w.start)).toBe(at - 2 * 60 * MIN);
    expect(Date.parse(w.end)).toBeLessThanOrEqual(t.clock.now());
    expect(Date.parse(w.end)).toBeGreaterThan(at);
    expect(w.annotations.horizontal).toEqual([{ label: 'threshold 0', value: 0 }]);
    expect(w.annotations.vertical.map((v: any) => v.label)).toEqual(['ALARM']);
    expect(w.region).toBe('us-east-1');

    // Order: the card was posted with no image; the upload came after; then the update with the file.
    const post = t.slack.calls.findIndex((c) => c.method === 'chat.postMessage' && !c.args.thread_ts);
    const upload = t.slack.calls.findIndex((c) => c.method === 'files.getUploadURLExternal');
    const complete = t.slack.calls.find((c) => c.method === 'files.completeUploadExternal')!;
    expect(post).toBeGreaterThanOrEqual(0);
    expect(upload).toBeGreaterThan(post);
    expect(images(t.slack.calls[post].args)).toEqual([]);
    // Uploaded without sharing: no channel, no thread.
    expect(complete.args.channel_id).toBeUndefined();
    expect(complete.args.thread_ts).toBeUndefined();
    const fileId = complete.args.files[0].id as string;
    expect(t.slack.uploads.get(fileId)!.indexOf(Buffer.from('89504e470d0a1a0a', 'hex'))).toBeGreaterThanOrEqual(0);

    const card = topLevel(t)[0];
    const img = images(card);
    expect(img).toHaveLength(1);
    expect(img[0].slack_file).toEqual({ id: fileId });
    // Alt text: the series and its last values in words.
    expect(img[0].alt_text).toContain('PendingTaskCount (Maximum per 1 min) of ClusterName lab, ServiceName api');
    expect(img[0].alt_text).toContain('threshold 0');
    expect(img[0].alt_text).toContain('last values 2');
    expect(t.slack.imageCalls(fileId).map((c) => c.method)).toEqual(['chat.update']);
    // Not in the thread.
    expect(t.slack.repliesTo(ALARM_CHANNEL, card.ts).filter((m) => m.files?.length)).toEqual([]);
    const stored = await t.store.messageGraphs.get(ALARM_CHANNEL, card.ts);
    expect(stored).toMatchObject({ fileId, renderedFor: 'ALARM' });
  });

  it('keeps the image through other updates and draws the recovery on OK, replacing the file', async () => {
    const at = t.clock.now() - 20 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    const first = images(topLevel(t)[0])[0].slack_file.id as string;

    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + 12 * MIN }));
    await t.drain();
    const widgets = world.widgets();
    expect(widgets).toHaveLength(2);
    const ok = widgets[1];
    // The recovery graph reaches back to the firing and marks both changes.
    expect(Date.parse(ok.start)).toBeLessThanOrEqual(Date.parse(widgets[0].start));
    expect(ok.annotations.vertical.map((v: any) => v.label)).toEqual(['ALARM', 'OK']);
    expect(ok.annotations.horizontal[0].value).toBe(0);

    const card = topLevel(t)[0];
    expect(header(card)).toContain('OK');
    const img = images(card);
    expect(img).toHaveLength(1);
    expect(img[0].slack_file.id).not.toBe(first);
    expect(img[0].alt_text).toContain('OK at');
    expect((await t.store.messageGraphs.get(ALARM_CHANNEL, card.ts))?.fileId).toBe(img[0].slack_file.id);
    // The state-change update itself kept the older image until the new one was ready.
    expect(t.slack.imageCalls(first).length).toBeGreaterThanOrEqual(2);
  });

  it('tries again while Slack refuses the fresh file, then shows it in the card', async () => {
    t.slack.freshFileRefusals = 2;
    await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
    await t.drain();
    const card = topLevel(t)[0];
    const img = images(card);
    expect(img).toHaveLength(1);
    const refused = t.slack.calls.filter((c) => c.method === 'chat.update' && c.ok === false);
    expect(refused).toHaveLength(2);
    expect(t.slack.repliesTo(ALARM_CHANNEL, card.ts).filter((m) => m.files?.length)).toEqual([]);
    expect(world.widgets()).toHaveLength(1);
  });

  it('shares the image into the thread when Slack keeps refusing it, and the card stays intact', async () => {
    t.slack.freshFileRefusals = 100;
    await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
    await t.drain();
    const card = topLevel(t)[0];
    expect(images(card)).toEqual([]);
    expect(header(card)).toContain('ALARM · lab-api-pending-tasks');
    const shared = t.slack.repliesTo(ALARM_CHANNEL, card.ts).filter((m) => m.files?.length);
    expect(shared).toHaveLength(1);
    // One render only: the thread gets the same picture.
    expect(world.widgets()).toHaveLength(1);
    expect(t.logs.records().some((r) => /shared it into the thread instead/.test(r.msg))).toBe(true);
  });

  it('says once in the footer when the bot may not read metric images, and keeps the card useful', async () => {
    world.failNext('GetMetricWidgetImage', () => new WorldError('AccessDenied', 'not authorized'), 10);
    const at = t.clock.now() - 20 * MIN;
    await t.notify(pendingTaskAlarm({ at }));
    await t.drain();
    let card = topLevel(t)[0];
    expect(images(card)).toEqual([]);
    let notes = footerTexts(card).filter((x) => x.includes('No graph'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('cloudwatch:GetMetricWidgetImage');
    expect(JSON.stringify(card.blocks)).toContain('PendingTaskCount');
    expect(t.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);

    await t.notify(pendingTaskAlarm({ state: 'OK', at: at + 5 * MIN }));
    await t.drain();
    card = topLevel(t)[0];
    notes = footerTexts(card).filter((x) => x.includes('No graph'));
    expect(notes).toHaveLength(1);
    // Never repeated in the thread.
    expect(
      t.slack.repliesTo(ALARM_CHANNEL, card.ts).filter((m) => JSON.stringify(m).includes('GetMetricWidgetImage')),
    ).toEqual([]);
  });

  it('says once in the footer when the bot may not upload files (files:write)', async () => {
    t.slack.failNext(1, { error: 'missing_scope' }, 'files.getUploadURLExternal');
    await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
    await t.drain();
    const card = topLevel(t)[0];
    expect(images(card)).toEqual([]);
    const notes = footerTexts(card).filter((x) => x.includes('No graph'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('files:write');
  });
});

describe('graphs under an alarm storm', () => {
  it('renders no more than the cards need, never above the cap, and digests get no graph', async () => {
    const world = new AwsWorld();
    world.latencyMs = 5;
    const t = await startAlarmBot({ world, env: { STORM_THRESHOLD: '5' } });
    try {
      const at = t.clock.now();
      const posts: Promise<Response>[] = [];
      for (let i = 0; i < 200; i++)
        posts.push(t.notify(pendingTaskAlarm({ at, name: `svc-${i}-pending`, service: `svc-${i}` })));
      await Promise.all(posts);
      await t.drain(400);
      const top = topLevel(t);
      const digests = top.filter((m) => header(m).includes('Alarm storm'));
      const cards = top.filter((m) => !header(m).includes('Alarm storm'));
      expect(digests.length).toBeGreaterThan(0);
      expect(cards).toHaveLength(5);
      expect(world.widgets()).toHaveLength(5);
      for (const d of digests) expect(images(d)).toEqual([]);
      for (const c of cards) expect(images(c)).toHaveLength(1);
      expect(graphRenderer(t.bot.ctx).peak).toBeLessThanOrEqual(DEFAULT_CONCURRENCY);
    } finally {
      await t.stop();
    }
  });
});
