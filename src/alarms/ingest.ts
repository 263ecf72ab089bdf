import type { Notification } from '../notifications/types';
import type { Store } from '../store';
import type { Queryable } from '../store/db';
import type { SnsDelivery } from '../store/sns-messages';
import { applyNotification, type ApplyContext, type ApplyOutcome } from './incident-rules';

export type IngestOutcome = ApplyOutcome | 'duplicate';

export interface IngestResult {
  outcome: IngestOutcome;
  incidentId?: string;
  /** True when the outbox got work (the worker should be kicked). */
  enqueued: boolean;
}

export type SnsMessageRef = SnsDelivery;

/** Dedup key of an incident's card intent: a storm of updates to one alarm coalesces into one pending item. */
export const cardIntentKey = (incidentId: string) => `card:${incidentId}`;

export async function enqueueCardSync(store: Store, q: Queryable, incidentId: string, channel: string | undefined, at: number): Promise<void> {
  await store.outbox.enqueue({ kind: 'card', dedupKey: cardIntentKey(incidentId), channel, incidentId, availableAt: at }, q);
}

/**
 * Applies one notification inside an open transaction: remember the MessageId (a duplicate changes
 * nothing), apply it to the newest incident of its key, append timeline lines, enqueue the card intent.
 */
export async function ingestIn(q: Queryable, store: Store, msg: SnsMessageRef, n: Notification, c: ApplyContext): Promise<IngestResult> {
  if (!(await store.snsMessages.remember(msg, c.now, q))) return { outcome: 'duplicate', enqueued: false };
  // Two replicas may race to open the first incident of a key; the loser re-reads and applies on top.
  for (let attempt = 0; attempt < 3; attempt++) {
    const cur = await store.incidents.latestForKey(n.key, q);
    const r = applyNotification(cur, n, c);
    if (!r.incident) return { outcome: r.outcome, incidentId: cur?.id, enqueued: false };
    if (r.isNew) {
      if (!(await store.incidents.insert(r.incident, q))) continue;
    } else {
      await store.incidents.save(r.incident, q);
    }
    for (const line of r.lines) await store.incidents.addEvent({ incidentId: r.incident.id, ...line }, c.now, q);
    if (r.sync) await enqueueCardSync(store, q, r.incident.id, r.incident.channel, c.now);
    return { outcome: r.outcome, incidentId: r.incident.id, enqueued: r.sync };
  }
  throw new Error(`incident ${n.key} kept changing under concurrent writers`);
}

/** One notification, one transaction. Only after it commits may /sns answer 200; Slack is never called here. */
export function ingestNotification(store: Store, msg: SnsMessageRef, n: Notification, c: ApplyContext): Promise<IngestResult> {
  return store.db.tx((q) => ingestIn(q, store, msg, n, c));
}

interface Job {
  msg: SnsMessageRef;
  n: Notification;
  c: ApplyContext;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for SQLite, whose single writer makes every commit a WAL write: notifications whose
 * requests arrive in the same event-loop turn share one transaction, and each request is answered
 * only after the commit that holds it. Should any notification of a batch fail, the batch is rolled
 * back and each of its notifications retried in its own transaction, so one bad message never fails
 * the others (savepoints would do the same but cost a statement journal per message). PostgreSQL has
 * real concurrency, and cross-replica row locks that batching could deadlock, so there each
 * notification keeps its own transaction.
 */
export class IngestQueue {
  private queue: Job[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 128,
  ) {}

  submit(msg: SnsMessageRef, n: Notification, c: ApplyContext): Promise<IngestResult> {
    if (this.store.dialect !== 'sqlite') return ingestNotification(this.store, msg, n, c);
    return new Promise((resolve, reject) => {
      this.queue.push({ msg, n, c, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let results: IngestResult[] | undefined;
      try {
        results = await this.store.db.tx(async (q) => {
          const out: IngestResult[] = [];
          for (const job of batch) out.push(await ingestIn(q, this.store, job.msg, job.n, job.c));
          return out;
        });
      } catch {
        results = undefined;
      }
      if (results) {
        batch.forEach((job, i) => job.resolve((results as IngestResult[])[i]));
        continue;
      }
      for (const job of batch) {
        await ingestNotification(this.store, job.msg, job.n, job.c).then(job.resolve, job.reject);
      }
    }
    this.scheduled = false;
  }
}
