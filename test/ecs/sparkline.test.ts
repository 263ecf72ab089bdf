import { formatPercent, percentSpark, resample, seriesStats, sparkline } from '../../src/ecs/sparkline';

describe('sparkline', () => {
  it('maps the data range onto ▁…█', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([10, 20])).toBe('▁█');
  });

  it('uses a fixed scale when given one, so a steady value stays flat and low', () => {
    expect(sparkline([35, 36, 34, 35], { lo: 0, hi: 100 })).toBe('▃▄▃▃');
    expect(sparkline([0, 100, 150], { lo: 0, hi: 100 })).toBe('▁██');
  });

  it('leaves gaps blank and draws a constant series as a floor', () => {
    expect(sparkline([1, undefined, 3])).toBe('▁ █');
    expect(sparkline([5, 5, 5])).toBe('▁▁▁');
    expect(sparkline([undefined, undefined])).toBe('  ');
    expect(sparkline([])).toBe('');
  });
});

describe('resample', () => {
  it('averages points into equal time buckets and leaves empty buckets undefined', () => {
    const pts = [
      { at: 0, value: 10 },
      { at: 10, value: 30 },
      { at: 55, value: 50 },
      { at: 200, value: 999 }, // outside the window
    ];
    expect(resample(pts, 0, 60, 3)).toEqual([20, undefined, 50]);
  });

  it('puts a point at the very end into the last bucket', () => {
    expect(resample([{ at: 60, value: 7 }], 0, 60, 3)).toEqual([undefined, undefined, 7]);
  });
});

describe('seriesStats and formatPercent', () => {
  it('gives min, avg, max and last of finite values', () => {
    expect(seriesStats([3, NaN, 1, 2])).toEqual({ min: 1, avg: 2, max: 3, last: 2, count: 3 });
    expect(seriesStats([])).toBeUndefined();
  });

  it('formats percentages for people', () => {
    expect(formatPercent(35.4)).toBe('35%');
    expect(formatPercent(0.42)).toBe('0.4%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatPercent(NaN)).toBe('—');
  });
});

describe('percentSpark', () => {
  it('draws an hour of minutes in 30 characters on a 0–100 scale, widening above 100%', () => {
    const start = 0;
    const end = 3_600_000;
    const pts = Array.from({ length: 60 }, (_, i) => ({ at: i * 60_000, value: i < 30 ? 20 : 80 }));
    const s = percentSpark(pts, start, end, 30);
    expect(s.line).toHaveLength(30);
    expect(s.line).toBe('▂'.repeat(15) + '▇'.repeat(15));
    expect(s.stats).toMatchObject({ min: 20, max: 80, avg: 50, last: 80 });
    const over = percentSpark(
      [
        { at: 0, value: 200 },
        { at: 3_599_000, value: 100 },
      ],
      start,
      end,
      2,
    );
    expect(over.line).toBe('█▅');
  });
});
