import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mapLimit } from './batch';
import { awsCall } from './errors';

/**
 * CloudWatch metrics adapter. Callers describe the series they want with their own keys; the adapter
 * packs them into as few GetMetricData calls as the API allows (≤ 500 queries and ≤ 100,800
 * datapoints per call), runs the calls in parallel under a cap, follows NextToken, and returns the
 * series by key, oldest point first.
 */

export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;

export interface MetricRequest {
  /** The caller's key for this series (any string; the CloudWatch query Id is generated). */
  key: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Average, Maximum, Minimum, Sum, SampleCount or a percentile such as p90. */
  stat: string;
  /** Seconds; a multiple of 60 for standard-resolution metrics. */
  period: number;
}

export interface MetricPoint {
  at: number;
  value: number;
}

export interface MetricSeries {
  key: string;
  /** Oldest first. */
  points: MetricPoint[];
  /** False when CloudWatch reported anything but Complete (partial data, internal error, forbidden). */
  complete: boolean;
}

/** Epoch ms; StartTime inclusive, EndTime exclusive as CloudWatch treats them. */
export interface MetricWindow {
  start: number;
  end: number;
}

function datapointsPerQuery(req: MetricRequest, w: MetricWindow): number {
  return Math.max(1, Math.ceil((w.end - w.start) / (Math.max(1, req.period) * 1000)) + 1);
}

/**
 * Splits requests into the fewest GetMetricData calls: at most 500 queries each, and at most
 * 100,800 datapoints each. Requests keep their order.
 */
