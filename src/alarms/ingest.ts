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

/** Dedup key of an incident's card intent: a storm of updates to one alarm coalesces into one pending item. */
export const cardIntentKey = (incidentId: string) => `card:${incidentId}`;

export async function enqueueCardSync(store: Store, q: Queryable, incidentId: string, channel: string | undefined, at: number): Promise<void> {
  await store.outbox.enqueue({ kind: 'card', dedupKey: cardIntentKey(incidentId), channel, incidentId, availableAt: at }, q);
}

/**
 * One transaction per accepted notification: remember the MessageId (a duplicate changes nothing),
 * apply it to the newest incident of its key, append timeline lines, and enqueue the card intent.
 * Only after it commits does /sns answer 200; Slack is never called here.
 */
export async function ingestNotification(
  store: Store,
  msg: { MessageId: string; TopicArn: string; Type: string },
  n: Notification,
  c: ApplyContext,
): Promise<IngestResult> {
  return store.db.tx(async (q) => {
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
  });
}
