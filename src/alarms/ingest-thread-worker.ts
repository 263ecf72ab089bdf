import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { newId } from '../clock';
import { Store } from '../store';
import { openSqliteDb } from '../store/sqlite-db';
import { ingestBatch, type IngestJob } from './ingest';
import { channelFor, type RoutingConfig } from './routing';

/**
 * The SNS ingest thread (see ingest-thread.ts): its own connection to the bot's SQLite file, already
 * migrated by the bot. Batches arrive one at a time and are answered in order.
 */
export interface IngestThreadData {
  path: string;
  routing: RoutingConfig;
}

export type ToThread = { type: 'batch'; seq: number; jobs: IngestJob[] } | { type: 'close' };
export type FromThread =
  { type: 'done'; seq: number; results: Awaited<ReturnType<typeof ingestBatch>> } | { type: 'closed' };

const data = workerData as IngestThreadData;
// A thread of its own: it may wait for the bot's connection inside SQLite.
const store = new Store(openSqliteDb(data.path, { blockingWait: true, cacheMiB: 64 }));
const port = parentPort!;

/** At most this many notifications in one transaction. */
const MAX_TX_JOBS = 1024;

function close(): void {
  void store.close().then(() => {
    port.postMessage({ type: 'closed' } satisfies FromThread);
    port.close();
  });
}

/**
 * Every batch already waiting on the port joins the one that woke the thread, in one transaction:
 * while the thread is busy, the bot's batches queue up, and committing them together keeps the
 * commits per notification low exactly when the load is high.
 */
port.on('message', (m: ToThread) => {
  if (m.type === 'close') return close();
  const batches = [m];
  let closing = false;
  let jobs = m.jobs.length;
  while (jobs < MAX_TX_JOBS) {
    const next = receiveMessageOnPort(port)?.message as ToThread | undefined;
    if (!next) break;
    if (next.type === 'close') {
      closing = true;
      break;
    }
    batches.push(next);
    jobs += next.jobs.length;
  }
  void ingestBatch(
    store,
    batches.flatMap((b) => b.jobs),
    { newId: () => newId(), channelFor: (n) => channelFor(n, data.routing) },
  ).then((results) => {
    let at = 0;
    for (const b of batches) {
      port.postMessage({
        type: 'done',
        seq: b.seq,
        results: results.slice(at, at + b.jobs.length),
      } satisfies FromThread);
      at += b.jobs.length;
    }
    if (closing) close();
  });
});
