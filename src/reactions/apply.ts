import { cardIntentKey, type IncidentActions } from '../alarms/api';
import type { AppContext } from '../context';
import type { Incident } from '../store/incidents';
import type { ReactionAction } from '../config';
import { actionFor } from './mapping';
import type { IncidentFinder } from './find-incident';

const USER_RE = /^[UW][A-Z0-9]{2,}$/;

export interface ReactionEvent {
  kind: 'added' | 'removed';
  /** Who reacted. */
  user: string;
  reaction: string;
  itemType?: string;
  channel?: string;
  ts?: string;
}

export type ReactionOutcome =
  | { handled: false; why: 'unmapped' | 'invalid' | 'bot' | 'not-an-alarm-message' }
  | {
      handled: true;
      action: ReactionAction;
      kind: 'added' | 'removed';
      incident: Incident;
      via: 'card' | 'thread';
      changed: boolean;
    };

/** Marks an incident handled by hand (or takes the mark back), notes it in the thread and re-renders the card. */
async function setHandled(ctx: AppContext, inc: Incident, userId: string, on: boolean): Promise<boolean> {
  const now = ctx.clock.now();
  const changed = await ctx.store.db.tx(async (q) => {
    const repo = ctx.store.incidentReactions;
    let did: boolean;
    if (on) {
      const cur = await repo.mark(inc.id, q);
      did = cur?.userId !== userId;
      if (did) await repo.setMark({ incidentId: inc.id, kind: 'resolved', userId, at: now }, q);
    } else {
      did = await repo.clearMark(inc.id, 'resolved', userId, q);
    }
    if (!did) return false;
    await ctx.store.incidents.addEvent(
      {
        incidentId: inc.id,
        at: now,
        kind: 'info',
        text: on
          ? "Marked as handled by hand (reaction); the card's colour still follows the alarm's state in AWS."
          : 'The "handled by hand" mark was taken back.',
      },
      now,
      q,
    );
    // force: the card re-renders even though the incident's own version did not move.
    await ctx.store.outbox.enqueue(
      {
        kind: 'card',
        dedupKey: cardIntentKey(inc.id),
        channel: inc.channel,
        incidentId: inc.id,
        payload: { force: true },
        availableAt: now,
      },
      q,
    );
    return true;
  });
  if (changed) {
    await ctx.store.audit
      .record({
        at: now,
        actor: userId,
        action: on ? 'alarm.handled' : 'alarm.unhandled',
        target: inc.name,
        outcome: 'recorded',
        detail: { incident: inc.id },
      })
      .catch((err) => ctx.logger.warn({ err }, 'audit record failed'));
  }
  return changed;
}

/**
 * One reaction: ignored unless its emoji is mapped and the message is an alarm card or a reply in its
 * thread. Added, it acknowledges / marks handled / silences exactly as the card's buttons do (same
 * repository and outbox); removed, it undoes what the same person did (someone else's acknowledgement
 * or silence stays).
 */
export async function applyReaction(
  ctx: AppContext,
  finder: IncidentFinder,
  incidents: IncidentActions,
  ev: ReactionEvent,
  botUserId?: string,
): Promise<ReactionOutcome> {
  const action = actionFor(ctx.config.reactions, ev.reaction);
  if (!action) return { handled: false, why: 'unmapped' };
  if (!USER_RE.test(ev.user) || ev.itemType !== 'message' || !ev.channel || !ev.ts)
    return { handled: false, why: 'invalid' };
  if (botUserId && ev.user === botUserId) return { handled: false, why: 'bot' };
  const found = await finder.find(ev.channel, ev.ts);
  if (!found.incident) return { handled: false, why: 'not-an-alarm-message' };
  const inc = found.incident;
  let changed: boolean;
  if (action === 'ack') {
    if (ev.kind === 'added') changed = (await incidents.acknowledge(inc.id, ev.user)).changed;
    else changed = inc.ackBy === ev.user ? (await incidents.unacknowledge(inc.id, ev.user)).changed : false;
  } else if (action === 'silence') {
    if (ev.kind === 'added') changed = (await incidents.silence(inc.id, ev.user)).changed;
    else changed = inc.silencedBy === ev.user ? (await incidents.unsilence(inc.id, ev.user)).changed : false;
  } else {
    changed = await setHandled(ctx, inc, ev.user, ev.kind === 'added');
  }
  const after = (await ctx.store.incidents.get(inc.id)) ?? inc;
  return { handled: true, action, kind: ev.kind, incident: after, via: found.via, changed };
}
