import { CloudWatchClient, GetMetricWidgetImageCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { alarmGraph, widgetJson } from '../../src/graphs/widgets';
import { GraphRenderer } from '../../src/graphs/renderer';
import { pendingTasksGraph, rolloutGraph, rolloutWindow, taskMemoryGraph } from '../../src/graphs/change-widgets';
import { imageBlock, isFileRefusal, isUploadDenied } from '../../src/graphs/slack-files';
import { parseNotification } from '../../src/notifications/parse';
import type { AlarmNotification } from '../../src/notifications/types';
import { compositeDocumented, metricMathAlarm, pendingTaskAlarm } from '../notifications/fixtures';
import { HOSTILE } from '../hostile/safe-mrkdwn';

const alarm = (m: object) =>
  parseNotification(
    {
      Message: JSON.stringify(m),
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms',
      Timestamp: '2024-05-01T10:00:01.000Z',
    },
    Date.parse('2024-05-01T10:00:01.000Z'),
  ) as AlarmNotification;
const H = 3600_000;

describe('alarm graph definition', () => {
  it('draws the metric from 2 h before the change to 1 h after (never past now), with the threshold', () => {
    const n = alarm(pendingTaskAlarm({ at: '2024-05-01T10:00:00.000+0000' }));
    const g = alarmGraph(n, { now: Date.parse('2024-05-01T12:00:00Z') })!;
    expect(g.widget.metrics).toEqual([
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
    expect(g.widget.start).toBe('2024-05-01T08:00:00.000Z');
    expect(g.widget.end).toBe('2024-05-01T11:00:00.000Z');
    expect(g.widget.annotations).toEqual({
      horizontal: [{ label: 'threshold 0', value: 0 }],
      vertical: [{ label: 'ALARM', value: '2024-05-01T10:00:00.000Z' }],
    });
    const early = alarmGraph(n, { now: Date.parse('2024-05-01T10:05:00Z') })!;
    expect(early.widget.end).toBe('2024-05-01T10:05:00.000Z');
    expect(g.alt).toBe(
      'Graph of PendingTaskCount (Maximum per 1 min) of ClusterName lab, ServiceName api from 08:00 UTC to 11:00 UTC; threshold 0; last values 2 (newest first); ALARM at 10:00 UTC.',
    );
  });

  it('on OK reaches back to the firing and marks both changes', () => {
    const n = alarm(pendingTaskAlarm({ state: 'OK', at: '2024-05-01T10:30:00.000+0000' }));
    const g = alarmGraph(n, { now: Date.parse('2024-05-01T10:31:00Z'), firedAt: Date.parse('2024-05-01T10:00:00Z') })!;
    expect(g.widget.start).toBe('2024-05-01T08:00:00.000Z');
    expect((g.widget.annotations as any).vertical.map((v: any) => v.label)).toEqual(['ALARM', 'OK']);
    expect(g.alt).toContain('OK at 10:30 UTC');
  });

  it('draws metric math: expressions and their inputs, inputs hidden', () => {
    const n = alarm(metricMathAlarm);
    const g = alarmGraph(n, { now: n.at + H })!;
    const rows = g.widget.metrics as unknown[][];
    expect(rows.some((r) => typeof r[0] === 'object' && (r[0] as any).expression)).toBe(true);
    expect(rows.some((r) => (r[r.length - 1] as any).visible === false)).toBe(true);
    expect(g.widget.region).toBe('ap-northeast-2');
    expect((g.widget.annotations as any).horizontal[0].value).toBe(80);
  });

  it('has nothing to draw for a composite alarm', () => {
    expect(alarmGraph(alarm(compositeDocumented), { now: Date.now() })).toBeUndefined();
  });

  it('keeps alt text within Slack limits and free of invisible or direction-changing characters', () => {
    const n = alarm(pendingTaskAlarm({ name: `${HOSTILE.bidi} ${'x'.repeat(3000)}`, service: HOSTILE.bidi }));
    const g = alarmGraph(n, { now: n.at + H })!;
    expect(g.alt.length).toBeLessThanOrEqual(2000);
    expect(g.alt).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F]/);
    const block = imageBlock('F123', g.alt, g.title) as any;
    expect(block).toMatchObject({ type: 'image', slack_file: { id: 'F123' } });
    expect(block.alt_text.length).toBeLessThanOrEqual(2000);
    expect(block.image_url).toBeUndefined();
  });

  it('widgetJson: period, percentages axis, and at most 20 series', () => {
    const w = widgetJson({
      title: 't',
      start: 0,
      end: H,
      periodSeconds: 300,
      leftAxis: { min: 0, max: 100 },
      series: Array.from({ length: 30 }, (_, i) => ({ namespace: 'AWS/ECS', name: `M${i}`, stat: 'Average' })),
    });
    expect(w.period).toBe(300);
    expect((w.metrics as unknown[]).length).toBe(20);
    expect(w.yAxis).toEqual({ left: { min: 0, max: 100, showUnits: false } });
  });
});

describe('Slack answers about files', () => {
  const platform = (data: object) => Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data });
  it('tells a refused fresh file from other refusals', () => {
    expect(
      isFileRefusal(
        platform({
          ok: false,
          error: 'invalid_blocks',
          errors: ['invalid slack file [json-pointer:/blocks/3/slack_file]'],
        }),
      ),
    ).toBe(true);
    expect(
      isFileRefusal(platform({ ok: false, error: 'invalid_blocks', errors: ['must be less than 3001 characters'] })),
    ).toBe(false);
    expect(isFileRefusal(platform({ ok: false, error: 'not_in_channel' }))).toBe(false);
    expect(isUploadDenied(platform({ ok: false, error: 'missing_scope' }))).toBe(true);
    expect(isUploadDenied(platform({ ok: false, error: 'invalid_blocks' }))).toBe(false);
  });
});

