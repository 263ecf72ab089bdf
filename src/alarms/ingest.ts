import type { Notification } from '../notifications/types';
import type { Store } from '../store';
import type { Queryable } from '../store/db';
import { applyNotification, type ApplyContext, type ApplyOutcome } from './incident-rules';

export type IngestOutcome = ApplyOutcome | 'duplicate';

export interface IngestResult {
  outcome: IngestOutcome;
  incidentId?: string;
  /** True when the outbox got work (the worker should be kicked). */
  enqueued: boolean;
}

export interface SnsMessageRef {
  MessageId: string;
  TopicArn: string;
  Type: string;
}

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
  if (!(await store.snsMessages.remember(msg.MessageId, msg.TopicArn, msg.Type, c.now, q))) return { outcome: 'duplicate', enqueued: false };
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
 * requests arrive in the same event-loop turn share one transaction, each inside its own SAVEPOINT
 * (a failure undoes only its own writes and fails only its own request). Each request is still
 * answered only after the commit that holds it. PostgreSQL has real concurrency (and cross-replica
 * row locks that batching could deadlock), so there each notification keeps its own transaction.
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
      const settled: ({ ok: true; r: IngestResult } | { ok: false; e: unknown })[] = [];
      try {
        await this.store.db.tx(async (q) => {
          for (const job of batch) {
            await q.run('SAVEPOINT ingest');
            try {
              settled.push({ ok: true, r: await ingestIn(q, this.store, job.msg, job.n, job.c) });
              await q.run('RELEASE ingest');
            } catch (e) {
              await q.run('ROLLBACK TO ingest');
              await q.run('RELEASE ingest');
              settled.push({ ok: false, e });
            }
          }
        });
        batch.forEach((job, i) => {
          const s = settled[i];
          if (s.ok) job.resolve(s.r);
          else job.reject(s.e);
        });
      } catch (e) {
        for (const job of batch) job.reject(e);
      }
    }
    this.scheduled = false;
  }
}
