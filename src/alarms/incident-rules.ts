import type { Notification } from '../notifications/types';
import type { Incident, IncidentEventKind, IncidentState } from '../store/incidents';
import { formatDuration } from '../util/duration';

/** An ALARM within this time after the incident left ALARM reuses its card (flapping); later, a new card. */
export const REOPEN_WINDOW_MS = 60 * 60_000;

export interface TimelineLine {
  at: number;
  kind: IncidentEventKind;
  state?: string;
  text: string;
}

export type ApplyOutcome =
  /** A new incident that fired: a card will be posted. */
  | 'opened'
  /** The state (or details) of an incident changed. */
  | 'updated'
  /** Older than the state already known: recorded, the state is kept. */
  | 'stale'
  /** The same state at the same time again. */
  | 'unchanged'
  /** A state without an incident that fired (OK, INSUFFICIENT_DATA): tracked for ordering, no card. */
  | 'tracked'
  /** An informational event with no card to add it to. */
  | 'ignored';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The incident to write (insert when `isNew`), if anything changed. */
  incident?: Incident;
  isNew: boolean;
  lines: TimelineLine[];
  /** Whether the card needs syncing. */
  sync: boolean;
}

export interface ApplyContext {
  now: number;
  newId: () => string;
  channelFor: (n: Notification) => string | undefined;
  windowMs?: number;
}

function fresh(n: Notification, seq: number, c: ApplyContext, prev?: Incident): Incident {
  const silenced = prev?.silencedUntil && prev.silencedUntil > c.now ? prev : undefined;
  return {
    id: c.newId(),
    alarmKey: n.key,
    seq,
    kind: n.kind,
    name: n.name,
    state: n.state === 'INFO' ? 'OK' : n.state,
    stateAt: n.at,
    alarmMs: 0,
    flaps: 0,
    updates: 1,
    cluster: n.cluster,
    service: n.service,
    channel: c.channelFor(n),
    version: 1,
    renderedVersion: 0,
    silencedBy: silenced?.silencedBy,
    silencedUntil: silenced?.silencedUntil,
    notification: n,
    createdAt: c.now,
    updatedAt: c.now,
  };
}

function fire(i: Incident, at: number): void {
  i.firedAt ??= at;
  i.alarmSince = at;
  i.resolvedAt = undefined;
}

function withNotification(i: Incident, n: Notification, now: number): Incident {
  return {
    ...i,
    name: n.name,
    cluster: n.cluster ?? i.cluster,
    service: n.service ?? i.service,
    notification: n,
    updates: i.updates + 1,
    version: i.version + 1,
    updatedAt: now,
  };
}

/**
 * The thread line of a notification older than the state the card shows. It never replaces the
 * card's state, but it keeps what the notification says: a CloudWatch alarm's states are one
 * alarm's history, so its line is about the order first; an ECS event (or any other message) is a
 * fact of its own (a task stopped for memory, with its exit code), so its summary leads and the
 * order is only a remark after it. A fact that is news is shown as such, not as an hourglass.
 */
function lateLine(cur: Incident, n: Notification, state: IncidentState): TimelineLine {
  if (n.kind === 'alarm')
    return {
      at: n.at,
      kind: 'late',
      state,
      text: `${state} from this time arrived late, after the newer ${cur.state}; the card keeps ${cur.state}: ${n.summary}`,
    };
  return {
    at: n.at,
    kind: state === 'ALARM' ? 'repeat' : 'late',
    state,
    text: `${n.summary} (Arrived late: older than the ${cur.state} the card shows.)`,
  };
}

/**
 * How one notification changes the newest incident of its key. Pure: the caller reads the incident
 * and writes the result in one transaction. Ordered by the event time (StateChangeTime), so a late
 * older state never overwrites a newer one.
 */
