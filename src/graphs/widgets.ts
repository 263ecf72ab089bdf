import type { AlarmNotification, MetricRef } from '../notifications/types';
import { formatNumber, formatPeriod } from '../notifications/reason';
import { neutraliseText } from '../slack/mrkdwn';
import { plural, truncate } from '../util/text';

/**
 * Graph definitions: CloudWatch `MetricWidget` JSON for GetMetricWidgetImage and the alt text that
 * says what the picture shows in words. Pure: every function takes a view model and a time.
 */

/** Slack's limit on an image block's alt text. */
export const ALT_TEXT_MAX = 2000;
/** CloudWatch draws at most this many series in one widget. */
const MAX_SERIES = 20;

/** What one graph shows: its widget, its alt text, and a title for the uploaded file. */
export interface GraphSpec {
  /** The MetricWidget JSON (serialised once, when sent). */
  widget: Record<string, unknown>;
  alt: string;
  title: string;
}

/** One line of a graph: a CloudWatch metric, or a metric-math expression over other lines. */
export interface SeriesDef {
  id?: string;
  namespace?: string;
  name?: string;
  dimensions?: { name: string; value: string }[];
  stat?: string;
  periodSeconds?: number;
  expression?: string;
  label?: string;
  /** False: an input of an expression, not drawn. */
  visible?: boolean;
  /** Draw on the right-hand axis. */
  right?: boolean;
}

export interface WidgetView {
  title: string;
  region?: string;
  start: number;
  end: number;
  /** Default period of the series (seconds). */
  periodSeconds?: number;
  series: SeriesDef[];
  /** Horizontal lines (a threshold). */
  horizontal?: { label: string; value: number }[];
  /** Vertical lines (a state change, a deployment). */
  vertical?: { label: string; at: number }[];
  /** Left axis bounds (0–100 for percentages). */
  leftAxis?: { min?: number; max?: number; label?: string };
  stat?: string;
}

/** A CloudWatch widget metric row: [namespace, name, dim, value, …, {options}] or [{expression …}]. */
function metricRow(s: SeriesDef): unknown[] {
  const opts: Record<string, unknown> = {};
  if (s.id) opts.id = s.id;
  if (s.label) opts.label = truncate(s.label, 200);
  if (s.visible === false) opts.visible = false;
  if (s.right) opts.yAxis = 'right';
  if (s.expression) return [{ expression: s.expression, ...opts }];
  if (s.stat) opts.stat = s.stat;
  if (s.periodSeconds) opts.period = s.periodSeconds;
  const row: unknown[] = [s.namespace, s.name];
  for (const d of s.dimensions ?? []) row.push(d.name, d.value);
  row.push(opts);
  return row;
}

/** The MetricWidget JSON of a view: series, time window, period, annotations, size. */
export function widgetJson(v: WidgetView): Record<string, unknown> {
  const widget: Record<string, unknown> = {
    metrics: v.series.slice(0, MAX_SERIES).map(metricRow),
    view: 'timeSeries',
    stacked: false,
    title: truncate(v.title, 200),
    start: new Date(v.start).toISOString(),
    end: new Date(v.end).toISOString(),
    width: 800,
    height: 320,
    timezone: '+0000',
  };
  if (v.periodSeconds) widget.period = v.periodSeconds;
  if (v.stat) widget.stat = v.stat;
  if (v.region) widget.region = v.region;
  const annotations: Record<string, unknown> = {};
  if (v.horizontal?.length) annotations.horizontal = v.horizontal.map((h) => ({ label: h.label, value: h.value }));
  if (v.vertical?.length)
    annotations.vertical = v.vertical.map((x) => ({ label: x.label, value: new Date(x.at).toISOString() }));
  if (Object.keys(annotations).length) widget.annotations = annotations;
  if (v.leftAxis) widget.yAxis = { left: { ...v.leftAxis, showUnits: false } };
  return widget;
}

