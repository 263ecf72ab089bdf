import type { Queryable } from './db';
import { num } from './db';
import { rowToIncident, type Incident } from './incidents';

/** Someone said "handled by hand" (:white_check_mark:): shown on the card; AWS still decides its colour. */
export interface IncidentMark {
  incidentId: string;
  kind: 'resolved';
  userId: string;
  at: number;
}

export interface MuteRuleRecord {
  incidentId: string;
  ruleName: string;
  alarmName: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

/** Incidents that are not over are listed; ECS events have no "resolved" event, so they count for a day. */
export const EVENT_INCIDENT_OPEN_MS = 24 * 60 * 60_000;

/**
 * What reactions and the App Home need from incidents beyond the alarm engine's own repository:
 * finding the incident of a reacted message, the open incidents, handled-by-hand marks and the
 * CloudWatch mute rules a silence created. Reads the `incidents` table; writes only its own tables.
 */
export class IncidentReactionRepo {
  constructor(private readonly db: Queryable) {}

  /** The incident whose card (or digest-free card) is this message, newest first if ever reused. */
  async byCard(channel: string, ts: string, q: Queryable = this.db): Promise<Incident | undefined> {
    const rows = await q.query<Record<string, unknown>>(
      `SELECT * FROM incidents WHERE card_ts = $1 AND channel = $2 ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [ts, channel],
    );
    return rows[0] ? rowToIncident(rows[0]) : undefined;
  }

  /** The incident a thread reply belongs to, when the reply was recorded. */
  async byThreadMessage(channel: string, ts: string): Promise<Incident | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT i.* FROM incident_messages m JOIN incidents i ON i.id = m.incident_id WHERE m.channel = $1 AND m.ts = $2`,
      [channel, ts],
    );
    return rows[0] ? rowToIncident(rows[0]) : undefined;
  }

  /** Remembers that a message (a reply in a card's thread) belongs to an incident. Idempotent. */
  async recordThreadMessage(channel: string, ts: string, incidentId: string, at: number): Promise<void> {
    await this.db.run(
      `INSERT INTO incident_messages (channel, ts, incident_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (channel, ts) DO NOTHING`,
      [channel, ts, incidentId, at],
    );
  }

  /** True when some incident card was ever posted in the channel (cheap guard before asking Slack). */
  async channelHasCards(channel: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 AS x FROM incidents WHERE channel = $1 AND card_ts IS NOT NULL LIMIT 1`,
      [channel],
    );
    return rows.length > 0;
  }

  /**
   * Incidents that are still open, those in ALARM first, newest first: the latest incident of each alarm
   * that fired and has not gone back to OK; ECS-event and raw incidents in ALARM during the last day.
   */
  async open(now: number, limit = 50): Promise<{ incidents: Incident[]; total: number }> {
    const where = `i.fired_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM incidents j WHERE j.alarm_key = i.alarm_key AND j.seq > i.seq)
      AND ((i.kind = 'alarm' AND i.state <> 'OK') OR (i.kind <> 'alarm' AND i.state = 'ALARM' AND i.state_at >= $1))`;
    const [rows, count] = await Promise.all([
      this.db.query<Record<string, unknown>>(
        `SELECT i.* FROM incidents i WHERE ${where} ORDER BY CASE WHEN i.state = 'ALARM' THEN 0 ELSE 1 END, COALESCE(i.alarm_since, i.state_at) DESC, i.id LIMIT $2`,
        [now - EVENT_INCIDENT_OPEN_MS, Math.max(1, Math.min(limit, 500))],
      ),
      this.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM incidents i WHERE ${where}`, [
        now - EVENT_INCIDENT_OPEN_MS,
      ]),
    ]);
    return { incidents: rows.map(rowToIncident), total: num(count[0]?.n ?? 0) };
  }

  async setMark(m: IncidentMark, q: Queryable = this.db): Promise<void> {
    await q.run(
      `INSERT INTO incident_marks (incident_id, kind, user_id, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id, kind) DO UPDATE SET user_id = excluded.user_id, at = excluded.at`,
      [m.incidentId, m.kind, m.userId, m.at],
    );
  }

  /** Removes the mark only when `userId` set it (someone else's mark stays); true when removed. */
  async clearMark(
    incidentId: string,
    kind: IncidentMark['kind'],
    userId: string,
    q: Queryable = this.db,
  ): Promise<boolean> {
    return (
      (await q.run(`DELETE FROM incident_marks WHERE incident_id = $1 AND kind = $2 AND user_id = $3`, [
        incidentId,
        kind,
        userId,
      ])) > 0
    );
  }

  async marks(incidentIds: string[], q: Queryable = this.db): Promise<Map<string, IncidentMark>> {
    const out = new Map<string, IncidentMark>();
    if (incidentIds.length === 0) return out;
    const ids = [...new Set(incidentIds)].slice(0, 500);
    const rows = await q.query<Record<string, unknown>>(
      `SELECT * FROM incident_marks WHERE incident_id IN (${ids.map((_, k) => `$${k + 1}`).join(', ')})`,
      ids,
    );
    for (const r of rows) {
      out.set(String(r.incident_id), {
        incidentId: String(r.incident_id),
        kind: 'resolved',
        userId: String(r.user_id),
        at: num(r.at),
      });
    }
    return out;
  }

  async mark(incidentId: string, q: Queryable = this.db): Promise<IncidentMark | undefined> {
    return (await this.marks([incidentId], q)).get(incidentId);
  }

  async saveMuteRule(r: MuteRuleRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO alarm_mute_rules (incident_id, rule_name, alarm_name, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (incident_id) DO UPDATE SET rule_name = excluded.rule_name, alarm_name = excluded.alarm_name,
         created_by = excluded.created_by, created_at = excluded.created_at, expires_at = excluded.expires_at`,
      [r.incidentId, r.ruleName, r.alarmName, r.createdBy, r.createdAt, r.expiresAt],
    );
  }

  async muteRule(incidentId: string): Promise<MuteRuleRecord | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(`SELECT * FROM alarm_mute_rules WHERE incident_id = $1`, [
      incidentId,
    ]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      incidentId: String(r.incident_id),
      ruleName: String(r.rule_name),
      alarmName: String(r.alarm_name),
      createdBy: String(r.created_by),
      createdAt: num(r.created_at),
      expiresAt: num(r.expires_at),
    };
  }

  /** Forgets a mute rule; true for the one caller that removed it (so only one deletes it in AWS). */
  async dropMuteRule(incidentId: string): Promise<boolean> {
    return (await this.db.run(`DELETE FROM alarm_mute_rules WHERE incident_id = $1`, [incidentId])) > 0;
  }
}