export function applyNotification(cur: Incident | undefined, n: Notification, c: ApplyContext): ApplyResult {
  const windowMs = c.windowMs ?? REOPEN_WINDOW_MS;
  const none: ApplyResult = { outcome: 'ignored', isNew: false, lines: [], sync: false };

  if (n.state === 'INFO') {
    // Informational events change no state; they add a line to a card that is still relevant.
    if (!cur || cur.firedAt === undefined) return none;
    const quietFor = n.at - (cur.resolvedAt ?? cur.stateAt);
    if (cur.state !== 'ALARM' && quietFor > windowMs) return none;
    const inc = { ...cur, updates: cur.updates + 1, updatedAt: c.now };
    return {
      outcome: 'updated',
      incident: inc,
      isNew: false,
      lines: [{ at: n.at, kind: 'info', text: n.summary }],
      sync: true,
    };
  }

  const state: IncidentState = n.state;
  if (!cur) {
    const inc = fresh(n, 1, c);
    if (state === 'ALARM') {
      fire(inc, n.at);
      return { outcome: 'opened', incident: inc, isNew: true, lines: [], sync: true };
    }
    return { outcome: 'tracked', incident: inc, isNew: true, lines: [], sync: false };
  }

  if (n.at < cur.stateAt) {
    // Late: an older transition. Never overwrite; but an ALARM nobody has seen yet still deserves a card.
    if (state === 'ALARM' && cur.firedAt === undefined && cur.state !== 'ALARM') {
      const inc: Incident = {
        ...cur,
        notification: cur.notification,
        updates: cur.updates + 1,
        version: cur.version + 1,
        updatedAt: c.now,
      };
      inc.firedAt = n.at;
      inc.resolvedAt = cur.stateAt;
      inc.alarmMs = cur.alarmMs + (cur.stateAt - n.at);
      inc.channel ??= c.channelFor(n);
      return {
        outcome: 'stale',
        incident: inc,
        isNew: false,
        lines: [lateLine(cur, n, state)],
        sync: true,
      };
    }
    if (cur.firedAt === undefined) return { outcome: 'stale', isNew: false, lines: [], sync: false };
    const inc = { ...cur, updates: cur.updates + 1, updatedAt: c.now };
    return { outcome: 'stale', incident: inc, isNew: false, lines: [lateLine(cur, n, state)], sync: true };
  }

  if (n.at === cur.stateAt && state === cur.state)
    return { outcome: 'unchanged', isNew: false, lines: [], sync: false };

  if (state === 'ALARM') {
    if (cur.state === 'ALARM') {
      if (cur.kind !== 'alarm' && n.at - cur.stateAt > windowMs) {
        // An event source with no "resolved" event, quiet for longer than the window: a new card.
        const inc = fresh(n, cur.seq + 1, c, cur);
        fire(inc, n.at);
        return { outcome: 'opened', incident: inc, isNew: true, lines: [], sync: true };
      }
      const inc = withNotification(cur, n, c.now);
      inc.stateAt = n.at;
      return {
        outcome: 'updated',
        incident: inc,
        isNew: false,
        lines: [{ at: n.at, kind: 'repeat', state, text: n.summary }],
        sync: true,
      };
    }
    if (cur.firedAt === undefined) {
      const inc = withNotification(cur, n, c.now);
      inc.state = 'ALARM';
      inc.stateAt = n.at;
      inc.channel ??= c.channelFor(n);
      fire(inc, n.at);
      return { outcome: 'opened', incident: inc, isNew: false, lines: [], sync: true };
    }
    const quietSince = cur.resolvedAt ?? cur.stateAt;
    if (n.at - quietSince > windowMs) {
      const inc = fresh(n, cur.seq + 1, c, cur);
      fire(inc, n.at);
      return { outcome: 'opened', incident: inc, isNew: true, lines: [], sync: true };
    }
    const inc = withNotification(cur, n, c.now);
    inc.state = 'ALARM';
    inc.stateAt = n.at;
    inc.flaps = cur.flaps + 1;
    fire(inc, n.at);
    return {
      outcome: 'updated',
      incident: inc,
      isNew: false,
      lines: [{ at: n.at, kind: 'state', state, text: `ALARM again: ${n.summary}` }],
      sync: true,
    };
  }

  // OK or INSUFFICIENT_DATA.
  const inc = withNotification(cur, n, c.now);
  inc.state = state;
  inc.stateAt = n.at;
  let text = `${state}: ${n.summary}`;
  if (cur.state === 'ALARM' && cur.alarmSince !== undefined) {
    const lasted = Math.max(0, n.at - cur.alarmSince);
    inc.alarmMs = cur.alarmMs + lasted;
    inc.alarmSince = undefined;
    inc.resolvedAt = n.at;
    text += ` (was in ALARM for ${formatDuration(lasted)})`;
  }
  if (cur.firedAt === undefined) return { outcome: 'tracked', incident: inc, isNew: false, lines: [], sync: false };
  return {
    outcome: 'updated',
    incident: inc,
    isNew: false,
    lines: [{ at: n.at, kind: 'state', state, text }],
    sync: true,
  };
}