/** "13:05 UTC" */
export function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** Alt text within Slack's limit, with no invisible or direction-changing characters. */
export function altText(s: string): string {
  return truncate(neutraliseText(s).replace(/\s+/g, ' ').trim(), ALT_TEXT_MAX);
}

function dimsText(dims: { name: string; value: string }[] | undefined): string {
  return (dims ?? []).map((d) => `${d.name} ${d.value}`).join(', ');
}

function metricWords(m: MetricRef | undefined): string {
  if (!m?.name) return 'the metric';
  const how = [m.stat, m.periodSeconds ? `per ${formatPeriod(m.periodSeconds)}` : ''].filter(Boolean).join(' ');
  const dims = dimsText(m.dimensions);
  return `${m.name}${how ? ` (${how})` : ''}${dims ? ` of ${dims}` : ''}`;
}

/** When the alarm window opens and closes, given where the incident is. */
export interface AlarmGraphTimes {
  /** Now: the graph never reaches past it. */
  now: number;
  /** When the alarm fired (start of the incident): the recovery graph reaches back to it. */
  firedAt?: number;
}

/** Graph window before the first point of interest and after the last. */
const BEFORE_MS = 2 * 3600_000;
const AFTER_MS = 3600_000;

/**
 * The alarm's metric (or metric-math series) around its state change, with the threshold drawn and
 * the change marked: from 2 h before the alarm fired (or changed) to 1 h after the latest change, never
 * past now. On OK the same window reaches back to the firing, so the picture shows the recovery.
 * Undefined when the alarm has no metric to draw (composite alarms, log alarms).
 */
export function alarmGraph(n: AlarmNotification, t: AlarmGraphTimes): GraphSpec | undefined {
  const series: SeriesDef[] = [];
  if (n.alarmType === 'metric' && n.metric?.namespace && n.metric.name) {
    series.push({
      namespace: n.metric.namespace,
      name: n.metric.name,
      dimensions: n.metric.dimensions,
      stat: n.metric.stat ?? 'Average',
      periodSeconds: n.metric.periodSeconds,
    });
  } else if (n.alarmType === 'metric-math' && n.series?.length) {
    for (const s of n.series.slice(0, MAX_SERIES)) {
      if (s.expression)
        series.push({ id: s.id, expression: s.expression, label: s.label ?? s.id, visible: s.returnData });
      else if (s.metric?.namespace && s.metric.name)
        series.push({
          id: s.id,
          namespace: s.metric.namespace,
          name: s.metric.name,
          dimensions: s.metric.dimensions,
          stat: s.metric.stat ?? 'Average',
          periodSeconds: s.metric.periodSeconds,
          visible: s.returnData,
        });
    }
  }
  if (series.length === 0) return undefined;
  const first = Math.min(t.firedAt ?? n.at, n.at);
  const start = first - BEFORE_MS;
  const end = Math.max(start + 60_000, Math.min(t.now, n.at + AFTER_MS));
  const threshold = n.condition?.threshold;
  const vertical: WidgetView['vertical'] = [];
  if (t.firedAt !== undefined && t.firedAt < n.at) vertical.push({ label: 'ALARM', at: t.firedAt });
  vertical.push({ label: n.state, at: n.at });
  const widget = widgetJson({
    title: n.alarmName,
    region: n.region,
    start,
    end,
    series,
    ...(threshold !== undefined
      ? { horizontal: [{ label: `threshold ${formatNumber(threshold)}`, value: threshold }] }
      : {}),
    vertical,
  });

  const what =
    n.alarmType === 'metric'
      ? metricWords(n.metric)
      : (() => {
          const ret = n.series?.find((s) => s.returnData);
          return ret?.label ?? ret?.expression ?? 'the metric math';
        })();
  const parts = [`Graph of ${what} from ${clockTime(start)} to ${clockTime(end)}`];
  if (threshold !== undefined) parts.push(`threshold ${formatNumber(threshold)}`);
  if (n.datapoints?.length)
    parts.push(`last values ${n.datapoints.slice(0, 5).map(formatNumber).join(', ')} (newest first)`);
  parts.push(`${n.state} at ${clockTime(n.at)}`);
  return {
    widget,
    alt: altText(`${parts.join('; ')}.`),
    title: truncate(`${n.alarmName} around ${n.state}`, 200),
  };
}

