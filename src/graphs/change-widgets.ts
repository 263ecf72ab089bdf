import { formatPeriod } from '../notifications/reason';
import { plural, truncate } from '../util/text';
import { altText, clockTime, dashboardPeriod, widgetJson, type GraphSpec, type SeriesDef } from './widgets';

/**
 * The graphs of a diagnosis (the pending tasks beside the capacity finding, a memory kill's memory
 * against the reservation) and of a finished rollout (desired against running over the change). Pure:
 * each takes a view model and returns the widget JSON with its alt text.
 */

const serviceDims = (cluster: string, service: string) => [
  { name: 'ClusterName', value: cluster },
  { name: 'ServiceName', value: service },
];

/** A name in alt text, short enough that the values after it always fit. */
const named = (s: string) => truncate(s, 200);

/** "3 h", "1 d" */
function windowWords(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : `${Math.round(ms / 3600_000)} h`;
}

/** What the pending-tasks graph of a diagnosis is drawn from (Container Insights task counts). */
export interface PendingTasksGraphView {
  cluster: string;
  service: string;
  region?: string;
  now: number;
  windowMs: number;
  /** The counts ECS reported at the diagnosis, for the alt text. */
  desired: number;
  running: number;
  pending: number;
}

/**
 * Desired, running and pending tasks of the service over the window (Container Insights
 * DesiredTaskCount, RunningTaskCount, PendingTaskCount; pending at its maximum so a short wait shows).
 */
export function pendingTasksGraph(v: PendingTasksGraphView): GraphSpec {
  const period = dashboardPeriod(v.windowMs);
  const ci = (name: string, label: string, stat = 'Average'): SeriesDef => ({
    namespace: 'ECS/ContainerInsights',
    name,
    dimensions: serviceDims(v.cluster, v.service),
    stat,
    periodSeconds: period,
    label,
  });
  const widget = widgetJson({
    title: `${v.cluster}/${v.service} · tasks, last ${windowWords(v.windowMs)}`,
    region: v.region,
    start: v.now - v.windowMs,
    end: v.now,
    periodSeconds: period,
    series: [
      ci('DesiredTaskCount', 'desired tasks'),
      ci('RunningTaskCount', 'running tasks'),
      ci('PendingTaskCount', 'pending tasks', 'Maximum'),
    ],
    leftAxis: { min: 0, label: 'tasks' },
  });
  const words = [
    `Graph of desired, running and pending tasks of ${named(`${v.cluster}/${v.service}`)} over the last ${windowWords(v.windowMs)} (${formatPeriod(period)} points)`,
    `at the diagnosis: desired tasks ${v.desired}, running ${v.running}, pending ${v.pending}`,
  ];
  return {
    widget,
    alt: altText(`${words.join('; ')}.`),
    title: truncate(`${v.cluster}/${v.service} tasks`, 200),
  };
}

/** What the memory graph of a diagnosis with a memory kill is drawn from. */
export interface TaskMemoryGraphView {
  cluster: string;
  service: string;
  region?: string;
  /** Container Insights on the cluster: MemoryUtilized against MemoryReserved; else AWS/ECS MemoryUtilization. */
  insights: boolean;
  now: number;
  windowMs: number;
  /** When tasks were killed for running out of memory (newest first is fine; at most 5 are marked). */
  kills: number[];
  /** The latest memory reading, percent of the reservation, for the alt text. */
  memoryPct?: number;
  /** The task's memory (MiB) from its task definition, for the alt text. */
  taskMemoryMiB?: number;
}

/** Kills marked on a memory graph; more would only clutter it. */
const MAX_KILLS_MARKED = 5;

/**
 * The service's tasks' memory against their reservation, in percent (100% is the reservation, drawn
 * as a line), with each out-of-memory kill marked. With Container Insights it is MemoryUtilized (its
 * maximum, so a spike shows) over MemoryReserved at the service level, which is the tasks' average;
 * without it, AWS/ECS MemoryUtilization, which is already a percentage of the reservation.
 */
export function taskMemoryGraph(v: TaskMemoryGraphView): GraphSpec {
  const period = dashboardPeriod(v.windowMs);
  const dims = serviceDims(v.cluster, v.service);
  const series: SeriesDef[] = v.insights
    ? [
        {
          id: 'memused',
          namespace: 'ECS/ContainerInsights',
          name: 'MemoryUtilized',
          dimensions: dims,
          stat: 'Maximum',
          periodSeconds: period,
          visible: false,
        },
        {
          id: 'memres',
          namespace: 'ECS/ContainerInsights',
          name: 'MemoryReserved',
          dimensions: dims,
          stat: 'Average',
          periodSeconds: period,
          visible: false,
        },
        { id: 'mem', expression: '100*memused/memres', label: 'memory % of reserved' },
      ]
    : [
        {
          namespace: 'AWS/ECS',
          name: 'MemoryUtilization',
          dimensions: dims,
          stat: 'Maximum',
          periodSeconds: period,
          label: 'memory % of reserved',
        },
      ];
  const start = v.now - v.windowMs;
  const kills = [...new Set(v.kills)]
    .filter((t) => t >= start && t <= v.now)
    .sort((a, b) => b - a)
    .slice(0, MAX_KILLS_MARKED)
    .reverse();
  const widget = widgetJson({
    title: `${v.cluster}/${v.service} · memory, last ${windowWords(v.windowMs)}`,
    region: v.region,
    start,
    end: v.now,
    periodSeconds: period,
    series,
    horizontal: [{ label: 'reservation (100%)', value: 100 }],
    vertical: kills.map((at) => ({ label: 'out of memory', at })),
    leftAxis: { min: 0, label: '%' },
  });
  const source = v.insights
    ? 'Container Insights MemoryUtilized (maximum) over MemoryReserved'
    : 'AWS/ECS MemoryUtilization (maximum)';
  const words = [
    `Graph of the memory of ${named(`${v.cluster}/${v.service}`)}'s tasks as a percentage of their reservation over the last ${windowWords(v.windowMs)} (${source}, ${formatPeriod(period)} points)`,
    v.memoryPct !== undefined ? `last reading ${Math.round(v.memoryPct)}% of reserved` : 'no recent memory datapoint',
    ...(v.taskMemoryMiB ? [`task memory ${v.taskMemoryMiB} MiB`] : []),
    kills.length
      ? `${plural(kills.length, 'out-of-memory kill')} marked, the last at ${clockTime(kills[kills.length - 1])}`
      : 'no out-of-memory kill in the window',
  ];
  return {
    widget,
    alt: altText(`${words.join('; ')}.`),
    title: truncate(`${v.cluster}/${v.service} memory`, 200),
  };
}

