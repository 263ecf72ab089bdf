import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { BodySigner, snsHeaders, type TrafficPlan } from './sns-traffic';

/**
 * A load generator in its own thread (so it does not share the bot's event loop): POSTs signed SNS
 * notifications i ∈ [from, from + count) of a plan over keep-alive connections to 127.0.0.1.
 * `presign` signs every body before the parent says go (throughput runs); otherwise each connection
 * signs its next body just before sending it (long runs). `ratePerSec` paces the sends.
 */
export interface LoadJob {
  url: string;
  keyPem: string;
  plan: TrafficPlan;
  from: number;
  count: number;
  connections: number;
  presign: boolean;
  ratePerSec?: number;
}

export interface LoadReport {
  sent: number;
  statuses: Record<string, number>;
  seconds: number;
  p50: number;
  p99: number;
  signSeconds: number;
}

const job = workerData as LoadJob;
if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(job.url)) throw new Error('the load worker only ever targets 127.0.0.1');
const signer = new BodySigner(job.keyPem);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });

function post(body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(job.url, { method: 'POST', agent, headers: { ...snsHeaders(body), 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

async function run(bodies: string[] | undefined): Promise<LoadReport> {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const gap = job.ratePerSec ? 1000 / job.ratePerSec : 0;
  const loop = async () => {
    for (;;) {
      const k = next++;
      if (k >= job.count) return;
      if (gap) {
        const due = started + k * gap;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const body = bodies ? bodies[k] : signer.body(job.plan, job.from + k);
      const t0 = performance.now();
      const status = await post(body);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { sent: job.count, statuses, seconds, p50: pct(50), p99: pct(99), signSeconds: 0 };
}

async function main(): Promise<void> {
  let bodies: string[] | undefined;
  let signSeconds = 0;
  if (job.presign) {
    const t0 = performance.now();
    bodies = Array.from({ length: job.count }, (_, k) => signer.body(job.plan, job.from + k));
    signSeconds = (performance.now() - t0) / 1000;
  }
  parentPort!.postMessage({ type: 'ready', signSeconds });
  await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
  const report = await run(bodies);
  agent.destroy();
  parentPort!.postMessage({ type: 'done', report: { ...report, signSeconds } });
}

void main();
