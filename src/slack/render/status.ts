import type { types } from '@slack/bolt';
import type {
  ClusterSummary,
  ContainerInstanceInfo,
  InsightsSetting,
  ServiceSummary,
  TaskDefinitionInfo,
  TaskInfo,
} from '../../ecs/model';
import { formatPercent, percentSpark, type Point } from '../../ecs/sparkline';
import { code, escapeText, slackDate, truncate } from '../mrkdwn';
import { LIMITS } from './limits';
import { BlockBudget, codeBlock, context, fitTable, header, oneLine, section, toCsv, type Column } from './status-table';

/**
 * Pure renderers for /ecs status: all clusters, one cluster, one service. Each returns blocks within
 * Slack's limits (≤ 50 blocks, ≤ 3000 characters a section, a cumulative text budget); what does not
 * fit is summarised (mismatches first, the rest counted) and the full table is returned as a CSV
 * file for the caller to attach. Every name and message from AWS is escaped.
 */

type KnownBlock = types.KnownBlock;

/** Utilisation percentages as the metrics adapter returns them (structurally UtilisationNow). */
export interface UtilView {
  source: 'container-insights' | 'aws-ecs';
  cpu?: number;
  memory?: number;
  cpuReservation?: number;
  memoryReservation?: number;
}

export interface HistoryView {
  source: 'container-insights' | 'aws-ecs';
  window: { start: number; end: number };
  periodSeconds: number;
  cpu: Point[];
  memory: Point[];
}

export interface OverviewView {
  region: string;
  at: number;
  clusters: ClusterSummary[];
  /** By cluster name. */
  util: Map<string, UtilView>;
  /** Why metrics are missing (AWS refused or failed), shown as a note. */
  metricsError?: string;
}

export interface ClusterView {
  at: number;
  cluster: ClusterSummary;
  services: ServiceSummary[];
  /** By service name. */
  serviceUtil: Map<string, UtilView>;
  clusterUtil?: UtilView;
  instances: ContainerInstanceInfo[];
  metricsError?: string;
}

export interface ServiceView {
  at: number;
  cluster: ClusterSummary;
  service: ServiceSummary;
  taskDef?: TaskDefinitionInfo;
  /** Running and pending tasks (possibly the first N of more). */
  tasks: TaskInfo[];
  /** How many tasks the service has in all (≥ tasks.length). */
  tasksTotal: number;
  history?: HistoryView;
  metricsError?: string;
}

export interface StatusFile {
  filename: string;
  title: string;
  content: string;
}

/** Where the full table went: attached, or why it could not be. */
export type Attachment = { ok: true } | { ok: false; reason: string };

export interface StatusMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Rows shown before the rest is counted and sent as a file. */
export const MAX_SERVICE_ROWS = 40;
export const MAX_INSTANCE_ROWS = 15;
export const MAX_CLUSTER_LINES = 40;
export const MAX_TASK_ROWS = 15;
export const MAX_EVENTS = 5;
export const MAX_EVENT_CHARS = 300;

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const n = (x: number) => nf.format(x);
const plural = (k: number, one: string, many = `${one}s`) => `${n(k)} ${k === 1 ? one : many}`;