describe('GraphRenderer', () => {
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
  const clock = {
    t: 1_000_000,
    now() {
      return this.t;
    },
  };

  function heldClient() {
    const cw = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const releases: (() => void)[] = [];
    let inFlight = 0;
    let peak = 0;
    mockClient(cw)
      .on(GetMetricWidgetImageCommand)
      .callsFake(async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((r) => releases.push(r));
        inFlight -= 1;
        return { MetricWidgetImage: PNG };
      });
    return { cw, releases, peak: () => peak, calls: () => releases.length };
  }

  it('a storm of 200 renders never has more than the cap in flight, and refuses beyond the queue', async () => {
    const r = new GraphRenderer({ clock, concurrency: 2, maxWaiting: 3 });
    const h = heldClient();
    const all = Array.from({ length: 200 }, (_, i) => r.render(`m${i}`, { metrics: [] }, h.cw));
    // Let the first two calls reach the client.
    for (let i = 0; i < 50 && h.calls() < 2; i++) await new Promise((res) => setImmediate(res));
    expect(h.calls()).toBe(2);
    const releaseAll = async () => {
      while (h.releases.length) {
        h.releases.shift()!();
        await new Promise((res) => setImmediate(res));
      }
    };
    const done = Promise.all(all);
    for (let i = 0; i < 20; i++) await releaseAll();
    const results = await done;
    expect(results.filter((x) => x.kind === 'png')).toHaveLength(5);
    expect(results.filter((x) => x.kind === 'busy')).toHaveLength(195);
    expect(h.peak()).toBe(2);
    expect(r.peak).toBe(2);
  });

  it('renders one message at most once a minute', async () => {
    const r = new GraphRenderer({ clock, concurrency: 1 });
    const cw = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    mockClient(cw).on(GetMetricWidgetImageCommand).resolves({ MetricWidgetImage: PNG });
    expect((await r.render('C1:1', {}, cw)).kind).toBe('png');
    const again = await r.render('C1:1', {}, cw);
    expect(again).toEqual({ kind: 'limited', until: clock.t + 60_000 });
    expect((await r.render('C1:2', {}, cw)).kind).toBe('png');
    clock.t += 60_000;
    expect((await r.render('C1:1', {}, cw)).kind).toBe('png');
  });

  it('says denied when the bot may not call GetMetricWidgetImage, failed otherwise', async () => {
    const r = new GraphRenderer({ clock });
    const cw = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const m = mockClient(cw);
    m.on(GetMetricWidgetImageCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDenied' }));
    expect(await r.render('a', {}, cw)).toEqual({ kind: 'denied', code: 'AccessDenied' });
    m.reset();
    m.on(GetMetricWidgetImageCommand).rejects(Object.assign(new Error('slow'), { name: 'ThrottlingException' }));
    expect(await r.render('b', {}, cw)).toEqual({ kind: 'failed', code: 'ThrottlingException' });
    m.reset();
    m.on(GetMetricWidgetImageCommand).resolves({});
    expect(await r.render('c', {}, cw)).toEqual({ kind: 'failed', code: 'empty image' });
  });
});

describe('diagnosis and rollout graph definitions', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('memory: marks at most the 5 latest kills inside the window, and says how many in words', () => {
    const kills = [10, 20, 30, 40, 50, 60].map((m) => now - m * 60_000).concat(now - 5 * H);
    const g = taskMemoryGraph({
      cluster: 'lab',
      service: 'api',
      insights: false,
      now,
      windowMs: 3 * H,
      kills,
      memoryPct: 97.4,
    });
    const marks = (g.widget.annotations as any).vertical.map((v: any) => Date.parse(v.value));
    expect(marks).toEqual([50, 40, 30, 20, 10].map((m) => now - m * 60_000));
    expect(g.widget.metrics).toEqual([
      [
        'AWS/ECS',
        'MemoryUtilization',
        'ClusterName',
        'lab',
        'ServiceName',
        'api',
        { label: 'memory % of reserved', stat: 'Maximum', period: 60 },
      ],
    ]);
    expect(g.alt).toContain('last reading 97% of reserved');
    expect(g.alt).toContain('5 out-of-memory kills marked, the last at 11:50 UTC');
  });

  it('rollout: from the change to the end, widened back to 15 min; a long one is coarser', () => {
    expect(rolloutWindow(now - 2 * 60_000, now)).toEqual({ start: now - 15 * 60_000, end: now });
    expect(rolloutWindow(now - 40 * 60_000, now)).toEqual({ start: now - 40 * 60_000, end: now });
    const g = rolloutGraph({
      kind: 'tasks',
      cluster: 'lab',
      service: 'api',
      changedAt: now - 5 * H,
      endedAt: now,
      changeLabel: 'desired 4 tasks',
      outcome: 'timed out',
      desired: 4,
      running: 2,
    });
    expect(g.widget.period).toBe(300);
    expect(g.alt).toContain('desired 4 tasks at 07:00 UTC, timed out at 12:00 UTC');
    expect(g.alt).toContain('desired tasks 4, running 2');
  });

  it('keeps hostile names out of alt text as anything but plain words', () => {
    const g = pendingTasksGraph({
      cluster: 'lab',
      service: `${HOSTILE.bidi} ${'x'.repeat(3000)}`,
      now,
      windowMs: 3 * H,
      desired: 4,
      running: 1,
      pending: 3,
    });
    expect(g.alt.length).toBeLessThanOrEqual(2000);
    expect(g.alt).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F]/);
    expect(g.alt).toContain('desired tasks 4, running 1, pending 3');
    expect((g.widget.title as string).length).toBeLessThanOrEqual(200);
  });
});
