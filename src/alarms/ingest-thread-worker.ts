import { parentPort, workerData } from 'node:worker_threads';
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
export type FromThread = { type: 'done'; seq: number; results: Awaited<ReturnType<typeof ingestBatch>> } | { type: 'closed' };

const data = workerData as IngestThreadData;
// A thread of its own: it may wait for the bot's connection inside SQLite.
const store = new Store(openSqliteDb(data.path, { blockingWait: true, cacheMiB: 64 }));
const port = parentPort!;

port.on('message', (m: ToThread) => {
  if (m.type === 'close') {
    void store.close().then(() => {
      port.postMessage({ type: 'closed' } satisfies FromThread);
      port.close();
    });
    return;
  }
  void ingestBatch(store, m.jobs, { newId: () => newId(), channelFor: (n) => channelFor(n, data.routing) }).then((results) =>
    port.postMessage({ type: 'done', seq: m.seq, results } satisfies FromThread),
  );
});
