import { LRUCache } from 'lru-cache';
import { loadOpenAlarms } from '../alarm-admin/api';
import { EcsReader } from '../aws/ecs';
import { mapLimit } from '../aws/batch';
import { truncate } from '../util/text';
import type { AppContext } from '../context';
import type { ClusterSummary } from '../ecs/model';
import { UserFacingError } from '../errors';
import type { HomeAuditView, HomeChangeView, HomeClusterView, HomeData, HomeSection } from './render';

/** Clusters are read from ECS at most this often, however many people open the tab. */
const CLUSTER_CACHE_MS = 30_000;
const ALARMS_SHOWN = 25;
const CHANGES_SHOWN = 10;
const CLUSTERS_SHOWN = 20;
const AUDIT_SHOWN = 10;

/** Accounts and regions read at once for the Home tab's clusters. */
const GLANCE_CONCURRENCY = 6;

/** A cluster at a glance, and where it is when the bot reads several accounts or regions. */
export type GlancedCluster = ClusterSummary & { where?: string };

/** The clusters the Home tab shows, and the accounts or regions that could not be read. */
export interface Glance {
  clusters: GlancedCluster[];
  unreadable: string[];
}

/**
 * Reads ECS clusters for the Home tab through a short cache keyed on nothing but time (one per bot):
 * every configured account and region, in parallel under a cap, each labelled with where it is; one
 * that cannot be read is named, and the rest are shown.
 */
export class ClusterGlance {
  private readonly cache: LRUCache<'all', Glance>;
  private inflight?: Promise<Glance>;

  constructor(private readonly ctx: AppContext) {
    this.cache = new LRUCache<'all', Glance>({
      max: 1,
      ttl: CLUSTER_CACHE_MS,
      perf: { now: () => ctx.clock.now() },
    });
  }

  async read(): Promise<Glance> {
    const hit = this.cache.get('all');
    if (hit) return hit;
    // Concurrent opens share one read.
    this.inflight ??= this.readAll()
      .then((g) => {
        this.cache.set('all', g);
        return g;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async readAll(): Promise<Glance> {
    const accounts = this.ctx.accounts;
    if (!accounts.multi)
      return { clusters: (await new EcsReader(this.ctx.aws.ecs).describeClusters()).clusters, unreadable: [] };
    const unreadable: string[] = [];
    const per = await mapLimit(accounts.scopes(), GLANCE_CONCURRENCY, async (scope) => {
      const where = `${scope.account} · ${scope.region}`;
      try {
        const { clusters } = await new EcsReader(accounts.read(scope).ecs).describeClusters();
        return clusters.map((c): GlancedCluster => ({ ...c, where }));
      } catch (err) {
        if (!(err instanceof UserFacingError)) this.ctx.logger.error({ err, ...scope }, 'home clusters failed');
        else this.ctx.logger.warn({ err, ...scope }, 'home clusters: account unreadable');
        unreadable.push(err instanceof UserFacingError ? `${where}: ${truncate(err.message, 200)}` : where);
        return [];
      }
    });
    return { clusters: per.flat(), unreadable };
  }
}

function why(err: unknown, what: string): string {
  return err instanceof UserFacingError ? `${what}: ${err.message}` : `${what} could not be read right now.`;
}

async function section<T>(ctx: AppContext, what: string, read: () => Promise<HomeSection<T>>): Promise<HomeSection<T>> {
  try {
    return await read();
  } catch (err) {
    ctx.logger.warn({ err, section: what }, 'home section failed');
    return { error: why(err, what) };
  }
}

/** Everything the Home tab shows, read in parallel; a section that fails says why instead of failing the tab. */
export async function collectHome(ctx: AppContext, glance: ClusterGlance, userId: string): Promise<HomeData> {
  const now = ctx.clock.now();
  const [alarms, changes, clusters, audit] = await Promise.all([
    section(ctx, 'Open alarms', async () => {
      const r = await loadOpenAlarms(ctx, { includeCloudWatch: false, limit: ALARMS_SHOWN });
      return { items: r.alarms, total: r.knownTotal };
    }),
    section<HomeChangeView>(ctx, 'Change requests', async () => {
      const pending = (await ctx.store.changeRequests.list({ statuses: ['pending'], limit: 100 })).filter(
        (r) => r.expiresAt > now,
      );
      return {
        total: pending.length,
        items: pending.slice(0, CHANGES_SHOWN).map((r) => ({
          id: r.id,
          action: r.action,
          summary: r.plan.summary,
          target: r.target,
          requestedBy: r.requestedBy,
          reason: r.reason,
          createdAt: r.createdAt,
          expiresAt: r.expiresAt,
          warnings: r.plan.warnings.length,
        })),
      };
    }),
    section<HomeClusterView>(ctx, 'Clusters', async () => {
      const g = await glance.read();
      const all = [...g.clusters].sort((a, b) => b.pendingTasks - a.pendingTasks || a.name.localeCompare(b.name));
      return {
        total: all.length,
        ...(g.unreadable.length ? { notes: g.unreadable.map((u) => `Not read: ${u}`) } : {}),
        items: all.slice(0, CLUSTERS_SHOWN).map((c) => ({
          name: c.name,
          ...(c.where ? { where: c.where } : {}),
          containerInsights: c.containerInsights,
          runningTasks: c.runningTasks,
          pendingTasks: c.pendingTasks,
          registeredInstances: c.registeredInstances,
          activeServices: c.activeServices,
        })),
      };
    }),
    section<HomeAuditView>(ctx, 'Audit', async () => {
      const rows = await ctx.store.audit.latest(AUDIT_SHOWN);
      return {
        total: rows.length,
        items: rows.map((a) => ({
          at: a.at,
          actor: a.actor,
          action: a.action,
          target: a.target,
          outcome: a.outcome,
          approver: a.approver,
          error: a.error,
        })),
      };
    }),
  ]);
  return { now, userId, alarms, changes, clusters, audit };
}
