import type { types } from '@slack/bolt';
import type {
  ClusterSummary,
  ContainerInstanceInfo,
  InsightsSetting,
  ServiceSummary,
  TaskDefinitionInfo,
  TaskInfo,
} from '../../ecs/model';
import { formatPercent, type Point } from '../../ecs/sparkline';
import type { FilePlace } from '../../slack/files';

/**
 * What the /ecs status renderers share: their input views, output shapes, row limits, number
 * formatting, and the one rule for what counts as a service mismatch. Pure.
 */

export type KnownBlock = types.KnownBlock;

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

/** Clusters of one account and region, or why they could not be read (the overview across accounts). */
export interface OverviewGroup {
  account: string;
  /** 12 digits when known. */
  accountId?: string;
  region: string;
  clusters: ClusterSummary[];
  /** By cluster name. */
  util: Map<string, UtilView>;
  metricsError?: string;
  /** The account or region could not be read at all (role not assumable, timeout …). */
  error?: string;
}

/** `/ecs status` when several accounts or regions are configured: groups in configuration order. */
export interface AccountsOverviewView {
  at: number;
  groups: OverviewGroup[];
}

export interface ClusterView {
  at: number;
  /** `prod (111111111111) · eu-west-1` when several accounts or regions are configured. */
  where?: string;
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
  /** `prod (111111111111) · eu-west-1` when several accounts or regions are configured. */
  where?: string;
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
export type Attachment = { ok: true; place?: FilePlace } | { ok: false; reason: string };

/** Where the full tables went, in words: beside a public answer, or to the asker of an ephemeral one. */
export function csvPlace(a: { ok: true; place?: FilePlace }): string {
  return a.place === 'direct-message' ? 'the CSV sent to you in a direct message' : 'the attached CSV';
}

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
export const MAX_EVENT_CHARS = 400;

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const n = (x: number) => nf.format(x);
export function stamp(at: number): string {
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

export function insightsLabel(s: InsightsSetting): string {
  return s === 'disabled'
    ? 'Container Insights *off*'
    : s === 'unknown'
      ? 'Container Insights unknown'
      : `Container Insights ${s}`;
}

export function utilText(u: UtilView | undefined): string {
  if (!u) return 'utilisation unknown';
  const parts: string[] = [];
  if (u.cpu !== undefined || u.memory !== undefined)
    parts.push(`used: CPU ${formatPercent(u.cpu)}, memory ${formatPercent(u.memory)}`);
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

const STATE_RANK: Record<ServiceState, number> = {
  failed: 0,
  short: 1,
  pending: 2,
  over: 3,
  draining: 4,
  rollout: 5,
  ok: 6,
};
export const STATE_NOTE: Record<ServiceState, string> = {
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