function stamp(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace(/[-:]/g, '')}Z`;
}

/** "12m ago", "3h ago", "2d ago" from `now`. */
export function ago(then: number | undefined, now: number): string {
  if (then === undefined) return '—';
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

function insightsLabel(s: InsightsSetting): string {
  return s === 'disabled' ? 'Container Insights *off*' : s === 'unknown' ? 'Container Insights unknown' : `Container Insights ${s}`;
}

function utilText(u: UtilView | undefined): string {
  if (!u) return 'utilisation unknown';
  const parts: string[] = [];
  if (u.cpu !== undefined || u.memory !== undefined) parts.push(`used: CPU ${formatPercent(u.cpu)}, memory ${formatPercent(u.memory)}`);
  if (u.cpuReservation !== undefined || u.memoryReservation !== undefined) {
    parts.push(`reserved: CPU ${formatPercent(u.cpuReservation)}, memory ${formatPercent(u.memoryReservation)}`);
  }
  return parts.length ? parts.join(' · ') : 'no utilisation data';
}

// ---------------------------------------------------------------------------------------------
// Service state: the one rule for what counts as a mismatch.

export type ServiceState = 'ok' | 'short' | 'pending' | 'over' | 'rollout' | 'failed' | 'draining';

/**
 * A service's state, worst first: a failed rollout, fewer running than desired, tasks pending, more
 * running than desired, a rollout in progress, or ok. Anything but ok and rollout is a mismatch.
 */
export function serviceState(s: ServiceSummary): ServiceState {
  if (s.status === 'DRAINING') return 'draining';
  if (s.deployments.some((d) => d.rolloutState === 'FAILED' && d.status === 'PRIMARY')) return 'failed';
  if (s.running < s.desired) return 'short';
  if (s.pending > 0) return 'pending';
  if (s.running > s.desired) return 'over';
  if (s.deployments.length > 1 || s.deployments.some((d) => d.rolloutState === 'IN_PROGRESS')) return 'rollout';
  return 'ok';
}

export function isMismatch(s: ServiceSummary): boolean {
  const st = serviceState(s);
  return st !== 'ok' && st !== 'rollout';
}

const STATE_RANK: Record<ServiceState, number> = { failed: 0, short: 1, pending: 2, over: 3, draining: 4, rollout: 5, ok: 6 };
const STATE_NOTE: Record<ServiceState, string> = {
  failed: 'rollout failed',
  short: 'short',
  pending: 'pending',
  over: 'over desired',
  draining: 'draining',
  rollout: 'rolling out',
  ok: '',
};

/** Mismatches first (worst, then largest shortfall), then the rest by name. */
export function sortServices(services: ServiceSummary[]): ServiceSummary[] {
  return [...services].sort((a, b) => {
    const ra = STATE_RANK[serviceState(a)];
    const rb = STATE_RANK[serviceState(b)];
    if (ra !== rb) return ra - rb;
    const sa = a.desired - a.running;
    const sb = b.desired - b.running;
    if (sa !== sb) return sb - sa;
    return a.name.localeCompare(b.name);
  });
}

// ---------------------------------------------------------------------------------------------
// All clusters

function clusterLine(c: ClusterSummary, u: UtilView | undefined): string {
  const icon = c.pendingTasks > 0 ? ':large_yellow_circle:' : c.runningTasks === 0 && c.activeServices === 0 ? ':white_circle:' : ':large_green_circle:';
  const tasks = `tasks ${n(c.runningTasks)} running${c.pendingTasks > 0 ? `, *${n(c.pendingTasks)} pending*` : ''}`;
  const insights = c.containerInsights === 'disabled' ? 'insights *off*' : `insights ${escapeText(c.containerInsights)}`;
  return `${icon} *${escapeText(c.name)}* · ${insights} · ${plural(c.registeredInstances, 'instance')} · ${plural(c.activeServices, 'service')} · ${tasks} · ${utilText(u)}`;
}

export function sortClusters(clusters: ClusterSummary[]): ClusterSummary[] {
  return [...clusters].sort((a, b) => (b.pendingTasks > 0 ? 1 : 0) - (a.pendingTasks > 0 ? 1 : 0) || a.name.localeCompare(b.name));
}

export function overviewCsv(v: OverviewView): StatusFile {
  const rows = sortClusters(v.clusters).map((c) => {
    const u = v.util.get(c.name);
    return [c.name, c.status, c.containerInsights, c.registeredInstances, c.activeServices, c.runningTasks, c.pendingTasks, u?.cpu, u?.memory, u?.cpuReservation, u?.memoryReservation];
  });
  return {
    filename: `ecs-status-clusters-${stamp(v.at)}.csv`,
    title: `ECS clusters in ${v.region}`,
    content: toCsv(
      ['cluster', 'status', 'container_insights', 'instances', 'services', 'running_tasks', 'pending_tasks', 'cpu_used_pct', 'memory_used_pct', 'cpu_reserved_pct', 'memory_reserved_pct'],
      rows,
    ),
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
        ? `…and ${plural(rest, 'more cluster')}: every cluster is in the attached CSV.`
        : `…and ${plural(rest, 'more cluster')} not shown (the CSV could not be attached: ${escapeText(attachment.reason)}).`,
    );
  }
  if (v.metricsError) notes.push(`:warning: Utilisation unavailable: ${escapeText(v.metricsError)}`);
  notes.push(`CPU/memory *used*: Container Insights where enabled, else AWS/ECS utilisation · *reserved*: AWS/ECS reservation (EC2 capacity) · as of ${slackDate(v.at)}`);
  notes.push(`\`/ecs status <cluster>\` for one cluster`);
  budget.add(context(...notes));
  const pending = v.clusters.filter((c) => c.pendingTasks > 0).length;
  const text = `${plural(v.clusters.length, 'ECS cluster')} in ${v.region}${pending ? `, ${n(pending)} with pending tasks` : ''}`;
  return { text, blocks: budget.blocks, shown };
}

