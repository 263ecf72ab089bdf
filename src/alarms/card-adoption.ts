import type { Incident } from '../store/incidents';
import type { DeliveryEnv } from './delivery-types';
import { classifySlackError } from './slack-errors';

/**
 * Message metadata on every alarm card, storm digest and thread reply: the event type and the incident
 * (or digest, or last timeline line) it shows, so that a message the bot posted but never heard back about can be recognised in the
 * channel. Slack shows metadata to anyone who can read the channel, so it holds an ID and nothing else.
 */
export const CARD_EVENT_TYPE = 'ecs_chatops_incident';
export const DIGEST_EVENT_TYPE = 'ecs_chatops_digest';
export const LINES_EVENT_TYPE = 'ecs_chatops_incident_lines';

export function cardMetadata(incidentId: string): { event_type: string; event_payload: { incident_id: string } } {
  return { event_type: CARD_EVENT_TYPE, event_payload: { incident_id: incidentId } };
}

export function digestMetadata(digestId: string): { event_type: string; event_payload: { digest_id: string } } {
  return { event_type: DIGEST_EVENT_TYPE, event_payload: { digest_id: digestId } };
}

/** A thread reply: the incident and the last timeline line it shows. */
export function linesMetadata(
  incidentId: string,
  lastLine: number,
): { event_type: string; event_payload: { incident_id: string; last_line: number } } {
  return { event_type: LINES_EVENT_TYPE, event_payload: { incident_id: incidentId, last_line: lastLine } };
}

/** The look-up starts this long before the first attempt, for clock differences between the bot and Slack. */
export const ADOPTION_SKEW_MS = 5 * 60_000;
/** Pages of channel history read at most (100 messages each) when looking for an unheard post. */
export const ADOPTION_PAGES = 2;
const PAGE_SIZE = 100;

interface HistoryMessage {
  ts?: string;
  thread_ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** The warning about a look-up Slack refused, logged once per worker. */
const HISTORY_REFUSED = 'adoption:history-refused';

/** An incident's card sent unheard: see findUnheardPost. */
export async function findUnheardCard(inc: Incident, channel: string, env: DeliveryEnv): Promise<string | undefined> {
  if (inc.cardAttemptAt === undefined) return undefined;
  const found = await findUnheardPost(
    {
      channel,
      attemptAt: inc.cardAttemptAt,
      eventType: CARD_EVENT_TYPE,
      matches: (p) => p.incident_id === inc.id,
      what: 'alarm card',
      fields: { incident: inc.id },
    },
    env,
  );
  return found?.ts;
}

/** What to look for after an unheard post. */
export interface UnheardPost {
  channel: string;
  /** Look among the replies of this thread rather than the channel's top-level messages. */
  threadTs?: string;
  /** The first attempt (the look-up starts shortly before it). */
  attemptAt: number;
  eventType: string;
  /** Whether a message's metadata payload is the one sent. */
  matches: (payload: Record<string, unknown>) => boolean;
  /** For the log: "alarm card", "storm digest", "thread reply". */
  what: string;
  fields: Record<string, unknown>;
}

/**
 * Looks for a message the bot sent without hearing Slack's answer (it died waiting, or the answer was
 * lost). Reads the channel's history (`conversations.history`), or the thread's replies
 * (`conversations.replies`), since shortly before the first attempt — a page or two, with metadata —
 * and returns the message whose metadata matches, or undefined when there is none.
 *
 * When Slack refuses the look-up for a reason only an operator can fix (no `channels:history` or
 * `groups:history` scope, not in the channel), it warns once and answers undefined: the message is
 * posted again, at the risk of showing twice, rather than not at all. A passing failure (network, 5xx,
 * rate limit) is thrown, and the outbox tries the whole delivery again later.
 */
export async function findUnheardPost(
  o: UnheardPost,
  env: DeliveryEnv,
): Promise<{ ts: string; payload: Record<string, unknown> } | undefined> {
  const { channel, threadTs } = o;
  const method = threadTs ? 'conversations.replies' : 'conversations.history';
  const oldest = ((o.attemptAt - ADOPTION_SKEW_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < ADOPTION_PAGES; page++) {
    let res: { messages?: HistoryMessage[]; has_more?: boolean; response_metadata?: { next_cursor?: string } };
    try {
      const args = {
        channel,
        oldest,
        limit: PAGE_SIZE,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      };
      res = (await (threadTs
        ? env.ctx.slack.conversations.replies({ ...args, ts: threadTs })
        : env.ctx.slack.conversations.history(args))) as typeof res;
    } catch (err) {
      const f = classifySlackError(err);
      if (f.class === 'transient') throw err;
      if (!env.warned.has(HISTORY_REFUSED)) {
        env.warned.add(HISTORY_REFUSED);
        env.log.warn(
          { ...o.fields, channel, code: f.code },
          `Slack refused ${method} (${f.code}): the bot cannot check whether an alarm post it sent before a crash or a lost answer is already in the channel, so it posts it again and it may show twice. Grant the channels:history and groups:history scopes (manifest.yml) and reinstall the app`,
        );
      }
      return undefined;
    }
    const found = (res.messages ?? []).find(
      (m) =>
        typeof m.ts === 'string' &&
        (threadTs ? m.ts !== threadTs && m.thread_ts === threadTs : !m.thread_ts || m.thread_ts === m.ts) &&
        m.metadata?.event_type === o.eventType &&
        !!m.metadata.event_payload &&
        o.matches(m.metadata.event_payload),
    );
    if (found?.ts && found.metadata?.event_payload) return { ts: found.ts, payload: found.metadata.event_payload };
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return undefined;
  }
  env.log.warn(
    { ...o.fields, channel, pages: ADOPTION_PAGES },
    `the ${o.what} sent before a crash or a lost answer was not among the latest messages of its busy ${threadTs ? 'thread' : 'channel'}; posting it again (it may show twice)`,
  );
  return undefined;
}
