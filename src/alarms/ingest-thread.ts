import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppContext } from '../context';
import { StoreUnavailableError } from '../store/db';
import { ingestBatch, type IngestJob, type IngestJobResult } from './ingest';
import type { FromThread, IngestThreadData, ToThread } from './ingest-thread-worker';
import { channelFor } from './routing';

/** Takes notifications to the store; answers once each is committed (or failed). */
export interface Ingester {
  submit(job: IngestJob): Promise<IngestJobResult>;
  close(): Promise<void>;
}

interface Pending {
  job: IngestJob;
  resolve: (r: IngestJobResult) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 256;
/** A batch goes to the thread as soon as this many notifications wait, not only at the end of the event-loop turn. */
const EAGER_BATCH = 16;
/** Batches handed to the thread and not answered yet. */
const MAX_IN_FLIGHT = 8;
/** How long after the thread died before another is started. */
const RESTART_DELAY_MS = 1000;

/**
 * SNS ingest on SQLite, off the event loop. Parsing the alarm and the store transaction (dedup row,
 * incident, timeline line, card intent) were half of the bot's time per notification, all of it
 * synchronous SQLite and JSON work on the thread that also answers Slack and SNS. Here a worker
 * thread with its own connection to the same file does it, one transaction per batch (a group
 * commit). A batch goes over when 16 notifications wait or at the end of the event-loop turn, with
 * up to 8 batches in the thread; beyond that they wait and go together, so batches grow with the
 * load. Sending early matters: a notification's answer waits for its whole batch, and with batches
 * of a whole turn (some 35 notifications at 50 connections) the two threads took turns idling
 * (bench/: 4,150 → 4,880 notifications/s end to end). SQLite's WAL lets the bot's own connection read meanwhile; its writes
 * wait for the thread's short transactions (busy_timeout).
 *
 * If the thread dies, the notifications in it are answered 503 (SNS retries them), and so is every
 * one for the next second; then the next one starts a new thread. After close() (the store closing), every notification is refused with
 * StoreUnavailableError, as the store itself would.
 */
export class IngestThread implements Ingester {
  private worker?: Worker;
  private queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending[]>();
  private seq = 0;
  private scheduled = false;
  private closed = false;
  /** After the thread died, none is started again before this time (answers meanwhile: 503). */
  private restartAt = 0;

  constructor(
    private readonly data: IngestThreadData,
    private readonly onError: (message: string) => void,
  ) {}

  submit(job: IngestJob): Promise<IngestJobResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.queue.length >= EAGER_BATCH) this.pump();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private start(): Worker {
    // Under ts-node-style loaders (tests, benchmarks) the thread loads the TypeScript source the same way.
    const ts = __filename.endsWith('.ts');
    const w = new Worker(path.join(__dirname, `ingest-thread-worker.${ts ? 'ts' : 'js'}`), {
      workerData: this.data,
      // A CPU profile of the bot (node --cpu-prof) covers the thread too.
      execArgv: [
        ...process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
        ...(ts ? ['-r', require.resolve('@swc-node/register')] : []),
      ],
    });
    w.unref();
    w.on('message', (m: FromThread) => {
      const batch = m.type === 'done' ? this.inFlight.get(m.seq) : undefined;
      if (m.type !== 'done' || !batch) return;
      this.inFlight.delete(m.seq);
      m.results.forEach((r, i) => batch[i].resolve(r));
      this.pump();
    });
    const died = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const lost = [...this.inFlight.values()].flat();
      this.inFlight.clear();
      if (!this.closed) this.onError(why);
      this.restartAt = Date.now() + RESTART_DELAY_MS;
      for (const p of lost) p.reject(new StoreUnavailableError(`the SNS ingest thread stopped: ${why}`));
      this.pump();
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(`exited with code ${code}`));
    return w;
  }

  private pump(): void {
    if (!this.worker && this.queue.length > 0 && Date.now() < this.restartAt) {
      // A thread that cannot start must not be restarted for every notification of a storm.
      for (const p of this.queue.splice(0)) p.reject(new StoreUnavailableError('the SNS ingest thread is restarting'));
      return;
    }
    while (this.inFlight.size < MAX_IN_FLIGHT && this.queue.length > 0 && !this.closed) {
      this.worker ??= this.start();
      const batch = this.queue.splice(0, MAX_BATCH);
      const seq = ++this.seq;
      this.inFlight.set(seq, batch);
      this.worker.postMessage({ type: 'batch', seq, jobs: batch.map((p) => p.job) } satisfies ToThread);
    }
  }

  /** Finishes the batch in flight, refuses what waits, and closes the thread's connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new StoreUnavailableError('the store is closed'));
    const w = this.worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate(), 5000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      // The thread answers in order: a close sent now is taken after the batches in it.
      w.postMessage({ type: 'close' } satisfies ToThread);
    });
    this.worker = undefined;
  }
}

/**
 * In the bot's thread: on SQLite (an in-memory database, which a second connection cannot share) the
 * notifications of one event-loop turn share a transaction; on PostgreSQL, which has real concurrency
 * and cross-replica row locks that batching could deadlock, each keeps its own.
 */
export class InlineIngester implements Ingester {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly ctx: Pick<AppContext, 'store' | 'config' | 'newId'>) {}

  private get applyContext() {
    return {
      newId: () => this.ctx.newId(),
      channelFor: (n: Parameters<typeof channelFor>[0]) => channelFor(n, this.ctx.config),
    };
  }

  submit(job: IngestJob): Promise<IngestJobResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (this.ctx.store.dialect !== 'sqlite')
      return ingestBatch(this.ctx.store, [job], this.applyContext).then((r) => r[0]);
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const results = await ingestBatch(
          this.ctx.store,
          batch.map((p) => p.job),
          this.applyContext,
        );
        batch.forEach((p, i) => p.resolve(results[i]));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.scheduled = false;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The ingest thread for the store's SQLite file (the store's own, whatever the config says); in the bot's thread otherwise. */
export function ingesterFor(ctx: Pick<AppContext, 'store' | 'config' | 'newId' | 'logger'>): Ingester {
  const file = ctx.store.db.file;
  if (!file) return new InlineIngester(ctx);
  const log = ctx.logger.child({ component: 'sns-ingest' });
  return new IngestThread(
    {
      path: file,
      routing: { alarmRoutes: ctx.config.alarmRoutes, slack: { alarmChannel: ctx.config.slack.alarmChannel } },
    },
    (why) =>
      log.error(
        { why },
        'the SNS ingest thread stopped; notifications in it were answered 503 (SNS retries them) and a new thread starts with the next one',
      ),
  );
}
