import type { AwsScope } from '../aws/scope';
import { mapLimit } from '../aws/batch';
import type { EcsReader } from '../aws/ecs';
import type { EcsMetrics, UtilisationNow } from '../aws/metrics';
import type { Clock } from '../clock';
import { AwsError, NotFoundError, UserFacingError } from '../errors';
import { arnName, type ClusterSummary, type TaskDefinitionInfo } from '../ecs/model';
import { closestNames } from '../ecs/names';
import type { Logger } from '../logger';
import type {
  AccountsOverviewView,
  ClusterView,
  HistoryView,
  OverviewGroup,
  OverviewView,
  ServiceView,
} from './render/status';

/**
 * Gathers what /ecs status shows, with every independent AWS call in parallel (each adapter caps
 * its own concurrency and batches at the API limits). Metrics are a bonus: when CloudWatch fails
 * the answer still comes, with a note saying why the utilisation is missing.
 */

export interface StatusDeps {
  ecs: EcsReader;
  metrics: EcsMetrics;
  clock: Clock;
  region: string;
  log: Logger;
}

/** Running and pending tasks described for the service view (the table shows the worst first). */
export const MAX_TASKS_DESCRIBED = 100;

export function hasInsights(c: Pick<ClusterSummary, 'containerInsights'>): boolean {
  return c.containerInsights === 'enabled' || c.containerInsights === 'enhanced';
}

function metricsProblem(err: unknown, log: Logger, what: string): string {
  if (err instanceof AwsError) {
    log.warn({ err }, `${what} unavailable`);
    return err.message;
  }
  log.error({ err }, `${what} failed`);
  return 'an unexpected error (logged)';
}

/** Rejections of settled calls, first one wins: so "cluster not found" beats what follows from it. */
function firstRejection(results: PromiseSettledResult<unknown>[]): void {
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

export async function loadOverview(d: StatusDeps): Promise<OverviewView> {
  const at = d.clock.now();
  const { clusters } = await d.ecs.describeClusters();
  let util = new Map<string, UtilisationNow>();
  let metricsError: string | undefined;
  if (clusters.length > 0) {
    try {
      util = await d.metrics.latest(
        clusters.map((c) => ({ cluster: c.name, insights: hasInsights(c), reservation: true })),
        at,
      );
    } catch (err) {
      metricsError = metricsProblem(err, d.log, 'cluster utilisation');
    }
  }
  return { region: d.region, at, clusters, util, metricsError };
}

/** Accounts and regions read at once by the overview across accounts. */
export const OVERVIEW_CONCURRENCY = 6;

/**
 * Every cluster of every configured account and region, read in parallel under a cap. An account or
 * region that cannot be read (its role cannot be assumed, AWS times out) becomes a group with an
 * error: the others are still answered.
 */
export async function loadAccountsOverview(
  scopes: AwsScope[],
  depsFor: (s: AwsScope) => StatusDeps,
  accountId: (name: string) => Promise<string | undefined>,
  log: Logger,
  at: number,
): Promise<AccountsOverviewView> {
  const groups = await mapLimit(scopes, OVERVIEW_CONCURRENCY, async (s): Promise<OverviewGroup> => {
    const id = await accountId(s.account).catch(() => undefined);
    try {
      const v = await loadOverview(depsFor(s));
      return { ...s, accountId: id, clusters: v.clusters, util: v.util, metricsError: v.metricsError };
    } catch (err) {
      if (err instanceof UserFacingError) {
        log.warn({ account: s.account, region: s.region, err }, 'account unreadable');
        return { ...s, accountId: id, clusters: [], util: new Map(), error: err.message };
      }
      log.error({ err, account: s.account, region: s.region }, 'account overview failed');
      return { ...s, accountId: id, clusters: [], util: new Map(), error: 'an unexpected error (logged)' };
    }
  });
  return { at, groups };
}

export async function loadCluster(d: StatusDeps, name: string): Promise<ClusterView> {
  const at = d.clock.now();
  const first = await Promise.allSettled([
    d.ecs.getCluster(name),
    d.ecs.listServiceArns(name),
    d.ecs.listContainerInstances(name),
  ] as const);
  firstRejection(first);
  const [cluster, serviceArns, instances] = first.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    ClusterSummary,
    string[],
    Awaited<ReturnType<EcsReader['listContainerInstances']>>,
  ];
  const insights = hasInsights(cluster);
  const names = serviceArns.map(arnName);
  const [services, util] = await Promise.all([
    d.ecs.describeServices(cluster.name, serviceArns),
    d.metrics
      .latest(
        [
          { cluster: cluster.name, insights },
          ...names.map((service) => ({ cluster: cluster.name, service, insights })),
        ],
        at,
      )
      .then((m) => ({ m, error: undefined as string | undefined }))
      .catch((err: unknown) => ({
        m: new Map<string, UtilisationNow>(),
        error: metricsProblem(err, d.log, 'service utilisation'),
      })),
  ]);
  const serviceUtil = new Map<string, UtilisationNow>();
  for (const s of services.services) {
    const u = util.m.get(`${cluster.name}/${s.name}`);
    if (u) serviceUtil.set(s.name, u);
  }
  return {
    at,
    cluster,
    services: services.services,
    serviceUtil,
    clusterUtil: util.m.get(cluster.name),
    instances,
    metricsError: util.error,
  };
}

