import { LRUCache } from 'lru-cache';
import { loadOpenAlarms } from '../alarm-admin/api';
import { EcsReader } from '../aws/ecs';
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

/** Reads ECS clusters for the Home tab through a short cache keyed on nothing but time (one per bot). */
export class ClusterGlance {
  private readonly cache: LRUCache<'all', ClusterSummary[]>;
  private inflight?: Promise<ClusterSummary[]>;

  constructor(private readonly ctx: AppContext) {
    this.cache = new LRUCache<'all', ClusterSummary[]>({
      max: 1,
      ttl: CLUSTER_CACHE_MS,
      perf: { now: () => ctx.clock.now() },
    });
  }

  async read(): Promise<ClusterSummary[]> {
    const hit = this.cache.get('all');
    if (hit) return hit;
    // Concurrent opens share one read.
    this.inflight ??= new EcsReader(this.ctx.aws.ecs)
      .describeClusters()
      .then(({ clusters }) => {
        this.cache.set('all', clusters);
        return clusters;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
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
      const all = [...(await glance.read())].sort(
        (a, b) => b.pendingTasks - a.pendingTasks || a.name.localeCompare(b.name),
      );
      return {
        total: all.length,
        items: all.slice(0, CLUSTERS_SHOWN).map((c) => ({
          name: c.name,
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
