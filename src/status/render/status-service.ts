import type { ServiceSummary, TaskDefinitionInfo, TaskInfo } from '../../ecs/model';
import { formatPercent, percentSpark } from '../../ecs/sparkline';
import { code, escapeText, slackDate, truncate } from '../../slack/mrkdwn';
import { LIMITS } from '../../slack/limits';
import {
  MAX_EVENTS,
  MAX_EVENT_CHARS,
  MAX_TASK_ROWS,
  STATE_NOTE,
  ago,
  insightsLabel,
  n,
  plural,
  serviceState,
  type HistoryView,
  type ServiceView,
  type StatusMessage,
} from './status-common';
import { BlockBudget, codeBlock, context, fitTable, header, oneLine, section, type Column } from './status-table';

/**
 * `/ecs status <cluster>/<service>`: state, task definition, deployments and rollout, utilisation over
 * the last hour as sparklines, tasks with health, and the last service events.
 */

const TASK_COLS: Column[] = [
  { title: 'TASK', align: 'left', max: 12 },
  { title: 'STATUS', align: 'left' },
  { title: 'HEALTH', align: 'left' },
  { title: 'TASK DEF', align: 'left', max: 40 },
  { title: 'STARTED', align: 'right' },
  { title: 'INSTANCE', align: 'left', max: 19 },
];

const TASK_RANK = (t: TaskInfo) => (t.health === 'UNHEALTHY' ? 0 : t.lastStatus !== 'RUNNING' ? 1 : 2);

export function sortTasks(tasks: TaskInfo[]): TaskInfo[] {
  return [...tasks].sort(
    (a, b) =>
      TASK_RANK(a) - TASK_RANK(b) ||
      (b.startedAt ?? b.createdAt ?? 0) - (a.startedAt ?? a.createdAt ?? 0) ||
      a.id.localeCompare(b.id),
  );
}

function stateHeadline(s: ServiceSummary): string {
  const st = serviceState(s);
  const counts = `*${n(s.running)} of ${n(s.desired)} running*${s.pending ? `, *${n(s.pending)} pending*` : ''}`;
  switch (st) {
    case 'ok':
      return `:large_green_circle: ${counts} · steady`;
    case 'rollout':
      return `:arrows_counterclockwise: ${counts} · rollout in progress`;
    case 'failed':
      return `:red_circle: ${counts} · *rollout failed*`;
    case 'draining':
      return `:warning: ${counts} · service is draining`;
    default:
      return `:warning: ${counts} · ${STATE_NOTE[st]}`;
  }
}

function taskDefLine(s: ServiceSummary, td: TaskDefinitionInfo | undefined): string {
  const launch =
    s.launchType ??
    (s.capacityProviderStrategy.length
      ? `capacity provider ${s.capacityProviderStrategy.map((c) => escapeText(c.capacityProvider)).join(', ')}`
      : undefined);
  const parts = [`Task definition ${code(s.taskDefinition)}`];
  if (td) {
    parts.push(`${n(td.cpu)} CPU units · ${n(td.memory)} MiB`);
    if (td.networkMode) parts.push(`${escapeText(td.networkMode)} network`);
  }
  if (launch) parts.push(escapeText(launch));
  if (s.circuitBreaker)
    parts.push(
      `circuit breaker ${s.circuitBreaker.enable ? `on${s.circuitBreaker.rollback ? ' (rollback)' : ''}` : 'off'}`,
    );
  return parts.join(' · ');
}

function deploymentLines(s: ServiceSummary): string {
  if (s.deployments.length === 0) return '*Deployments:* none';
  const lines = s.deployments.slice(0, 5).map((d) => {
    const rollout = d.rolloutState ? ` · rollout *${escapeText(d.rolloutState)}*` : '';
    const when = d.updatedAt ?? d.createdAt;
    const base = `• *${escapeText(d.status)}* ${code(d.taskDefinition)} — ${n(d.running)}/${n(d.desired)} running, ${n(d.pending)} pending, ${n(d.failedTasks)} failed${rollout}${when ? ` · ${slackDate(when)}` : ''}`;
    return d.rolloutStateReason ? `${base}\n    _${escapeText(truncate(oneLine(d.rolloutStateReason), 300))}_` : base;
  });
  const more = s.deployments.length > 5 ? `\n…and ${n(s.deployments.length - 5)} more` : '';
  return `*Deployments*\n${lines.join('\n')}${more}`;
}

