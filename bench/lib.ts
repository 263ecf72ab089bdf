import autocannon from 'autocannon';
import os from 'node:os';

export interface Row {
  [column: string]: string | number;
}

export interface BenchResult {
  title: string;
  rows: Row[];
  notes?: string[];
}

/** Prints rows as an aligned text table. */
export function printTable(r: BenchResult): void {
  const cols = [...new Set(r.rows.flatMap((row) => Object.keys(row)))];
  const cell = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : String(v ?? '');
  const widths = cols.map((c) => Math.max(c.length, ...r.rows.map((row) => cell(row[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ');
  console.log(`\n## ${r.title}\n`);
  console.log(line(cols));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of r.rows) console.log(line(cols.map((c) => cell(row[c]))));
  for (const n of r.notes ?? []) console.log(`  ${n}`);
}

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export interface LoadResult {
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  errors: number;
  non2xx: number;
}

/**
 * Runs autocannon against one URL (bounded in time, loopback only) with fixed body and headers, or with
 * a fresh body and headers per request from `next` (signed Slack requests: the bot refuses a replay).
 */
export async function load(o: {
  url: string;
  connections: number;
  seconds: number;
  body: string;
  headers: Record<string, string>;
  next?: () => { body: string; headers: Record<string, string> };
  method?: 'POST' | 'GET';
}): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:/.test(o.url)) throw new Error('benchmarks only ever target 127.0.0.1');
  const next = o.next;
  const r = await autocannon({
    url: o.url,
    method: o.method ?? 'POST',
    connections: o.connections,
    duration: o.seconds,
    body: o.body,
    headers: o.headers,
    ...(next
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => {
                const n = next();
                return { ...req, body: n.body, headers: { ...req.headers, ...n.headers } };
              },
            },
          ],
        }
      : {}),
  });
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