/** The window a dashboard covers: 3 h by default, wider with --since. */
export const DEFAULT_DASHBOARD_MS = 3 * 3600_000;

/** A period that keeps a dashboard to a few hundred points: 1 min up to 3 h, 5 min up to a day, else 1 h. */
export function dashboardPeriod(windowMs: number): number {
  if (windowMs <= 3 * 3600_000) return 60;
  if (windowMs <= 24 * 3600_000) return 300;
  return 3600;
}

/** "3 h", "1 d" */
function windowWords(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : `${Math.round(ms / 3600_000)} h`;
}

function pct(v: number | undefined): string | undefined {
  return v === undefined ? undefined : `${Math.round(v)}%`;
}

/** What a service dashboard is drawn from (a status view, reduced to what the picture needs). */
export interface ServiceGraphView {
  cluster: string;
  service: string;
  region?: string;
  /** Container Insights on the cluster: task counts and utilisation against the reservation. */
  insights: boolean;
  now: number;
  windowMs: number;
  /** The latest values, for the alt text. */
  desired: number;
  running: number;
  pending: number;
  cpu?: number;
  memory?: number;
}

/**
 * The lab's dashboard for one service: desired, running and pending tasks (Container Insights
 * DesiredTaskCount, RunningTaskCount, PendingTaskCount) on the left axis, and CPU and memory
 * utilisation against the reservation (CpuUtilized/CpuReserved, MemoryUtilized/MemoryReserved) in
 * percent on the right. Without Container Insights AWS/ECS has no task counts: only its
 * CPUUtilization and MemoryUtilization (already against the reservation) are drawn.
 */
export function serviceDashboard(v: ServiceGraphView): GraphSpec {
  const dims = [
    { name: 'ClusterName', value: v.cluster },
    { name: 'ServiceName', value: v.service },
  ];
  const period = dashboardPeriod(v.windowMs);
  const ci = (name: string, id: string, o: Partial<SeriesDef> = {}): SeriesDef => ({
    id,
    namespace: 'ECS/ContainerInsights',
    name,
    dimensions: dims,
    stat: 'Average',
    periodSeconds: period,
    ...o,
  });
  const series: SeriesDef[] = v.insights
    ? [
        ci('DesiredTaskCount', 'desired', { label: 'desired tasks' }),
        ci('RunningTaskCount', 'running', { label: 'running tasks' }),
        ci('PendingTaskCount', 'pending', { label: 'pending tasks' }),
        ci('CpuUtilized', 'cpuused', { visible: false }),
        ci('CpuReserved', 'cpures', { visible: false }),
        ci('MemoryUtilized', 'memused', { visible: false }),
        ci('MemoryReserved', 'memres', { visible: false }),
        { id: 'cpu', expression: '100*cpuused/cpures', label: 'CPU % of reserved', right: true },
        { id: 'mem', expression: '100*memused/memres', label: 'memory % of reserved', right: true },
      ]
    : [
        {
          namespace: 'AWS/ECS',
          name: 'CPUUtilization',
          dimensions: dims,
          stat: 'Average',
          periodSeconds: period,
          label: 'CPU % of reserved',
          right: true,
        },
        {
          namespace: 'AWS/ECS',
          name: 'MemoryUtilization',
          dimensions: dims,
          stat: 'Average',
          periodSeconds: period,
          label: 'memory % of reserved',
          right: true,
        },
      ];
  const start = v.now - v.windowMs;
  const widget = widgetJson({
    title: `${v.cluster}/${v.service} · last ${windowWords(v.windowMs)}`,
    region: v.region,
    start,
    end: v.now,
    periodSeconds: period,
    series,
    leftAxis: { min: 0, label: v.insights ? 'tasks' : '%' },
  });
  (widget.yAxis as Record<string, unknown>).right = { min: 0, label: '%', showUnits: false };
  const words = [
    `Graph of ${v.cluster}/${v.service} over the last ${windowWords(v.windowMs)} (${formatPeriod(period)} points)`,
    v.insights
      ? `desired tasks ${v.desired}, running ${v.running}, pending ${v.pending} now`
      : `tasks now: ${v.desired} desired, ${v.running} running, ${v.pending} pending (task counts need Container Insights)`,
    [pct(v.cpu) && `CPU ${pct(v.cpu)} of reserved`, pct(v.memory) && `memory ${pct(v.memory)} of reserved`]
      .filter(Boolean)
      .join(', ') || 'no recent CPU or memory datapoint',
  ];
  return { widget, alt: altText(`${words.join('; ')}.`), title: `${v.cluster}/${v.service}` };
}

