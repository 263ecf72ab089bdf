import { parseNotification, type SnsNotificationInput } from '../notifications/parse';
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

/** Dedup key of an incident's card intent: a storm of updates to one alarm coalesces into one pending item. */
export const cardIntentKey = (incidentId: string) => `card:${incidentId}`;

export async function enqueueCardSync(
  store: Store,
  q: Queryable,
  incidentId: string,
  channel: string | undefined,
  at: number,
): Promise<void> {
  await store.outbox.enqueue(
    { kind: 'card', dedupKey: cardIntentKey(incidentId), channel, incidentId, availableAt: at },
    q,
  );
}

/**
 * Applies one notification inside an open transaction: remember the MessageId (a duplicate changes
 * nothing), apply it to the newest incident of its key, append timeline lines, enqueue the card intent.
 */
export async function ingestIn(
  q: Queryable,
  store: Store,
  msg: SnsDelivery,
  n: Notification,
  c: ApplyContext,
): Promise<IngestResult> {
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
export function ingestNotification(
  store: Store,
  msg: SnsDelivery,
  n: Notification,
  c: ApplyContext,
): Promise<IngestResult> {
  return store.db.tx((q) => ingestIn(q, store, msg, n, c));
}

/** One notification to ingest: the SNS fields its parser and dedup need, and when it arrived. */
export interface IngestJob {
  msg: SnsDelivery & SnsNotificationInput;
  now: number;
}

/** What became of one job: the outcome, and the notification's identity for the log line. */
export type IngestJobResult =
  | { ok: true; result: IngestResult; n: Pick<Notification, 'key' | 'kind' | 'state'> & { subject?: string } }
  | { ok: false; error: { name: string; message: string; code?: string } };

/**
 * Parses and applies a batch of notifications in one transaction (a group commit: SQLite makes every
 * commit a WAL write). Should any of them fail, the batch is rolled back and each is retried in its
 * own transaction, so one bad message never fails the others (savepoints would do the same but cost
 * a statement journal per message). Runs in the bot's thread, or in the ingest thread (ingest-thread.ts).
 */
export async function ingestBatch(
  store: Store,
  jobs: IngestJob[],
  c: Omit<ApplyContext, 'now'>,
): Promise<IngestJobResult[]> {
  const parsed = jobs.map((j) => parseNotification(j.msg, j.now));
  const summary = (n: Notification) => ({
    key: n.key,
    kind: n.kind,
    state: n.state,
    subject: n.kind === 'raw' ? n.subject : undefined,
  });
  const failed = (err: unknown) => ({
    ok: false as const,
    error: { name: (err as Error).name, message: (err as Error).message, code: (err as { code?: string }).code },
  });
  try {
    const results = await store.db.tx(async (q) => {
      const out: IngestResult[] = [];
      for (let i = 0; i < jobs.length; i++)
        out.push(await ingestIn(q, store, jobs[i].msg, parsed[i], { ...c, now: jobs[i].now }));
      return out;
    });
    return results.map((result, i) => ({ ok: true as const, result, n: summary(parsed[i]) }));
  } catch {
    // Retried one by one below.
  }
  const out: IngestJobResult[] = [];
  for (let i = 0; i < jobs.length; i++) {
    try {
      out.push({
        ok: true,
        result: await ingestNotification(store, jobs[i].msg, parsed[i], { ...c, now: jobs[i].now }),
        n: summary(parsed[i]),
      });
    } catch (err) {
      out.push(failed(err));
    }
  }
  return out;
}