/** `/ecs status`: every cluster of the region, one line each (clusters with pending tasks first). */
export function renderOverview(v: OverviewView, attachment: Attachment = { ok: true }): StatusMessage {
  const { text, blocks } = renderOverviewPlan(v, attachment);
  return { text, blocks };
}

// ---------------------------------------------------------------------------------------------
// One cluster

const SERVICE_COLS: Column[] = [
  { title: '!', align: 'left', max: 1 },
  { title: 'SERVICE', align: 'left', max: 32 },
  { title: 'DESIRED', align: 'right' },
  { title: 'RUNNING', align: 'right' },
  { title: 'PENDING', align: 'right' },
  { title: 'CPU', align: 'right' },
  { title: 'MEM', align: 'right' },
  { title: 'STATE', align: 'left' },
];

function serviceRow(s: ServiceSummary, u: UtilView | undefined): string[] {
  const st = serviceState(s);
  return [isMismatch(s) ? '!' : '', s.name, n(s.desired), n(s.running), n(s.pending), formatPercent(u?.cpu), formatPercent(u?.memory), STATE_NOTE[st]];
}

const INSTANCE_COLS: Column[] = [
  { title: '!', align: 'left', max: 1 },
  { title: 'INSTANCE', align: 'left', max: 20 },
  { title: 'TYPE', align: 'left', max: 12 },
  { title: 'CPU FREE/REG', align: 'right' },
  { title: 'MEM FREE/REG MiB', align: 'right' },
  { title: 'TASKS', align: 'right' },
  { title: 'STATE', align: 'left' },
];

function instanceProblem(i: ContainerInstanceInfo): string {
  if (!i.agentConnected) return 'agent disconnected';
  if (i.status !== 'ACTIVE') return i.status.toLowerCase();
  return '';
}

function freeFraction(i: ContainerInstanceInfo): number {
  const m = i.registered.memory > 0 ? i.remaining.memory / i.registered.memory : 1;
  const c = i.registered.cpu > 0 ? i.remaining.cpu / i.registered.cpu : 1;
  return Math.min(m, c);
}

/** Problem instances first, then the fullest (least free CPU or memory), then by id. */
export function sortInstances(list: ContainerInstanceInfo[]): ContainerInstanceInfo[] {
  return [...list].sort(
    (a, b) => (instanceProblem(b) ? 1 : 0) - (instanceProblem(a) ? 1 : 0) || freeFraction(a) - freeFraction(b) || a.id.localeCompare(b.id),
  );
}

function instanceRow(i: ContainerInstanceInfo): string[] {
  const problem = instanceProblem(i);
  const tasks = i.pendingTasks > 0 ? `${i.runningTasks}+${i.pendingTasks}p` : String(i.runningTasks);
  return [
    problem ? '!' : '',
    i.ec2InstanceId ?? i.id.slice(0, 12),
    i.instanceType ?? '—',
    `${n(i.remaining.cpu)}/${n(i.registered.cpu)}`,
    `${n(i.remaining.memory)}/${n(i.registered.memory)}`,
    tasks,
    problem || i.status.toLowerCase(),
  ];
}

