import { CloudWatchClient, GetMetricWidgetImageCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { GraphRenderer } from '../../src/graphs/renderer';
import { describeEachStore } from '../helpers/stores';

const MIN = 60_000;
const PNG = Buffer.from('89504e470d0a1a0a0000', 'hex');

describeEachStore('graph render limits', (store) => {
  it('claims one render per key per window, atomically, and prunes lapsed claims', async () => {
    // Two replicas asking at the same moment: exactly one wins.
    const both = await Promise.all([
      store().graphRenders.claim('C1:1', 1_000, MIN),
      store().graphRenders.claim('C1:1', 1_000, MIN),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await store().graphRenders.lastAt('C1:1')).toBe(1_000);
    expect(await store().graphRenders.claim('C1:1', 1_000 + MIN - 1, MIN)).toBe(false);
    expect(await store().graphRenders.lastAt('C1:1')).toBe(1_000);
    expect(await store().graphRenders.claim('C1:2', 2_000, MIN)).toBe(true);
    expect(await store().graphRenders.claim('C1:1', 1_000 + MIN, MIN)).toBe(true);
    expect(await store().graphRenders.lastAt('C1:1')).toBe(1_000 + MIN);
    expect(await store().graphRenders.lastAt('never')).toBeUndefined();
    expect(await store().graphRenders.prune(1_000 + MIN)).toBe(1);
    expect(await store().graphRenders.lastAt('C1:2')).toBeUndefined();
    expect(await store().graphRenders.lastAt('C1:1')).toBe(1_000 + MIN);
  });

  it('two renderers sharing the store (two replicas) render one message once a minute between them', async () => {
    const clock = { t: 5_000_000, now: () => clock.t };
    const a = new GraphRenderer({ clock, limits: store().graphRenders });
    const b = new GraphRenderer({ clock, limits: store().graphRenders });
    const cw = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const mock = mockClient(cw);
    mock.on(GetMetricWidgetImageCommand).resolves({ MetricWidgetImage: PNG });
    const [ra, rb] = await Promise.all([a.render('C1:9', {}, cw), b.render('C1:9', {}, cw)]);
    expect([ra.kind, rb.kind].sort()).toEqual(['limited', 'png']);
    expect(mock.commandCalls(GetMetricWidgetImageCommand)).toHaveLength(1);
    expect(await b.nextRenderAt('C1:9')).toBe(clock.t + MIN);
    clock.t += 30_000;
    expect(await a.render('C1:9', {}, cw)).toEqual({ kind: 'limited', until: clock.t + 30_000 });
    clock.t += 30_000;
    expect((await b.render('C1:9', {}, cw)).kind).toBe('png');
    expect(mock.commandCalls(GetMetricWidgetImageCommand)).toHaveLength(2);
  });
});
