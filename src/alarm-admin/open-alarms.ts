import type { AppContext } from '../context';
import type { Level } from '../notifications/types';
import type { Incident } from '../store/incidents';
import type { IncidentMark } from '../store/incident-reactions';
import { UserFacingError } from '../errors';
import { mapLimit } from '../aws/batch';
import { describeScope } from '../aws/locate';
import { truncate } from '../util/text';
import { CloudWatchAlarms } from './cloudwatch-alarms';
import { isEcsAlarm, type CwAlarm } from './model';

/** One open alarm as the list and the App Home show it: from an incident, from CloudWatch, or both. */
export interface OpenAlarmView {
  /** The incident id, or `cw:<alarm name>` for an alarm only CloudWatch knows. */
  id: string;
  name: string;
  state: string;
  level: Level;
  kind?: string;
  /** When the current ALARM period (or state) began. */
  since?: number;
  cluster?: string;
  service?: string;
  ackBy?: string;
  ackAt?: number;
  silencedBy?: string;
  silencedUntil?: number;
  handledBy?: string;
  handledAt?: number;
  /** Where its card is. */
  channel?: string;
  cardTs?: string;
  /** True when the bot has a card for it. */
  knownToBot: boolean;
  /** CloudWatch's reason, for alarms the bot never received. */
  reason?: string;
  /** `prod · eu-west-1`: where an alarm the bot has no card for is, when several accounts or regions are read. */
  where?: string;
}

/** An alarm post the outbox gave up on (see OutboxWorker): shown so that nobody believes it was posted. */
export interface UndeliveredView {
  /** card, digest, graph or note. */
  kind: string;
  incidentId?: string;
  /** The alarm's name, when the post belonged to an incident still in the store. */
  name?: string;
  cluster?: string;
  service?: string;
  channel?: string;
  failedAt: number;
  attempts: number;
  /** The last error code (invalid_arguments, URIError, http_500 …). */
  error?: string;
}

export interface OpenAlarms {
  alarms: OpenAlarmView[];
  /** Alarm posts set aside after failing too often, newest first (at most a few). */
  undelivered?: UndeliveredView[];
  /** How many are set aside in all. */
  undeliveredTotal?: number;
  /** Open incidents in the store (may exceed those listed). */
  knownTotal: number;
  /** Alarms in ALARM in the ECS namespaces that the bot has no card for. */
  cloudwatchOnly: number;
  /** Why CloudWatch could not be read, if it could not. */
  cloudwatchError?: string;
  /** Accounts and regions whose alarms could not be read, each with why, while the others were. */
  cloudwatchUnread?: string[];
  /** CloudWatch had more alarms in ALARM than were read. */
  truncated: boolean;
}

function fromIncident(i: Incident, mark?: IncidentMark): OpenAlarmView {
  return {
    id: i.id,
    name: i.name,
    state: i.state,
    level: i.notification.level,
    kind: i.kind,
    since: i.state === 'ALARM' ? (i.alarmSince ?? i.stateAt) : i.stateAt,
    cluster: i.cluster,
    service: i.service,
    ackBy: i.ackBy,
    ackAt: i.ackAt,
    silencedBy: i.silencedBy,
    silencedUntil: i.silencedUntil,
    handledBy: mark?.userId,
    handledAt: mark?.at,
    channel: i.channel,
    cardTs: i.cardTs,
    knownToBot: true,
  };
}

/** A CloudWatch alarm and, with several accounts or regions, the one it was read in. */
type PlacedAlarm = CwAlarm & { where?: string };

/** Accounts and regions whose alarms are listed at once. */
const LIST_CONCURRENCY = 4;

function fromCloudWatch(a: PlacedAlarm): OpenAlarmView {
  return {
    where: a.where,
    id: `cw:${a.name}`,
    name: a.name,
    state: a.state,
    level: 'critical',
    kind: 'alarm',
    since: a.stateSince,
    cluster: a.dimensions.ClusterName,
    service: a.dimensions.ServiceName,
    knownToBot: false,
    reason: a.stateReason,
  };
}

/** The alarm name of an incident that came from a CloudWatch alarm. */
function alarmNameOf(i: Incident): string | undefined {
  return i.notification.kind === 'alarm' ? i.notification.alarmName : undefined;
}

/** The ARN of an incident's alarm, when its notification carried one. */
function alarmArnOf(i: Incident): string | undefined {
  return i.notification.kind === 'alarm' ? i.notification.arn : undefined;
}

/**
 * Merges the bot's open incidents with what CloudWatch reports in ALARM for the ECS namespaces. Pure.
 * An alarm the bot knows is listed once, from its incident: matched on its ARN (two accounts may
 * each have an alarm of the same name), on its name when either side has no ARN.
 */
