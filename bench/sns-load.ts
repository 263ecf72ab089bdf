import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LoadJob, LoadReport } from './sns-load-worker';

/** A load run prepared in a worker thread (bodies signed if `presign`); `go()` sends and resolves with the report. */
export interface PreparedLoad {
  signSeconds: number;
  go(): Promise<LoadReport>;
}

export function prepareSnsLoad(job: LoadJob): Promise<PreparedLoad> {
  const worker = new Worker(path.join(__dirname, 'sns-load-worker.ts'), { workerData: job });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { type: string; signSeconds: number }) => {
      resolve({
        signSeconds: m.signSeconds,
        go: () =>
          new Promise<LoadReport>((done, fail) => {
            worker.once('error', fail);
            worker.once('message', (r: { type: string; report: LoadReport }) => {
              void worker.terminate();
              done(r.report);
            });
            worker.postMessage('go');
          }),
      });
    });
  });
}

/** Accepted (2xx) requests of a report. */
export function accepted(r: LoadReport): number {
  return Object.entries(r.statuses)
    .filter(([s]) => s.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
}
