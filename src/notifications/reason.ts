import type { AlarmCondition, CompositeChild, MetricRef } from './types';
import { oneLine as oneLineText, truncate } from '../util/text';

/** How a ComparisonOperator reads in a sentence. */
export const COMPARISON_WORDS: Record<string, { words: string; symbol: string }> = {
  GreaterThanThreshold: { words: 'above', symbol: '>' },
  GreaterThanOrEqualToThreshold: { words: 'at or above', symbol: '≥' },
  LessThanThreshold: { words: 'below', symbol: '<' },
  LessThanOrEqualToThreshold: { words: 'at or below', symbol: '≤' },
  LessThanLowerOrGreaterThanUpperThreshold: { words: 'outside the band of', symbol: 'outside band' },
  GreaterThanUpperThreshold: { words: 'above the band of', symbol: '> band' },
  LessThanLowerThreshold: { words: 'below the band of', symbol: '< band' },
};

/** 2 → "2", 0.5 → "0.5", 1234.5678 → "1234.57", 1e-7 → "1e-7". */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9))
    return n
      .toExponential(2)
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(n.toFixed(abs >= 100 ? 2 : 4)));
}

/** 60 → "1 min", 300 → "5 min", 30 → "30 s", 3600 → "1 h". */
export function formatPeriod(seconds: number): string {
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Datapoint values quoted in a NewStateReason: `… datapoints [2.0 (23/08/21 11:22:00), 1.0 (…)] was …`. */
export function datapointsFromReason(reason: string): number[] | undefined {
  const m = /datapoints? \[([^\]]{1,2000})\]/.exec(reason);
  if (!m) return undefined;
  const values: number[] = [];
  for (const v of m[1].matchAll(/(-?\d+(?:\.\d+)?(?:E[-+]?\d+)?)\s*\(/gi)) values.push(Number(v[1]));
  return values.length > 0 ? values : undefined;
}

/** "1 out of the last 3 datapoints" from the reason, when present. */
function outOfFromReason(reason: string): { n: number; of: number } | undefined {
  const m = /(\d+) out of the last (\d+) datapoints?/.exec(reason);
  return m ? { n: Number(m[1]), of: Number(m[2]) } : undefined;
}

function metricLabel(metric: MetricRef | undefined, fallback = 'The metric'): string {
  return metric?.name ?? fallback;
}

/** The reason of a metric alarm in plain words, e.g. "PendingTaskCount was 2 (Maximum per 1 min), above the threshold 0 in 1 of the last 1 periods." */
export function metricAlarmSummary(o: {
  state: string;
  reason: string;
  metric?: MetricRef;
  label?: string;
  condition?: AlarmCondition;
  datapoints?: number[];
}): string {
  const name = o.label ?? metricLabel(o.metric);
  const cmp = o.condition?.comparison ? COMPARISON_WORDS[o.condition.comparison] : undefined;
  const threshold = o.condition?.threshold;
  const stat = o.metric?.stat;
  const period = o.metric?.periodSeconds ?? o.condition?.periodSeconds;
  const per = stat ? ` (${stat}${period ? ` per ${formatPeriod(period)}` : ''})` : '';
  const values = o.datapoints?.length ? o.datapoints.slice(0, 5).map(formatNumber).join(', ') : undefined;
  const against = cmp && threshold !== undefined ? `${cmp.words} the threshold ${formatNumber(threshold)}` : undefined;
  if (o.state === 'ALARM') {
    if (!against) return oneLine(o.reason);
    const out = outOfFromReason(o.reason);
    const window = out ? ` in ${out.n} of the last ${out.of} periods` : '';
    return values ? `${name} was ${values}${per}, ${against}${window}.` : `${name}${per} went ${against}${window}.`;
  }
  if (o.state === 'OK') {
    if (!against) return oneLine(o.reason);
    return values
      ? `${name} is back to ${values}${per}, no longer ${against}.`
      : `${name}${per} is no longer ${against}.`;
  }
  if (o.state === 'INSUFFICIENT_DATA') {
    const tmd = o.condition?.treatMissingData;
    return `Not enough data for ${name} to decide${tmd ? ` (missing data is treated as ${tmd})` : ''}.`;
  }
  return oneLine(o.reason);
}

export function compositeSummary(state: string, rule: string | undefined, children: CompositeChild[]): string {
  if (state === 'ALARM') {
    if (children.length > 0) {
      const list = children.slice(0, 5).map((c) => `${c.name}${c.state ? ` (${c.state})` : ''}`);
      const more = children.length > 5 ? ` and ${children.length - 5} more` : '';
      return `The composite rule is true because of ${list.join(', ')}${more}.`;
    }
    return rule ? `The composite rule is true: ${truncate(rule, 300)}` : 'The composite rule is true.';
  }
  if (state === 'OK') return 'The composite rule is no longer true.';
  return `The composite alarm is ${state}.`;
}

/** A reason or summary on one line, cut on whole characters (500 by default). */
export function oneLine(s: string, max = 500): string {
  return oneLineText(s, max);
}
