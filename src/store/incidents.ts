import type { Notification } from '../notifications/types';
import type { Db, Queryable } from './db';
import { json, num, numOrUndef, strOrUndef } from './db';

export type IncidentState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/**
 * One living card: an alarm (or ECS service, or raw subject) from its first ALARM until it has been
 * quiet for the reopen window. `version` counts changes the card must show; `renderedVersion` is the
 * version the card in Slack shows.
 */
export interface Incident {
  id: string;
  alarmKey: string;
  seq: number;
  kind: Notification['kind'];
  name: string;
  state: IncidentState;
  /** Event time of the latest state applied (StateChangeTime): older transitions never overwrite it. */
  stateAt: number;
  /** When it first went to ALARM; undefined while it only tracks state (no card wanted). */
  firedAt?: number;
  /** Start of the current ALARM period; undefined when not in ALARM. */
  alarmSince?: number;
  /** When it last left ALARM. */
  resolvedAt?: number;
  /** Time spent in ALARM over finished periods. */
  alarmMs: number;
  /** How often it went back to ALARM after leaving it (flapping). */
  flaps: number;
  /** Notifications applied. */
  updates: number;
  cluster?: string;
  service?: string;
  channel?: string;
  cardTs?: string;
  cardKind?: 'card' | 'digest';
  cardPostedAt?: number;
  /**
   * When the bot first sent this incident's card without recording its `ts` yet: Slack may have
   * accepted it unheard (a crash, a lost answer), so the next attempt looks for it in the channel.
   */
  cardAttemptAt?: number;
  digestId?: string;
  version: number;
  renderedVersion: number;
  ackBy?: string;
  ackAt?: number;
  silencedBy?: string;
  silencedUntil?: number;
  notification: Notification;
  createdAt: number;
  updatedAt: number;
}

export type IncidentEventKind = 'state' | 'late' | 'info' | 'repeat' | 'ack' | 'unack' | 'silence' | 'unsilence';

/** A line of an incident's timeline, posted to the card's thread by the outbox worker. */
export interface IncidentEvent {
  id: number;
  incidentId: string;
  at: number;
  kind: IncidentEventKind;
  state?: string;
  /** Plain text (unescaped); the renderer escapes it. */
  text: string;
  posted: boolean;
}

export interface AlarmDigest {
  id: string;
  channel: string;
  ts?: string;
  createdAt: number;
}

const COLUMNS = [
  'alarm_key',
  'seq',
  'kind',
  'name',
  'state',
  'state_at',
  'fired_at',
  'alarm_since',
  'resolved_at',
  'alarm_ms',
  'flaps',
  'updates',
  'cluster',
  'service',
  'channel',
  'card_ts',
  'card_kind',
  'card_posted_at',
  'digest_id',
  'version',
  'rendered_version',
  'ack_by',
  'ack_at',
  'silenced_by',
  'silenced_until',
  'notification',
  'created_at',
  'updated_at',
] as const;

function values(i: Incident): (string | number | null | undefined)[] {
  return [
    i.alarmKey,
    i.seq,
    i.kind,
    i.name,
    i.state,
    i.stateAt,
    i.firedAt,
    i.alarmSince,
    i.resolvedAt,
    i.alarmMs,
    i.flaps,
    i.updates,
    i.cluster,
    i.service,
    i.channel,
    i.cardTs,
    i.cardKind,
    i.cardPostedAt,
    i.digestId,
    i.version,
    i.renderedVersion,
    i.ackBy,
    i.ackAt,
    i.silencedBy,
    i.silencedUntil,
    JSON.stringify(i.notification),
    i.createdAt,
    i.updatedAt,
  ];
}

/** Incidents, their timelines and storm digests. Every method takes an optional transaction. */
export class IncidentRepo {
  constructor(private readonly db: Db) {}

  async get(id: string, q: Queryable = this.db): Promise<Incident | undefined> {
    const rows = await q.query<Record<string, unknown>>(`SELECT * FROM incidents WHERE id = $1`, [id]);
    return rows[0] ? rowToIncident(rows[0]) : undefined;
  }

