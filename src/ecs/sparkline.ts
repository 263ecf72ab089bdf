/**
 * Compact unicode sparklines with min / avg / max, for utilisation over a window. Pure: points in,
 * text out. Missing buckets stay blank so a gap in the data reads as a gap, not as zero.
 */

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
export const GAP = ' ';

export interface Point {
  at: number;
  value: number;
}

export interface SeriesStats {
  min: number;
  avg: number;
  max: number;
  last: number;
  count: number;
}

/** min / avg / max / last of the finite values, or undefined when there are none. */
export function seriesStats(values: readonly number[]): SeriesStats | undefined {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, avg: sum / v.length, max, last: v[v.length - 1], count: v.length };
}

/**
 * Averages points into `buckets` equal time slots over [start, end); a slot without points is
 * undefined. Points outside the window are ignored.
 */
export function resample(
  points: readonly Point[],
  start: number,
  end: number,
  buckets: number,
): (number | undefined)[] {
  const n = Math.max(1, Math.floor(buckets));
  const span = Math.max(1, end - start);
  const sums = new Array<number>(n).fill(0);
  const counts = new Array<number>(n).fill(0);
  for (const p of points) {
    if (!Number.isFinite(p.value) || p.at < start || p.at > end) continue;
    const i = Math.min(n - 1, Math.floor(((p.at - start) / span) * n));
    sums[i] += p.value;
    counts[i] += 1;
  }
  return sums.map((s, i) => (counts[i] > 0 ? s / counts[i] : undefined));
}

/**
 * One character per value on ▁…█. The scale runs from `lo` to `hi` (default: the data's own min and
 * max); pass lo 0 and hi 100 for percentages so a steady 35 % does not look like a storm. Values
 * above `hi` show as █, undefined values as a blank.
 */
export function sparkline(values: readonly (number | undefined)[], o: { lo?: number; hi?: number } = {}): string {
  const finite = values.filter((x): x is number => x !== undefined && Number.isFinite(x));
  if (finite.length === 0) return GAP.repeat(values.length);
  const lo = o.lo ?? Math.min(...finite);
  const hi = Math.max(o.hi ?? Math.max(...finite), lo);
  const range = hi - lo;
  return values
    .map((x) => {
      if (x === undefined || !Number.isFinite(x)) return GAP;
      if (range === 0) return BARS[0];
      const f = Math.min(1, Math.max(0, (x - lo) / range));
      return BARS[Math.min(BARS.length - 1, Math.round(f * (BARS.length - 1)))];
    })
    .join('');
}

/** A percentage for people: "35%", "0.4%", "—" when unknown. */
export function formatPercent(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (v > 0 && v < 1) return `${v.toFixed(1)}%`;
  return `${Math.round(v)}%`;
}

export interface SparkSummary {
  line: string;
  stats?: SeriesStats;
}

/**
 * The sparkline of a percentage series over [start, end] in `width` characters, with its stats.
 * The scale is 0–100 % (or up to the maximum when a value exceeds 100 %, as CPU can).
 */
export function percentSpark(points: readonly Point[], start: number, end: number, width = 30): SparkSummary {
  const stats = seriesStats(points.map((p) => p.value));
  const line = sparkline(resample(points, start, end, width), { lo: 0, hi: Math.max(100, stats?.max ?? 0) });
  return { line, stats };
}