/** Reserved share of registered CPU and memory over the given instances (what the ECS API says). */
export function capacityTotals(list: ContainerInstanceInfo[]) {
  const reg = { cpu: 0, memory: 0 };
  const free = { cpu: 0, memory: 0 };
  for (const i of list) {
    reg.cpu += i.registered.cpu;
    reg.memory += i.registered.memory;
    free.cpu += i.remaining.cpu;
    free.memory += i.remaining.memory;
  }
  const pct = (used: number, total: number) => (total > 0 ? (100 * used) / total : undefined);
  return {
    registered: reg,
    remaining: free,
    cpuReservedPct: pct(reg.cpu - free.cpu, reg.cpu),
    memoryReservedPct: pct(reg.memory - free.memory, reg.memory),
  };
}

function typeMix(list: ContainerInstanceInfo[]): string {
  const counts = new Map<string, number>();
  for (const i of list) counts.set(i.instanceType ?? 'unknown', (counts.get(i.instanceType ?? 'unknown') ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([t, k]) => `${escapeText(t)} ×${n(k)}`)
    .join(', ');
}

export function clusterServicesCsv(v: ClusterView): StatusFile {
  const rows = sortServices(v.services).map((s) => {
    const u = v.serviceUtil.get(s.name);
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    return [s.name, s.status, s.desired, s.running, s.pending, isMismatch(s) ? 'yes' : 'no', serviceState(s), primary?.rolloutState, s.taskDefinition, s.launchType ?? s.capacityProviderStrategy.map((c) => c.capacityProvider).join(' '), u?.cpu, u?.memory];
  });
  return {
    filename: `ecs-status-${v.cluster.name}-services-${stamp(v.at)}.csv`,
    title: `Services of ${v.cluster.name}`,
    content: toCsv(['service', 'status', 'desired', 'running', 'pending', 'mismatch', 'state', 'rollout', 'task_definition', 'launch', 'cpu_used_pct', 'memory_used_pct'], rows),
  };
}

export function clusterInstancesCsv(v: ClusterView): StatusFile {
  const rows = sortInstances(v.instances).map((i) => [
    i.id,
    i.ec2InstanceId,
    i.instanceType,
    i.status,
    i.agentConnected ? 'yes' : 'no',
    i.registered.cpu,
    i.remaining.cpu,
    i.registered.memory,
    i.remaining.memory,
    i.runningTasks,
    i.pendingTasks,
    i.asgName,
  ]);
  return {
    filename: `ecs-status-${v.cluster.name}-instances-${stamp(v.at)}.csv`,
    title: `Container instances of ${v.cluster.name}`,
    content: toCsv(
      ['container_instance', 'ec2_instance', 'instance_type', 'status', 'agent_connected', 'cpu_registered', 'cpu_remaining', 'memory_registered_mib', 'memory_remaining_mib', 'running_tasks', 'pending_tasks', 'autoscaling_group'],
      rows,
    ),
  };
}

interface ClusterPlan extends StatusMessage {
  servicesShown: number;
  instancesShown: number;
}

function planCluster(v: ClusterView, attachment: Attachment): ClusterPlan {
  const c = v.cluster;
  const budget = new BlockBudget();
  const footerReserve = { blocks: 1, chars: 900 };
  budget.add(header(`Cluster ${c.name}`));

  const mismatches = v.services.filter(isMismatch);
  const cap = capacityTotals(v.instances);
  const summary = [
    `${insightsLabel(c.containerInsights)} · ${plural(c.registeredInstances, 'container instance')} · ${plural(c.activeServices, 'active service')} · tasks ${n(c.runningTasks)} running${c.pendingTasks ? `, *${n(c.pendingTasks)} pending*` : ''}`,
    `Latest minute (${c.containerInsights === 'enabled' || c.containerInsights === 'enhanced' ? 'Container Insights' : 'AWS/ECS'}) · ${utilText(v.clusterUtil)}`,
  ];
  if (v.instances.length > 0) {
    summary.push(
      `Reserved of registered (ECS API): CPU ${n(cap.registered.cpu - cap.remaining.cpu)} of ${n(cap.registered.cpu)} units (${formatPercent(cap.cpuReservedPct)}) · memory ${n(cap.registered.memory - cap.remaining.memory)} of ${n(cap.registered.memory)} MiB (${formatPercent(cap.memoryReservedPct)})`,
    );
  }
  budget.add(section(summary.join('\n')));

  if (mismatches.length > 0) {
    const names = sortServices(mismatches).slice(0, 15).map((s) => code(s.name));
    const more = mismatches.length > names.length ? ` and ${n(mismatches.length - names.length)} more` : '';
    budget.add(section(`:warning: *${plural(mismatches.length, 'service')} not at the desired count:* ${names.join(', ')}${more}`));
  } else if (v.services.length > 0) {
    budget.add(section(`:white_check_mark: All ${plural(v.services.length, 'service')} at the desired count.`));
  }

  // Services table: mismatches first. Keep room for the capacity part and the footer.
  let servicesShown = 0;
  if (v.services.length === 0) {
    budget.add(section('No active services in this cluster.'));
  } else {
    const rows = sortServices(v.services).map((s) => serviceRow(s, v.serviceUtil.get(s.name)));
    const capacityReserve = v.instances.length > 0 ? 1800 : 200;
    const title = `*Services* (${n(v.services.length)}, mismatches first)`;
    const maxChars = Math.min(LIMITS.sectionText, budget.charsLeft(footerReserve.chars + capacityReserve)) - title.length - 1;
    const fit = fitTable(SERVICE_COLS, rows, MAX_SERVICE_ROWS, Math.max(0, maxChars));
    if (budget.add(section(`${title}\n${fit.text}`), footerReserve)) servicesShown = fit.shown;
  }

  // Capacity per container instance.
  let instancesShown = 0;
  if (v.instances.length === 0) {
    budget.add(section('*Capacity:* no container instances registered (Fargate only, or none launched yet).'), footerReserve);
  } else {
    const title = `*Capacity* · ${plural(v.instances.length, 'container instance')} (${typeMix(v.instances)})`;
    const maxChars = Math.min(LIMITS.sectionText, budget.charsLeft(footerReserve.chars)) - title.length - 1;
    const fit = fitTable(INSTANCE_COLS, sortInstances(v.instances).map(instanceRow), MAX_INSTANCE_ROWS, Math.max(0, maxChars));
    if (budget.add(section(`${title}\n${fit.text}`), footerReserve)) instancesShown = fit.shown;
  }

  const notes: string[] = [];
  const hidden: string[] = [];
  if (servicesShown < v.services.length) {
    const restMismatch = Math.max(0, mismatches.length - servicesShown);
    const rest = v.services.length - servicesShown;
    hidden.push(`${plural(rest, 'more service')}${restMismatch > 0 ? ` (${n(restMismatch)} not at desired count)` : ' (all at desired count)'}`);
  }
  if (instancesShown < v.instances.length) hidden.push(plural(v.instances.length - instancesShown, 'more instance'));
  if (hidden.length > 0) {
    notes.push(
      attachment.ok
        ? `…and ${hidden.join(' and ')}: the full tables are in the attached CSV.`
        : `…and ${hidden.join(' and ')} not shown (the CSV could not be attached: ${escapeText(attachment.reason)}).`,
    );
  }
  if (v.metricsError) notes.push(`:warning: Utilisation unavailable: ${escapeText(v.metricsError)}`);
  notes.push(`As of ${slackDate(v.at)} · \`/ecs status ${escapeText(c.name)}/<service>\` for one service`);
  budget.add(context(...notes));

  const text = `Cluster ${c.name}: ${plural(v.services.length, 'service')}${mismatches.length ? `, ${n(mismatches.length)} not at desired count` : ''}; ${plural(v.instances.length, 'container instance')}`;
  return { text, blocks: budget.blocks, servicesShown, instancesShown };
}

/** The CSV files a cluster answer needs: the services and/or instances tables that did not fit. */
export function clusterFiles(v: ClusterView): StatusFile[] {
  const p = planCluster(v, { ok: true });
  const files: StatusFile[] = [];
  if (p.servicesShown < v.services.length) files.push(clusterServicesCsv(v));
  if (p.instancesShown < v.instances.length) files.push(clusterInstancesCsv(v));
  return files;
}

/** `/ecs status <cluster>`: header, services table with every mismatch flagged, capacity per instance. */
export function renderCluster(v: ClusterView, attachment: Attachment = { ok: true }): StatusMessage {
  const { text, blocks } = planCluster(v, attachment);
  return { text, blocks };
}

// ---------------------------------------------------------------------------------------------
// One service

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
  return [...tasks].sort((a, b) => TASK_RANK(a) - TASK_RANK(b) || (b.startedAt ?? b.createdAt ?? 0) - (a.startedAt ?? a.createdAt ?? 0) || a.id.localeCompare(b.id));
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
  const launch = s.launchType ?? (s.capacityProviderStrategy.length ? `capacity provider ${s.capacityProviderStrategy.map((c) => escapeText(c.capacityProvider)).join(', ')}` : undefined);
  const parts = [`Task definition ${code(s.taskDefinition)}`];
  if (td) {
    parts.push(`${n(td.cpu)} CPU units · ${n(td.memory)} MiB`);
    if (td.networkMode) parts.push(`${escapeText(td.networkMode)} network`);
  }
  if (launch) parts.push(escapeText(launch));
  if (s.circuitBreaker) parts.push(`circuit breaker ${s.circuitBreaker.enable ? `on${s.circuitBreaker.rollback ? ' (rollback)' : ''}` : 'off'}`);
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
  const src = h.source === 'container-insights' ? 'Container Insights, used ÷ reserved' : 'AWS/ECS CPUUtilization / MemoryUtilization';
  const empty = h.cpu.length === 0 && h.memory.length === 0;
  const note = empty ? '\nNo datapoints in the last hour: these metrics exist only while tasks run.' : '';
  return `*Utilisation, last hour* (${src}, 0–100% scale)\n${codeBlock(rows)}${escapeText(note)}`;
}