  /** The newest incident of an alarm key, locked for the transaction on PostgreSQL. */
  async latestForKey(alarmKey: string, q: Queryable = this.db): Promise<Incident | undefined> {
    const lock = q.dialect === 'postgres' ? 'FOR UPDATE' : '';
    const rows = await q.query<Record<string, unknown>>(
      `SELECT * FROM incidents WHERE alarm_key = $1 ORDER BY seq DESC LIMIT 1 ${lock}`,
      [alarmKey],
    );
    return rows[0] ? rowToIncident(rows[0]) : undefined;
  }

  /** Inserts a new incident; false when another writer inserted the same (alarm_key, seq) first. */
  async insert(i: Incident, q: Queryable = this.db): Promise<boolean> {
    const cols = ['id', ...COLUMNS];
    const params = [i.id, ...values(i)];
    const n = await q.run(
      `INSERT INTO incidents (${cols.join(', ')}) VALUES (${cols.map((_, k) => `$${k + 1}`).join(', ')}) ON CONFLICT (alarm_key, seq) DO NOTHING`,
      params,
    );
    return n > 0;
  }

  /**
   * Writes the state an incoming notification changed (read in the same transaction). Card, digest,
   * acknowledgement and silence columns belong to their own writers and are left alone, and no
   * indexed column is touched, so an update rewrites one row and nothing else.
   */
  async save(i: Incident, q: Queryable = this.db): Promise<void> {
    await q.run(
      `UPDATE incidents SET name = $2, state = $3, state_at = $4, fired_at = $5, alarm_since = $6, resolved_at = $7, alarm_ms = $8,
         flaps = $9, updates = $10, cluster = $11, service = $12, channel = COALESCE(channel, $13), version = $14,
         notification = $15, updated_at = $16
       WHERE id = $1`,
      [
        i.id,
        i.name,
        i.state,
        i.stateAt,
        i.firedAt,
        i.alarmSince,
        i.resolvedAt,
        i.alarmMs,
        i.flaps,
        i.updates,
        i.cluster,
        i.service,
        i.channel,
        i.version,
        JSON.stringify(i.notification),
        i.updatedAt,
      ],
    );
  }

  /** Records who acknowledged and when (bumps the version so the card shows it). */
  acknowledge(id: string, userId: string, at: number, q: Queryable = this.db): Promise<Incident | undefined> {
    return this.patch(id, `ack_by = $2, ack_at = $3`, [userId, at], at, q);
  }

  unacknowledge(id: string, at: number, q: Queryable = this.db): Promise<Incident | undefined> {
    return this.patch(id, `ack_by = NULL, ack_at = NULL`, [], at, q);
  }

  /** Silences channel posts of this incident (and of a new incident of the same alarm) until `until`. */
  silence(
    id: string,
    userId: string,
    until: number,
    at: number,
    q: Queryable = this.db,
  ): Promise<Incident | undefined> {
    return this.patch(id, `silenced_by = $2, silenced_until = $3`, [userId, until], at, q);
  }

  unsilence(id: string, at: number, q: Queryable = this.db): Promise<Incident | undefined> {
    return this.patch(id, `silenced_by = NULL, silenced_until = NULL`, [], at, q);
  }

  private async patch(
    id: string,
    set: string,
    params: (string | number)[],
    at: number,
    q: Queryable,
  ): Promise<Incident | undefined> {
    const n = params.length;
    const rows = await q.query<Record<string, unknown>>(
      `UPDATE incidents SET ${set}, version = version + 1, updated_at = $${n + 2} WHERE id = $1 RETURNING *`,
      [id, ...params, at],
    );
    return rows[0] ? rowToIncident(rows[0]) : undefined;
  }

  /**
   * The card is about to be sent: from now until its `ts` is recorded, Slack may hold it without the
   * bot knowing. Keeps the first such time, so a later look-up covers every earlier attempt.
   */
  async markCardAttempt(id: string, at: number): Promise<void> {
    await this.db.run(`UPDATE incidents SET card_attempt_at = COALESCE(card_attempt_at, $2) WHERE id = $1`, [id, at]);
  }

  /** The card (or digest) is in Slack: remember where, and which version it shows. */
  async setCard(
    id: string,
    c: { channel: string; ts: string; kind: 'card' | 'digest'; postedAt: number; version: number },
  ): Promise<void> {
    await this.db.run(
      `UPDATE incidents SET channel = $2, card_ts = $3, card_kind = $4, card_posted_at = $5, rendered_version = $6,
         card_attempt_at = NULL WHERE id = $1`,
      [id, c.channel, c.ts, c.kind, c.postedAt, c.version],
    );
  }