function utilisationSection(h: HistoryView | undefined, metricsError: string | undefined): string {
  if (!h) return `*Utilisation, last hour:* unavailable${metricsError ? ` (${escapeText(metricsError)})` : ''}`;
  const rows = (['CPU', 'MEM'] as const).map((label) => {
    const spark = percentSpark(label === 'CPU' ? h.cpu : h.memory, h.window.start, h.window.end, 30);
    const stats = spark.stats
      ? `min ${formatPercent(spark.stats.min)}  avg ${formatPercent(spark.stats.avg)}  max ${formatPercent(spark.stats.max)}  now ${formatPercent(spark.stats.last)}`
      : 'no data';
    return `${label} ${spark.line}  ${stats}`;
  });
  const src =
    h.source === 'container-insights'
      ? 'Container Insights, used ÷ reserved'
      : 'AWS/ECS CPUUtilization / MemoryUtilization';
  const empty = h.cpu.length === 0 && h.memory.length === 0;
  const note = empty ? '\nNo datapoints in the last hour: these metrics exist only while tasks run.' : '';
  return `*Utilisation, last hour* (${src}, 0–100% scale)\n${codeBlock(rows)}${escapeText(note)}`;
}

function eventsSection(s: ServiceSummary): string {
  if (s.events.length === 0) return '*Last events:* none';
  const lines = s.events
    .slice(0, MAX_EVENTS)
    .map(
      (e) => `• ${slackDate(e.at, '{date_short} {time}')} ${escapeText(truncate(oneLine(e.message), MAX_EVENT_CHARS))}`,
    );
  return `*Last events*\n${lines.join('\n')}`;
}

/** `/ecs status <cluster>/<service>`: state, task definition, deployments, utilisation, tasks, events. */
export function renderService(v: ServiceView): StatusMessage {
  const s = v.service;
  const budget = new BlockBudget();
  const footer = { blocks: 1, chars: 600 };
  budget.add(header(`${v.cluster.name} / ${s.name}`));
  if (v.where) budget.add(context(`:cloud: ${escapeText(v.where)}`));
  budget.add(section(`${stateHeadline(s)}\n${taskDefLine(s, v.taskDef)}`));
  budget.add(section(deploymentLines(s)), footer);
  budget.add(section(utilisationSection(v.history, v.metricsError)), footer);

  const eventsText = eventsSection(s);
  const tasksTitle = `*Tasks* · ${n(s.running)} running, ${n(s.pending)} pending of ${n(s.desired)} desired`;
  if (v.tasks.length === 0) {
    budget.add(section(`${tasksTitle}\nNo running or pending tasks.`), footer);
  } else {
    const rows = sortTasks(v.tasks).map((t) => [
      t.id.slice(0, 12),
      t.lastStatus,
      t.health ?? '—',
      t.taskDefinition,
      t.startedAt ? ago(t.startedAt, v.at) : 'not yet',
      t.containerInstanceId ? t.containerInstanceId.slice(0, 12) : t.launchType === 'FARGATE' ? 'fargate' : '—',
    ]);
    const maxChars =
      Math.min(LIMITS.sectionText, budget.charsLeft(footer.chars + Math.min(eventsText.length, LIMITS.sectionText))) -
      tasksTitle.length -
      40;
    const fit = fitTable(TASK_COLS, rows, MAX_TASK_ROWS, Math.max(0, maxChars));
    const hidden = v.tasksTotal - fit.shown;
    budget.add(
      section(`${tasksTitle}\n${fit.text}${hidden > 0 ? `\n…and ${plural(hidden, 'more task')}` : ''}`),
      footer,
    );
  }
  budget.add(section(eventsText), footer);
  budget.add(
    context(
      `${insightsLabel(v.cluster.containerInsights)} · as of ${slackDate(v.at)} · ${code(`/ecs status ${v.cluster.name}`)} for the whole cluster`,
    ),
  );
  const text = `${escapeText(`${v.cluster.name}/${s.name}`)}: ${n(s.running)} of ${n(s.desired)} running${s.pending ? `, ${n(s.pending)} pending` : ''} (${STATE_NOTE[serviceState(s)] || 'steady'})`;
  return { text, blocks: budget.blocks };
}