export function mergeOpenAlarms(
  incidents: Incident[],
  marks: Map<string, IncidentMark>,
  cw: PlacedAlarm[],
): OpenAlarmView[] {
  const knownArns = new Set(incidents.map(alarmArnOf).filter((x): x is string => !!x));
  const knownNames = new Set(
    incidents
      .filter((i) => !alarmArnOf(i))
      .map(alarmNameOf)
      .filter((x): x is string => !!x),
  );
  const allNames = new Set(incidents.map(alarmNameOf).filter((x): x is string => !!x));
  const known = (a: CwAlarm) => (a.arn ? knownArns.has(a.arn) || knownNames.has(a.name) : allNames.has(a.name));
  const fromBot = incidents.map((i) => fromIncident(i, marks.get(i.id)));
  const others = cw
    .filter((a) => a.state === 'ALARM' && isEcsAlarm(a) && !known(a))
    .sort((a, b) => (b.stateSince ?? 0) - (a.stateSince ?? 0))
    .map(fromCloudWatch);
  return [...fromBot, ...others];
}

/** Alarm posts the outbox set aside, newest first, with the name of their alarm when it is known. */
async function loadUndelivered(
  ctx: AppContext,
  limit = 5,
): Promise<{ undelivered: UndeliveredView[]; undeliveredTotal: number }> {
  const [dead, total] = await Promise.all([ctx.store.outbox.deadLetters(limit), ctx.store.outbox.deadLetterCount()]);
  const undelivered: UndeliveredView[] = [];
  for (const d of dead) {
    const inc = d.incidentId ? await ctx.store.incidents.get(d.incidentId) : undefined;
    undelivered.push({
      kind: d.kind,
      incidentId: d.incidentId,
      name: inc?.name,
      cluster: inc?.cluster,
      service: inc?.service,
      channel: d.channel ?? inc?.channel,
      failedAt: d.failedAt,
      attempts: d.attempts,
      error: d.lastError,
    });
  }
  return { undelivered, undeliveredTotal: total };
}

/**
 * The alarms in ALARM in every configured account and region (the bot's own clients alone for a
 * single-account install), each read with that account's read session. An account or region that
 * cannot be read is named in the error and the others are still listed.
 */
async function listCloudWatch(
  ctx: AppContext,
): Promise<{ cw: PlacedAlarm[]; cloudwatchError?: string; cloudwatchUnread?: string[]; truncated: boolean }> {
  const why = (err: unknown) => (err instanceof UserFacingError ? err.message : 'CloudWatch could not be read');
  const accounts = ctx.accounts;
  if (!accounts.multi) {
    try {
      const res = await new CloudWatchAlarms(ctx.aws.cloudwatch).list({ state: 'ALARM' });
      return { cw: res.alarms, truncated: res.truncated };
    } catch (err) {
      ctx.logger.warn({ err }, 'listing CloudWatch alarms failed');
      return { cw: [], cloudwatchError: why(err), truncated: false };
    }
  }
  const failed: string[] = [];
  const scopes = accounts.scopes();
  const per = await mapLimit(scopes, LIST_CONCURRENCY, async (scope) => {
    const where = describeScope(scope);
    try {
      const res = await new CloudWatchAlarms(accounts.read(scope).cloudwatch).list({ state: 'ALARM' });
      return { alarms: res.alarms.map((a): PlacedAlarm => ({ ...a, where })), truncated: res.truncated };
    } catch (err) {
      ctx.logger.warn({ err, ...scope }, 'listing CloudWatch alarms failed');
      failed.push(`${where}: ${truncate(why(err), 200)}`);
      return { alarms: [], truncated: false };
    }
  });
  const truncated = per.some((r) => r.truncated);
  if (failed.length === scopes.length) return { cw: [], cloudwatchError: failed.join('; '), truncated };
  return { cw: per.flatMap((r) => r.alarms), cloudwatchUnread: failed.length ? failed : undefined, truncated };
}

/** Reads both sources; a CloudWatch failure is reported in the result, never thrown. */
export async function loadOpenAlarms(
  ctx: AppContext,
  o: { includeCloudWatch: boolean; limit?: number },
): Promise<OpenAlarms> {
  const { incidents, total } = await ctx.store.incidentReactions.open(ctx.clock.now(), o.limit ?? 50);
  const marks = await ctx.store.incidentReactions.marks(incidents.map((i) => i.id));
  const { cw, cloudwatchError, cloudwatchUnread, truncated } = o.includeCloudWatch
    ? await listCloudWatch(ctx)
    : { cw: [], truncated: false };
  const alarms = mergeOpenAlarms(incidents, marks, cw);
  return {
    alarms,
    ...(await loadUndelivered(ctx)),
    knownTotal: total,
    cloudwatchOnly: alarms.filter((a) => !a.knownToBot).length,
    cloudwatchError,
    cloudwatchUnread,
    truncated,
  };
}
