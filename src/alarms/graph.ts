import type { AlarmNotification, MetricRef } from '../notifications/types';
import { truncate } from '../util/text';

/** CloudWatch widget: a metric row is [namespace, name, dim, value, …, {options}]. */
function metricRow(m: MetricRef, opts: Record<string, unknown>): unknown[] {
  const row: unknown[] = [m.namespace, m.name];
  for (const d of m.dimensions) row.push(d.name, d.value);
  row.push(opts);
  return row;
}

/**
 * The `MetricWidget` JSON for GetMetricWidgetImage: the alarm's metric (or metric-math series) from
 * 3 h before the state change to 1 h after (or now), with the threshold drawn. Undefined when the
 * alarm has no metric to draw (composite, log alarms).
 */
export function metricWidgetFor(n: AlarmNotification, now: number): string | undefined {
  let metrics: unknown[][] = [];
  if (n.alarmType === 'metric' && n.metric?.namespace && n.metric.name) {
    metrics = [
      metricRow(n.metric, {
        stat: n.metric.stat ?? 'Average',
        ...(n.metric.periodSeconds ? { period: n.metric.periodSeconds } : {}),
      }),
    ];
  } else if (n.alarmType === 'metric-math' && n.series?.length) {
    for (const s of n.series.slice(0, 20)) {
      if (s.expression)
        metrics.push([{ expression: s.expression, id: s.id, label: s.label ?? s.id, visible: s.returnData }]);
      else if (s.metric?.namespace && s.metric.name) {
        metrics.push(
          metricRow(s.metric, {
            id: s.id,
            stat: s.metric.stat ?? 'Average',
            visible: s.returnData,
            ...(s.metric.periodSeconds ? { period: s.metric.periodSeconds } : {}),
          }),
        );
      }
    }
  }
  if (metrics.length === 0) return undefined;
  const widget: Record<string, unknown> = {
    metrics,
    view: 'timeSeries',
    stacked: false,
    title: truncate(n.alarmName, 200),
    start: new Date(n.at - 3 * 3600_000).toISOString(),
    end: new Date(Math.min(now, n.at + 3600_000)).toISOString(),
    width: 800,
    height: 320,
    ...(n.region ? { region: n.region } : {}),
  };
  if (n.condition?.threshold !== undefined)
    widget.annotations = { horizontal: [{ label: 'threshold', value: n.condition.threshold }] };
  return JSON.stringify(widget);
}