function eventsSection(s: ServiceSummary): string {
  if (s.events.length === 0) return '*Last events:* none';
  const lines = s.events.slice(0, MAX_EVENTS).map((e) => `• ${slackDate(e.at, '{date_short} {time}')} ${escapeText(truncate(oneLine(e.message), MAX_EVENT_CHARS))}`);
  return `*Last events*\n${lines.join('\n')}`;
}

/** `/ecs status <cluster>/<service>`: state, task definition, deployments, utilisation, tasks, events. */
export function renderService(v: ServiceView): StatusMessage {
  const s = v.service;
  const budget = new BlockBudget();
  const footer = { blocks: 1, chars: 600 };
  budget.add(header(`${v.cluster.name} / ${s.name}`));
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
    const maxChars = Math.min(LIMITS.sectionText, budget.charsLeft(footer.chars + Math.min(eventsText.length, LIMITS.sectionText))) - tasksTitle.length - 40;
    const fit = fitTable(TASK_COLS, rows, MAX_TASK_ROWS, Math.max(0, maxChars));
    const hidden = v.tasksTotal - fit.shown;
    budget.add(section(`${tasksTitle}\n${fit.text}${hidden > 0 ? `\n…and ${plural(hidden, 'more task')}` : ''}`), footer);
  }
  budget.add(section(eventsText), footer);
  budget.add(
    context(
      `${insightsLabel(v.cluster.containerInsights)} · as of ${slackDate(v.at)} · \`/ecs status ${escapeText(v.cluster.name)}\` for the whole cluster`,
    ),
  );
  const text = `${v.cluster.name}/${s.name}: ${n(s.running)} of ${n(s.desired)} running${s.pending ? `, ${n(s.pending)} pending` : ''} (${STATE_NOTE[serviceState(s)] || 'steady'})`;
  return { text, blocks: budget.blocks };
}

/** Plain-text version of a message (for the README and logs): mrkdwn kept, blocks joined. */
export function statusAsText(m: StatusMessage): string {
  return m.blocks
    .map((b) => {
      const anyB = b as unknown as Record<string, any>;
      if (anyB.type === 'context') return (anyB.elements ?? []).map((e: any) => e.text).join(' | ');
      return anyB.text?.text ?? '';
    })
    .join('\n\n');
}