export async function loadService(d: StatusDeps, clusterName: string, serviceName: string): Promise<ServiceView> {
  const at = d.clock.now();
  const first = await Promise.allSettled([
    d.ecs.getCluster(clusterName),
    d.ecs.getService(clusterName, serviceName),
  ] as const);
  firstRejection(first);
  const cluster = (first[0] as PromiseFulfilledResult<ClusterSummary>).value;
  const service = (first[1] as PromiseFulfilledResult<Awaited<ReturnType<EcsReader['getService']>>>).value;
  const insights = hasInsights(cluster);
  const [taskDef, tasks, history] = await Promise.all([
    d.ecs.describeTaskDefinition(service.taskDefinition).catch((err: unknown): TaskDefinitionInfo | undefined => {
      d.log.warn({ err }, 'task definition unavailable');
      return undefined;
    }),
    d.ecs.listTasks(cluster.name, { service: service.name, max: MAX_TASKS_DESCRIBED }),
    d.metrics
      .history({ cluster: cluster.name, service: service.name, insights }, at)
      .then((h): { h?: HistoryView; error?: string } => ({ h }))
      .catch((err: unknown) => ({ h: undefined, error: metricsProblem(err, d.log, 'service utilisation history') })),
  ]);
  return {
    at,
    cluster,
    service,
    taskDef,
    tasks,
    tasksTotal: Math.max(tasks.length, service.running + service.pending),
    history: history.h,
    metricsError: history.error,
  };
}

export type StatusAnswer =
  | { kind: 'overview'; view: OverviewView }
  | { kind: 'accounts'; view: AccountsOverviewView }
  | { kind: 'cluster'; view: ClusterView }
  | { kind: 'service'; view: ServiceView };

/**
 * One name without a slash: a cluster, or else (when a default cluster is set) a service of the
 * default cluster. Not found as either: one NotFoundError with the closest clusters and services.
 */
export async function loadClusterOrService(
  d: StatusDeps,
  name: string,
  defaultCluster?: string,
): Promise<StatusAnswer> {
  try {
    return { kind: 'cluster', view: await loadCluster(d, name) };
  } catch (err) {
    if (!(err instanceof NotFoundError) || !defaultCluster || defaultCluster === name) throw err;
    try {
      return { kind: 'service', view: await loadService(d, defaultCluster, name) };
    } catch (err2) {
      if (!(err2 instanceof NotFoundError)) throw err2;
      throw new NotFoundError(
        `no cluster "${name}" in this region, and no service "${name}" in the default cluster "${defaultCluster}"`,
        closestNames(name, [...err.suggestions, ...err2.suggestions]),
      );
    }
  }
}