  /** The card was deleted in Slack: the next sync posts a new one. */
  async clearCard(id: string): Promise<void> {
    await this.db.run(
      `UPDATE incidents SET card_ts = NULL, card_kind = NULL, card_posted_at = NULL, card_attempt_at = NULL, rendered_version = 0
       WHERE id = $1`,
      [id],
    );
  }

  async setRendered(id: string, version: number): Promise<void> {
    await this.db.run(`UPDATE incidents SET rendered_version = $2 WHERE id = $1 AND rendered_version < $2`, [
      id,
      version,
    ]);
  }

  async setDigest(id: string, digestId: string, channel: string, at: number, version: number): Promise<void> {
    await this.db.run(
      `UPDATE incidents SET card_kind = 'digest', digest_id = $2, channel = $3, card_posted_at = $4, rendered_version = $5 WHERE id = $1`,
      [id, digestId, channel, at, version],
    );
  }

  /** Individual cards posted to a channel since `since` (storm control). */
  async cardsPostedSince(channel: string, since: number): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM incidents WHERE card_posted_at >= $2 AND channel = $1 AND card_kind = 'card'`,
      [channel, since],
    );
    return num(rows[0]?.n ?? 0);
  }

  async byDigest(digestId: string): Promise<Incident[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM incidents WHERE digest_id = $1 ORDER BY fired_at, id`,
      [digestId],
    );
    return rows.map(rowToIncident);
  }

  async addEvent(e: Omit<IncidentEvent, 'id' | 'posted'>, createdAt: number, q: Queryable = this.db): Promise<void> {
    await q.run(
      `INSERT INTO incident_events (incident_id, at, kind, state, text, posted, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)`,
      [e.incidentId, e.at, e.kind, e.state, e.text, createdAt],
    );
  }

  async events(incidentId: string, opts: { pendingOnly?: boolean; limit?: number } = {}): Promise<IncidentEvent[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM incident_events WHERE incident_id = $1 ${opts.pendingOnly ? 'AND posted = 0' : ''} ORDER BY id LIMIT $2`,
      [incidentId, opts.limit ?? 1000],
    );
    return rows.map((r) => ({
      id: num(r.id),
      incidentId: String(r.incident_id),
      at: num(r.at),
      kind: String(r.kind) as IncidentEventKind,
      state: strOrUndef(r.state),
      text: String(r.text),
      posted: num(r.posted) === 1,
    }));
  }

  /** Marks timeline lines up to and including `lastId` as posted. */
  async markPosted(incidentId: string, lastId: number): Promise<void> {
    await this.db.run(`UPDATE incident_events SET posted = 1 WHERE incident_id = $1 AND id <= $2 AND posted = 0`, [
      incidentId,
      lastId,
    ]);
  }

  /** The digest collecting new cards of a channel since `since`, if any. */
  async currentDigest(channel: string, since: number, q: Queryable = this.db): Promise<AlarmDigest | undefined> {
    const rows = await q.query<Record<string, unknown>>(
      `SELECT * FROM alarm_digests WHERE channel = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT 1`,
      [channel, since],
    );
    return rows[0] ? rowToDigest(rows[0]) : undefined;
  }

  async createDigest(d: { id: string; channel: string; createdAt: number }, q: Queryable = this.db): Promise<void> {
    await q.run(`INSERT INTO alarm_digests (id, channel, ts, created_at) VALUES ($1, $2, NULL, $3)`, [
      d.id,
      d.channel,
      d.createdAt,
    ]);
  }

  /**
   * The digest collecting a channel's new cards since `since` that still has room (fewer than
   * `capacity` alarms), or `fresh` created as that digest, in one step: replicas delivering the same
   * storm at once share one digest, and a storm larger than one message spills into a next one so that
   * every alarm keeps a line. On PostgreSQL a per-channel transaction lock orders them; SQLite has a
   * single writer.
   */
  openDigest(
    fresh: { id: string; channel: string; createdAt: number },
    since: number,
    capacity = Number.POSITIVE_INFINITY,
  ): Promise<AlarmDigest> {
    return this.db.tx(async (q) => {
      if (q.dialect === 'postgres')
        await q.query(`SELECT pg_advisory_xact_lock(727275, hashtext($1))`, [fresh.channel]);
      const rows = await q.query<Record<string, unknown>>(
        `SELECT d.*, (SELECT COUNT(*) FROM incidents i WHERE i.digest_id = d.id) AS members
         FROM alarm_digests d WHERE d.channel = $1 AND d.created_at >= $2 ORDER BY d.created_at DESC`,
        [fresh.channel, since],
      );
      const open = rows.find((r) => num(r.members) < capacity);
      if (open) return rowToDigest(open);
      await this.createDigest(fresh, q);
      return { ...fresh, ts: undefined };
    });
  }

  async getDigest(id: string): Promise<AlarmDigest | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(`SELECT * FROM alarm_digests WHERE id = $1`, [id]);
    return rows[0] ? rowToDigest(rows[0]) : undefined;
  }

  /**
   * A digest or a thread reply is about to be posted: like a card's attempt (see markCardAttempt),
   * kept in `kv` under `post-attempt:<kind>:<id>` until it is recorded; the first attempt is kept.
   */
  async markPostAttempt(kind: PostAttemptKind, id: string, at: number): Promise<void> {
    await this.db.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [
      attemptKey(kind, id),
      String(at),
      at,
    ]);
  }

  /** When the bot first sent this digest (or incident's thread reply) without recording it, if it has. */
  async postAttemptAt(kind: PostAttemptKind, id: string): Promise<number | undefined> {
    const rows = await this.db.query<{ value: unknown }>(`SELECT value FROM kv WHERE key = $1`, [attemptKey(kind, id)]);
    return rows[0] ? Number(rows[0].value) : undefined;
  }

  /** The post was recorded (or found): nothing is unheard any more. */
  async clearPostAttempt(kind: PostAttemptKind, id: string, q: Queryable = this.db): Promise<void> {
    await q.run(`DELETE FROM kv WHERE key = $1`, [attemptKey(kind, id)]);
  }

  /** Forgets attempts older than `before` that were never recorded (their item was set aside, say). */
  prunePostAttempts(before: number): Promise<number> {
    return this.db.run(`DELETE FROM kv WHERE key LIKE $1 AND updated_at < $2`, [`${POST_ATTEMPT}%`, before]);
  }

  async setDigestTs(id: string, ts: string): Promise<void> {
    await this.db.tx(async (q) => {
      await q.run(`UPDATE alarm_digests SET ts = $2 WHERE id = $1`, [id, ts]);
      await this.clearPostAttempt('digest', id, q);
    });
  }
}

/** Posts other than cards whose attempts are remembered (cards keep theirs in a column). */
export type PostAttemptKind = 'digest' | 'thread';
const POST_ATTEMPT = 'post-attempt:';
const attemptKey = (kind: PostAttemptKind, id: string) => `${POST_ATTEMPT}${kind}:${id}`;

function rowToDigest(r: Record<string, unknown>): AlarmDigest {
  return { id: String(r.id), channel: String(r.channel), ts: strOrUndef(r.ts), createdAt: num(r.created_at) };
}

export function rowToIncident(r: Record<string, unknown>): Incident {
  return {
    id: String(r.id),
    alarmKey: String(r.alarm_key),
    seq: num(r.seq),
    kind: String(r.kind) as Incident['kind'],
    name: String(r.name),
    state: String(r.state) as IncidentState,
    stateAt: num(r.state_at),
    firedAt: numOrUndef(r.fired_at),
    alarmSince: numOrUndef(r.alarm_since),
    resolvedAt: numOrUndef(r.resolved_at),
    alarmMs: num(r.alarm_ms),
    flaps: num(r.flaps),
    updates: num(r.updates),
    cluster: strOrUndef(r.cluster),
    service: strOrUndef(r.service),
    channel: strOrUndef(r.channel),
    cardTs: strOrUndef(r.card_ts),
    cardKind: strOrUndef(r.card_kind) as Incident['cardKind'],
    cardPostedAt: numOrUndef(r.card_posted_at),
    cardAttemptAt: numOrUndef(r.card_attempt_at),
    digestId: strOrUndef(r.digest_id),
    version: num(r.version),
    renderedVersion: num(r.rendered_version),
    ackBy: strOrUndef(r.ack_by),
    ackAt: numOrUndef(r.ack_at),
    silencedBy: strOrUndef(r.silenced_by),
    silencedUntil: numOrUndef(r.silenced_until),
    notification: json<Notification>(r.notification),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}