export function planMetricBatches(reqs: MetricRequest[], w: MetricWindow): MetricRequest[][] {
  const batches: MetricRequest[][] = [];
  let cur: MetricRequest[] = [];
  let points = 0;
  for (const r of reqs) {
    const p = datapointsPerQuery(r, w);
    if (cur.length > 0 && (cur.length >= MAX_QUERIES_PER_CALL || points + p > MAX_DATAPOINTS_PER_CALL)) {
      batches.push(cur);
      cur = [];
      points = 0;
    }
    cur.push(r);
    points += p;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

function toQuery(r: MetricRequest, id: string): MetricDataQuery {
  return {
    Id: id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: r.namespace,
        MetricName: r.metricName,
        Dimensions: Object.entries(r.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: r.period,
      Stat: r.stat,
    },
  };
}

function pointsOf(res: MetricDataResult): MetricPoint[] {
  const ts = res.Timestamps ?? [];
  const vals = res.Values ?? [];
  const out: MetricPoint[] = [];
  for (let i = 0; i < Math.min(ts.length, vals.length); i++) {
    const at = new Date(ts[i]).getTime();
    if (Number.isFinite(at) && Number.isFinite(vals[i])) out.push({ at, value: vals[i] });
  }
  return out;
}

export class MetricsReader {
  constructor(
    private readonly cw: CloudWatchClient,
    private readonly concurrency = 4,
    /** Upper bound on NextToken pages per call, so a misbehaving endpoint cannot loop forever. */
    private readonly maxPages = 20,
  ) {}

  /** Fetches every requested series over one window. Keys must be unique. */
  async fetch(reqs: MetricRequest[], w: MetricWindow): Promise<Map<string, MetricSeries>> {
    const out = new Map<string, MetricSeries>();
    if (reqs.length === 0) return out;
    const keys = new Set<string>();
    for (const r of reqs) {
      if (keys.has(r.key)) throw new Error(`duplicate metric key ${r.key}`);
      keys.add(r.key);
    }
    const batches = planMetricBatches(reqs, w);
    await mapLimit(batches, this.concurrency, async (batch) => {
      // CloudWatch Ids: lowercase letter first, then letters, digits and underscores.
      const byId = new Map<string, MetricRequest>(batch.map((r, i) => [`m${i}`, r]));
      const queries = [...byId].map(([id, r]) => toQuery(r, id));
      for (const r of batch) out.set(r.key, { key: r.key, points: [], complete: true });
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const res = await awsCall('cloudwatch:GetMetricData', () =>
          this.cw.send(
            new GetMetricDataCommand({
              StartTime: new Date(w.start),
              EndTime: new Date(w.end),
              MetricDataQueries: queries,
              ScanBy: 'TimestampAscending',
              NextToken: nextToken,
            }),
          ),
        );
        for (const r of res.MetricDataResults ?? []) {
          const req = byId.get(r.Id ?? '');
          if (!req) continue;
          const s = out.get(req.key)!;
          s.points.push(...pointsOf(r));
          // PartialData means "more in the next page"; it is complete once the last page is read.
          if (r.StatusCode && r.StatusCode !== 'Complete' && r.StatusCode !== 'PartialData') s.complete = false;
        }
        nextToken = res.NextToken;
        pages += 1;
      } while (nextToken && pages < this.maxPages);
      if (nextToken) for (const r of batch) out.get(r.key)!.complete = false;
    });
    for (const s of out.values()) {
      s.points.sort((a, b) => a.at - b.at);
      // Pages never overlap, but a repeated timestamp must not count twice.
      s.points = s.points.filter((p, i, arr) => i === 0 || arr[i - 1].at !== p.at);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// ECS utilisation: Container Insights when the cluster has it, else the free AWS/ECS metrics.

export type UtilisationSource = 'container-insights' | 'aws-ecs';

export interface UtilisationTarget {
  cluster: string;
  /** Omitted for the whole cluster. */
  service?: string;
  /** Container Insights enabled (or enhanced) on the cluster. */
  insights: boolean;
  /** Also fetch AWS/ECS CPUReservation / MemoryReservation (cluster targets on EC2 capacity). */
  reservation?: boolean;
}

/** Percentages (0–100+); undefined where CloudWatch has no datapoint. */
export interface UtilisationNow {
  source: UtilisationSource;
  cpu?: number;
  memory?: number;
  cpuReservation?: number;
  memoryReservation?: number;
}

export interface UtilisationHistory {
  source: UtilisationSource;
  window: MetricWindow;
  periodSeconds: number;
  cpu: MetricPoint[];
  memory: MetricPoint[];
  complete: boolean;
}

export function targetKey(t: Pick<UtilisationTarget, 'cluster' | 'service'>): string {
  return t.service ? `${t.cluster}/${t.service}` : t.cluster;
}

type Part = 'cpu' | 'cpuRes' | 'mem' | 'memRes' | 'cpuPct' | 'memPct' | 'cpuReservation' | 'memReservation';

function requestsFor(t: UtilisationTarget, period: number, stat = 'Average'): MetricRequest[] {
  const dims: Record<string, string> = t.service
    ? { ClusterName: t.cluster, ServiceName: t.service }
    : { ClusterName: t.cluster };
  const k = targetKey(t);
  const m = (part: Part, namespace: string, metricName: string): MetricRequest => ({
    key: `${k}#${part}`,
    namespace,
    metricName,
    dimensions: dims,
    stat,
    period,
  });
  const reqs: MetricRequest[] = t.insights
    ? [
        m('cpu', 'ECS/ContainerInsights', 'CpuUtilized'),
        m('cpuRes', 'ECS/ContainerInsights', 'CpuReserved'),
        m('mem', 'ECS/ContainerInsights', 'MemoryUtilized'),
        m('memRes', 'ECS/ContainerInsights', 'MemoryReserved'),
      ]
    : [m('cpuPct', 'AWS/ECS', 'CPUUtilization'), m('memPct', 'AWS/ECS', 'MemoryUtilization')];
  if (t.reservation && !t.service) {
    reqs.push(m('cpuReservation', 'AWS/ECS', 'CPUReservation'), m('memReservation', 'AWS/ECS', 'MemoryReservation'));
  }
  return reqs;
}

/** Point-wise 100·a/b over the timestamps both series share (b > 0). */
export function ratioSeries(a: MetricPoint[], b: MetricPoint[]): MetricPoint[] {
  const den = new Map(b.map((p) => [p.at, p.value]));
  const out: MetricPoint[] = [];
  for (const p of a) {
    const d = den.get(p.at);
    if (d !== undefined && d > 0) out.push({ at: p.at, value: (100 * p.value) / d });
  }
  return out;
}

const last = (ps: MetricPoint[] | undefined): number | undefined =>
  ps && ps.length > 0 ? ps[ps.length - 1].value : undefined;

function seriesPair(
  t: UtilisationTarget,
  got: Map<string, MetricSeries>,
): { cpu: MetricPoint[]; memory: MetricPoint[]; complete: boolean } {
  const k = targetKey(t);
  const g = (part: Part) => got.get(`${k}#${part}`);
  const parts: Part[] = t.insights ? ['cpu', 'cpuRes', 'mem', 'memRes'] : ['cpuPct', 'memPct'];
  const complete = parts.every((p) => g(p)?.complete !== false);
  if (t.insights) {
    return {
      cpu: ratioSeries(g('cpu')?.points ?? [], g('cpuRes')?.points ?? []),
      memory: ratioSeries(g('mem')?.points ?? [], g('memRes')?.points ?? []),
      complete,
    };
  }
  return { cpu: g('cpuPct')?.points ?? [], memory: g('memPct')?.points ?? [], complete };
}

/** ECS utilisation queries on top of MetricsReader. */
export class EcsMetrics {
  constructor(readonly reader: MetricsReader) {}

  /**
   * The latest CPU and memory utilisation of many clusters and services, in as few GetMetricData
   * calls as possible. Looks back `lookbackMs` (default 10 min) at 1-minute resolution and keeps the
   * newest datapoint, since the current minute may not be published yet.
   */
  async latest(
    targets: UtilisationTarget[],
    now: number,
    lookbackMs = 10 * 60_000,
  ): Promise<Map<string, UtilisationNow>> {
    const period = 60;
    const end = Math.floor(now / 60_000) * 60_000;
    const window = { start: end - lookbackMs, end };
    const got = await this.reader.fetch(
      targets.flatMap((t) => requestsFor(t, period)),
      window,
    );
    const out = new Map<string, UtilisationNow>();
    for (const t of targets) {
      const pair = seriesPair(t, got);
      const k = targetKey(t);
      out.set(k, {
        source: t.insights ? 'container-insights' : 'aws-ecs',
        cpu: last(pair.cpu),
        memory: last(pair.memory),
        cpuReservation: last(got.get(`${k}#cpuReservation`)?.points),
        memoryReservation: last(got.get(`${k}#memReservation`)?.points),
      });
    }
    return out;
  }

  /** CPU and memory utilisation over the last `windowMs` (default 1 h) at `periodSeconds` resolution. */
  async history(
    t: UtilisationTarget,
    now: number,
    windowMs = 3_600_000,
    periodSeconds = 60,
  ): Promise<UtilisationHistory> {
    const end = Math.floor(now / 60_000) * 60_000;
    const window = { start: end - windowMs, end };
    const got = await this.reader.fetch(requestsFor({ ...t, reservation: false }, periodSeconds), window);
    const pair = seriesPair(t, got);
    return { source: t.insights ? 'container-insights' : 'aws-ecs', window, periodSeconds, ...pair };
  }
}
