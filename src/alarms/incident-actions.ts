import type { AppContext } from '../context';
import type { Incident } from '../store/incidents';
import { enqueueCardSync } from './ingest';

/** How long "Silence 1h" silences. */
export const SILENCE_MS = 3600_000;

const kickers = new WeakMap<object, () => void>();

/** The alarms feature registers its worker's kick here so other features' changes reach Slack at once. */
export function registerOutboxKick(ctx: AppContext, kick: () => void): void {
  kickers.set(ctx, kick);
}

function kick(ctx: AppContext): void {
  kickers.get(ctx)?.();
}

/** The incident behind a card's button (`k` of the button value), for the Diagnose/Status/Scale handlers. */
export function getIncident(store: AppContext['store'], id: string): Promise<Incident | undefined> {
  return store.incidents.get(id);
}

export interface IncidentChange {
  /** The incident after the change (or as it was when nothing changed); undefined when unknown. */
  incident?: Incident;
  /** False when it already was in the requested state. */
  changed: boolean;
}

type Op = 'ack' | 'unack' | 'silence' | 'unsilence';

async function change(ctx: AppContext, id: string, userId: string, op: Op): Promise<IncidentChange> {
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
    kick(ctx);
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
 * Acknowledge / silence an incident and bring its card up to date through the outbox. Shared by the
 * card buttons and by other features (reactions); each is idempotent and says whether it changed anything.
 */
export const acknowledgeIncident = (ctx: AppContext, id: string, userId: string) => change(ctx, id, userId, 'ack');
export const unacknowledgeIncident = (ctx: AppContext, id: string, userId: string) => change(ctx, id, userId, 'unack');
export const silenceIncident = (ctx: AppContext, id: string, userId: string) => change(ctx, id, userId, 'silence');
export const unsilenceIncident = (ctx: AppContext, id: string, userId: string) => change(ctx, id, userId, 'unsilence');
