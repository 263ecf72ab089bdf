import type { ClusterSummary } from '../../ecs/model';
import { code, escapeText, slackDate } from '../../slack/mrkdwn';
import { truncate } from '../../util/text';
import {
  MAX_CLUSTER_LINES,
  n,
  stamp,
  utilText,
  type Attachment,
  csvPlace,
  type OverviewView,
  type StatusFile,
  type StatusMessage,
  type UtilView,
} from './status-common';
import { plural } from '../../util/text';
import { context, header, section, toCsv } from './status-table';
import { BlockBudget } from '../../slack/block-budget';

/** `/ecs status`: every cluster of the region, one line each, clusters with pending tasks first. */

/** One cluster's line; `where` (a region) follows the name in the overview across accounts. */
export function clusterLine(c: ClusterSummary, u: UtilView | undefined, where?: string): string {
  const icon =
    c.pendingTasks > 0
      ? ':large_yellow_circle:'
      : c.runningTasks === 0 && c.activeServices === 0
        ? ':white_circle:'
        : ':large_green_circle:';
  const tasks = `tasks ${n(c.runningTasks)} running${c.pendingTasks > 0 ? `, *${n(c.pendingTasks)} pending*` : ''}`;
  const insights =
    c.containerInsights === 'disabled' ? 'insights *off*' : `insights ${escapeText(c.containerInsights)}`;
  return `${icon} *${escapeText(c.name)}*${where ? ` · ${escapeText(where)}` : ''} · ${insights} · ${plural(c.registeredInstances, 'instance')} · ${plural(c.activeServices, 'service')} · ${tasks} · ${utilText(u)}`;
}

export function sortClusters(clusters: ClusterSummary[]): ClusterSummary[] {
  return [...clusters].sort(
    (a, b) => (b.pendingTasks > 0 ? 1 : 0) - (a.pendingTasks > 0 ? 1 : 0) || a.name.localeCompare(b.name),
  );
}

/** The columns every cluster CSV shares, after any columns that say where the cluster is. */
export const CLUSTER_CSV_COLUMNS = [
  'cluster',
  'status',
  'container_insights',
  'instances',
  'services',
  'running_tasks',
  'pending_tasks',
  'cpu_used_pct',
  'memory_used_pct',
  'cpu_reserved_pct',
  'memory_reserved_pct',
];

/** One cluster's cells, in the order of CLUSTER_CSV_COLUMNS. */
export function clusterCsvCells(c: ClusterSummary, u: UtilView | undefined) {
  return [
    c.name,
    c.status,
    c.containerInsights,
    c.registeredInstances,
    c.activeServices,
    c.runningTasks,
    c.pendingTasks,
    u?.cpu,
    u?.memory,
    u?.cpuReservation,
    u?.memoryReservation,
  ];
}

export function overviewCsv(v: OverviewView): StatusFile {
  const rows = sortClusters(v.clusters).map((c) => clusterCsvCells(c, v.util.get(c.name)));
  return {
    filename: `ecs-status-clusters-${stamp(v.at)}.csv`,
    title: `ECS clusters in ${v.region}`,
    content: toCsv(CLUSTER_CSV_COLUMNS, rows),
  };
}

/** The file the overview needs when not every cluster fits, else undefined. */
export function overviewFiles(v: OverviewView): StatusFile[] {
  return renderOverviewPlan(v).shown < v.clusters.length ? [overviewCsv(v)] : [];
}

function renderOverviewPlan(v: OverviewView, attachment: Attachment = { ok: true }): StatusMessage & { shown: number } {
  const budget = new BlockBudget();
  budget.add(header(`ECS clusters in ${v.region}`));
  const sorted = sortClusters(v.clusters);
  const footerReserve = { blocks: 2, chars: 900 };
  if (sorted.length === 0) {
    budget.add(section(`No ECS clusters in ${code(v.region)}. Create one, or check \`AWS_REGION\`.`));
  }
  // Lines in sections of at most 10 (each well under 3000 characters), added while the budget holds.
  const lines = sorted.slice(0, MAX_CLUSTER_LINES).map((c) => truncate(clusterLine(c, v.util.get(c.name)), 280));
  let shown = 0;
  for (let i = 0; i < lines.length; i += 10) {
    const group = lines.slice(i, i + 10);
    if (!budget.add(section(group.join('\n')), footerReserve)) break;
    shown += group.length;
  }
  const notes: string[] = [];
  if (shown < sorted.length) {
    const rest = sorted.length - shown;
    notes.push(
      attachment.ok
        ? `…and ${plural(rest, 'more cluster')}: every cluster is in ${csvPlace(attachment)}.`
        : `…and ${plural(rest, 'more cluster')} not shown (the CSV could not be attached: ${escapeText(attachment.reason)}).`,
    );
  }
  if (v.metricsError) notes.push(`:warning: Utilisation unavailable: ${escapeText(v.metricsError)}`);
  notes.push(
    `CPU/memory *used*: Container Insights where enabled, else AWS/ECS utilisation · *reserved*: AWS/ECS reservation (EC2 capacity) · as of ${slackDate(v.at)}`,
  );
  notes.push(`${code('/ecs status <cluster>')} for one cluster`);
  budget.add(context(...notes));
  const pending = v.clusters.filter((c) => c.pendingTasks > 0).length;
  const text = `${plural(v.clusters.length, 'ECS cluster')} in ${escapeText(v.region)}${pending ? `, ${n(pending)} with pending tasks` : ''}`;
  return { text, blocks: budget.blocks, shown };
}

/** `/ecs status`: every cluster of the region, one line each (clusters with pending tasks first). */
export function renderOverview(v: OverviewView, attachment: Attachment = { ok: true }): StatusMessage {
  const { text, blocks } = renderOverviewPlan(v, attachment);
  return { text, blocks };
}