/** What a cluster dashboard is drawn from. */
export interface ClusterGraphView {
  cluster: string;
  region?: string;
  insights: boolean;
  now: number;
  windowMs: number;
  instances: number;
  cpu?: number;
  memory?: number;
  cpuReservation?: number;
  memoryReservation?: number;
}

/**
 * One cluster: CPU and memory reservation and utilisation (AWS/ECS, percent, left axis) and its
 * container instance count (Container Insights ContainerInstanceCount, right axis, when enabled).
 */
export function clusterDashboard(v: ClusterGraphView): GraphSpec {
  const dims = [{ name: 'ClusterName', value: v.cluster }];
  const period = dashboardPeriod(v.windowMs);
  const ecs = (name: string, label: string): SeriesDef => ({
    namespace: 'AWS/ECS',
    name,
    dimensions: dims,
    stat: 'Average',
    periodSeconds: period,
    label,
  });
  const series: SeriesDef[] = [
    ecs('CPUReservation', 'CPU reserved %'),
    ecs('MemoryReservation', 'memory reserved %'),
    ecs('CPUUtilization', 'CPU used %'),
    ecs('MemoryUtilization', 'memory used %'),
  ];
  if (v.insights)
    series.push({
      namespace: 'ECS/ContainerInsights',
      name: 'ContainerInstanceCount',
      dimensions: dims,
      stat: 'Average',
      periodSeconds: period,
      label: 'instances',
      right: true,
    });
  const widget = widgetJson({
    title: `${v.cluster} · last ${windowWords(v.windowMs)}`,
    region: v.region,
    start: v.now - v.windowMs,
    end: v.now,
    periodSeconds: period,
    series,
    leftAxis: { min: 0, label: '%' },
  });
  if (v.insights) (widget.yAxis as Record<string, unknown>).right = { min: 0, label: 'instances', showUnits: false };
  const now = [
    pct(v.cpuReservation) && `CPU reserved ${pct(v.cpuReservation)}`,
    pct(v.memoryReservation) && `memory reserved ${pct(v.memoryReservation)}`,
    pct(v.cpu) && `CPU used ${pct(v.cpu)}`,
    pct(v.memory) && `memory used ${pct(v.memory)}`,
  ]
    .filter(Boolean)
    .join(', ');
  const words = [
    `Graph of cluster ${v.cluster} over the last ${windowWords(v.windowMs)} (${formatPeriod(period)} points)`,
    now || 'no recent reservation or utilisation datapoint',
    `${plural(v.instances, 'container instance')}${v.insights ? '' : ' (the instance count line needs Container Insights)'}`,
  ];
  return { widget, alt: altText(`${words.join('; ')}.`), title: `cluster ${v.cluster}` };
}
