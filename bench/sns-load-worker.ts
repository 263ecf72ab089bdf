import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { BodySigner, snsHeaders, type TrafficPlan } from './sns-traffic';

/**
 * A load generator in its own thread (so it does not share the bot's event loop): POSTs signed SNS
 * notifications i ∈ [from, from + count) of a plan over keep-alive connections to 127.0.0.1. It
 * speaks HTTP/1.1 over raw sockets with each request serialised once, as wrk does: Node's http
 * client spent about 0.1 ms a request, most of the second core, which the bot's SQLite writer thread
 * needs on a 2-core machine.
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
const target = new URL(job.url);
const port = Number(target.port);

/** The request's bytes: request line, SNS headers, Content-Length, body. */
function requestBytes(body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  const headers = Object.entries(snsHeaders(body))
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(
      `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n${headers}content-length: ${b.length}\r\n\r\n`,
      'latin1',
    ),
    b,
  ]);
}

/** One keep-alive connection: a request at a time; resolves with the status code (-1 when the connection failed). */
class Connection {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting?: (status: number) => void;
  closed = false;

  constructor() {
    this.socket = net.connect(port, target.hostname);
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => this.onData(d));
    const fail = () => {
      this.closed = true;
      this.settle(-1);
    };
    this.socket.on('error', fail);
    this.socket.on('close', fail);
  }

  request(bytes: Buffer): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(bytes);
    });
  }

  private settle(status: number): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(status);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + length) return;
    this.buf = this.buf.subarray(end + 4 + length);
    if (/\r\nconnection:\s*close/i.test(head)) this.socket.end();
    this.settle(Number(head.slice(9, 12)));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const connections: Connection[] = [];

async function post(slot: number, bytes: Buffer): Promise<number> {
  let c = connections[slot];
  if (!c || c.closed) c = connections[slot] = new Connection();
  return c.request(bytes);
}

async function run(bodies: Buffer[] | undefined): Promise<LoadReport> {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const gap = job.ratePerSec ? 1000 / job.ratePerSec : 0;
  const loop = async (slot: number) => {
    for (;;) {
      const k = next++;
      if (k >= job.count) return;
      if (gap) {
        const due = started + k * gap;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const bytes = bodies ? bodies[k] : requestBytes(signer.body(job.plan, job.from + k));
      const t0 = performance.now();
      const status = await post(slot, bytes);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: job.connections }, (_, slot) => loop(slot)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { sent: job.count, statuses, seconds, p50: pct(50), p99: pct(99), signSeconds: 0 };
}

async function main(): Promise<void> {
  let bodies: Buffer[] | undefined;
  let signSeconds = 0;
  if (job.presign) {
    const t0 = performance.now();
    bodies = Array.from({ length: job.count }, (_, k) => requestBytes(signer.body(job.plan, job.from + k)));
    signSeconds = (performance.now() - t0) / 1000;
  }
  parentPort!.postMessage({ type: 'ready', signSeconds });
  await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
  const report = await run(bodies);
  for (const c of connections) c?.destroy();
  parentPort!.postMessage({ type: 'done', report: { ...report, signSeconds } });
}

void main();
