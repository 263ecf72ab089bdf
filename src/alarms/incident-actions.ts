import type { AppContext } from '../context';
import type { Incident } from '../store/incidents';
import { enqueueCardSync } from './ingest';

/** How long "Silence 1h" silences. */
export const SILENCE_MS = 3600_000;

export interface IncidentChange {
  /** The incident after the change (or as it was when nothing changed); undefined when unknown. */
  incident?: Incident;
  /** False when it already was in the requested state. */
  changed: boolean;
}

type Op = 'ack' | 'unack' | 'silence' | 'unsilence';

async function change(ctx: AppContext, kick: () => void, id: string, userId: string, op: Op): Promise<IncidentChange> {
  const now = ctx.clock.now();
  const r = await ctx.store.db.tx(async (q) => {
    const cur = await ctx.store.incidents.get(id, q);
    if (!cur) return { changed: false } as IncidentChange;
    const already =
      (op === 'ack' && !!cur.ackBy) ||
      (op === 'unack' && !cur.ackBy) ||
      (op === 'silence' && !!cur.silencedUntil && cur.silencedUntil > now) ||
      (op === 'unsilence' && !(cur.silencedUntil && cur.silencedUntil > now));
    if (already) return { incident: cur, changed: false };
    const repo = ctx.store.incidents;
    const next =
      op === 'ack'
        ? await repo.acknowledge(id, userId, now, q)
        : op === 'unack'
          ? await repo.unacknowledge(id, now, q)
          : op === 'silence'
            ? await repo.silence(id, userId, now + SILENCE_MS, now, q)
            : await repo.unsilence(id, now, q);
    await enqueueCardSync(ctx.store, q, id, cur.channel, now);
    if (op === 'silence') {
      // Re-render when the silence ends so the card stops saying "Silenced until …".
      await ctx.store.outbox.enqueue(
        {
          kind: 'card',
          dedupKey: `silence-end:${id}`,
          channel: cur.channel,
          incidentId: id,
          payload: { force: true },
          availableAt: now + SILENCE_MS + 1000,
        },
        q,
      );
    }
    return { incident: next, changed: true };
  });
  if (r.changed && r.incident) {
    kick();
    await ctx.store.audit
      .record({
        at: now,
        actor: userId,
        action: `alarm.${op}`,
        target: r.incident.name,
        outcome: 'recorded',
        detail: { incident: id },
      })
      .catch((err) => ctx.logger.warn({ err }, 'audit record failed'));
  }
  return r;
}

/**
 * Acknowledge / silence an incident and bring its card up to date through the outbox, whose worker is
 * kicked so the card changes at once. The alarms feature builds one with its worker and hands it to
 * its card buttons and, through features.ts, to reactions; each change is idempotent and says whether
 * it changed anything.
 */
export class IncidentActions {
  constructor(
    private readonly ctx: AppContext,
    private readonly kickOutbox: () => void,
  ) {}

  acknowledge(id: string, userId: string): Promise<IncidentChange> {
    return change(this.ctx, this.kickOutbox, id, userId, 'ack');
  }

  unacknowledge(id: string, userId: string): Promise<IncidentChange> {
    return change(this.ctx, this.kickOutbox, id, userId, 'unack');
  }

  silence(id: string, userId: string): Promise<IncidentChange> {
    return change(this.ctx, this.kickOutbox, id, userId, 'silence');
  }

  unsilence(id: string, userId: string): Promise<IncidentChange> {
    return change(this.ctx, this.kickOutbox, id, userId, 'unsilence');
  }
}