/** What the graph of a finished rollout is drawn from. */
export type RolloutGraphView = {
  region?: string;
  /** When the change was made (the request's execution). */
  changedAt: number;
  /** When the rollout ended (reached, stopped or timed out). */
  endedAt: number;
  /** "scaled to 4", "deployment web:7" (the mark at the change). */
  changeLabel: string;
  /** "reached", "stopped", "timed out" (the mark at the end). */
  outcome: string;
} & (
  | { kind: 'tasks'; cluster: string; service: string; desired: number; running: number }
  | { kind: 'instances'; cluster: string; group: string; insights: boolean; desired: number; inService: number }
);

/** A rollout graph spans at least this long, so a quick change still shows its before and after. */
export const MIN_ROLLOUT_WINDOW_MS = 15 * 60_000;

/** The window of a rollout graph: from the change to its end, widened back to at least 15 min. */
export function rolloutWindow(changedAt: number, endedAt: number): { start: number; end: number } {
  const end = Math.max(endedAt, changedAt + 60_000);
  return { start: Math.min(changedAt, end - MIN_ROLLOUT_WINDOW_MS), end };
}

/**
 * Desired against running over a change: the service's tasks (Container Insights DesiredTaskCount and
 * RunningTaskCount) or the Auto Scaling group's instances (GroupDesiredCapacity and
 * GroupInServiceInstances, and the cluster's ContainerInstanceCount with Container Insights), from the
 * request's execution to the end of the rollout, with both moments marked.
 */
export function rolloutGraph(v: RolloutGraphView): GraphSpec {
  const { start, end } = rolloutWindow(v.changedAt, v.endedAt);
  const period = dashboardPeriod(end - start);
  let series: SeriesDef[];
  let what: string;
  let last: string;
  if (v.kind === 'tasks') {
    const ci = (name: string, label: string): SeriesDef => ({
      namespace: 'ECS/ContainerInsights',
      name,
      dimensions: serviceDims(v.cluster, v.service),
      stat: 'Average',
      periodSeconds: period,
      label,
    });
    series = [ci('DesiredTaskCount', 'desired tasks'), ci('RunningTaskCount', 'running tasks')];
    what = `desired and running tasks of ${named(`${v.cluster}/${v.service}`)}`;
    last = `at the end: desired tasks ${v.desired}, running ${v.running}`;
  } else {
    const asg = (name: string, label: string): SeriesDef => ({
      namespace: 'AWS/AutoScaling',
      name,
      dimensions: [{ name: 'AutoScalingGroupName', value: v.group }],
      stat: 'Average',
      periodSeconds: period,
      label,
    });
    series = [asg('GroupDesiredCapacity', 'desired instances'), asg('GroupInServiceInstances', 'in service')];
    if (v.insights)
      series.push({
        namespace: 'ECS/ContainerInsights',
        name: 'ContainerInstanceCount',
        dimensions: [{ name: 'ClusterName', value: v.cluster }],
        stat: 'Average',
        periodSeconds: period,
        label: 'registered in the cluster',
      });
    what = `desired and in-service instances of group ${named(v.group)}${v.insights ? ` and the instances registered in ${named(v.cluster)}` : ''}`;
    last = `at the end: desired ${v.desired}, in service ${v.inService}`;
  }
  const widget = widgetJson({
    title: truncate(`${v.kind === 'tasks' ? `${v.cluster}/${v.service}` : `group ${v.group}`} · ${v.changeLabel}`, 200),
    region: v.region,
    start,
    end,
    periodSeconds: period,
    series,
    vertical: [
      { label: v.changeLabel, at: v.changedAt },
      { label: v.outcome, at: end },
    ],
    leftAxis: { min: 0, label: v.kind === 'tasks' ? 'tasks' : 'instances' },
  });
  const words = [
    `Graph of ${what} from ${clockTime(start)} to ${clockTime(end)} (${formatPeriod(period)} points)`,
    `${v.changeLabel} at ${clockTime(v.changedAt)}, ${v.outcome} at ${clockTime(end)}`,
    last,
  ];
  return {
    widget,
    alt: altText(`${words.join('; ')}.`),
    title: truncate(`${v.kind === 'tasks' ? `${v.cluster}/${v.service}` : `group ${v.group}`} rollout`, 200),
  };
}
