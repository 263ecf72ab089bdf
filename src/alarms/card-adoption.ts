import type { Incident } from '../store/incidents';
import type { DeliveryEnv } from './delivery-types';
import { classifySlackError } from './slack-errors';

/**
 * Message metadata on every alarm card and storm digest: the event type and the incident (or digest)
 * it shows, so that a message the bot posted but never heard back about can be recognised in the
 * channel. Slack shows metadata to anyone who can read the channel, so it holds an ID and nothing else.
 */
export const CARD_EVENT_TYPE = 'ecs_chatops_incident';
export const DIGEST_EVENT_TYPE = 'ecs_chatops_digest';

export function cardMetadata(incidentId: string): { event_type: string; event_payload: { incident_id: string } } {
  return { event_type: CARD_EVENT_TYPE, event_payload: { incident_id: incidentId } };
}

export function digestMetadata(digestId: string): { event_type: string; event_payload: { digest_id: string } } {
  return { event_type: DIGEST_EVENT_TYPE, event_payload: { digest_id: digestId } };
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
export function findUnheardCard(inc: Incident, channel: string, env: DeliveryEnv): Promise<string | undefined> {
  if (inc.cardAttemptAt === undefined) return Promise.resolve(undefined);
  return findUnheardPost(
    {
      channel,
      attemptAt: inc.cardAttemptAt,
      eventType: CARD_EVENT_TYPE,
      key: 'incident_id',
      id: inc.id,
      what: 'alarm card',
      fields: { incident: inc.id },
    },
    env,
  );
}

/**
 * Looks for a top-level message the bot sent without hearing Slack's answer (it died waiting, or the
 * answer was lost). Reads the channel's history since shortly before the first attempt — a page or
 * two, with metadata — and returns the `ts` of the message whose metadata names `id`, or undefined
 * when there is none.
 *
 * When Slack refuses the look-up for a reason only an operator can fix (no `channels:history` or
 * `groups:history` scope, not in the channel), it warns once and answers undefined: the message is
 * posted again, at the risk of showing twice, rather than not at all. A passing failure (network, 5xx,
 * rate limit) is thrown, and the outbox tries the whole delivery again later.
 */
export async function findUnheardPost(
  o: {
    channel: string;
    attemptAt: number;
    eventType: string;
    key: string;
    id: string;
    what: string;
    fields: Record<string, unknown>;
  },
  env: DeliveryEnv,
): Promise<string | undefined> {
  const { channel } = o;
  const oldest = ((o.attemptAt - ADOPTION_SKEW_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < ADOPTION_PAGES; page++) {
    let res: { messages?: HistoryMessage[]; has_more?: boolean; response_metadata?: { next_cursor?: string } };
    try {
      res = (await env.ctx.slack.conversations.history({
        channel,
        oldest,
        limit: PAGE_SIZE,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      })) as typeof res;
    } catch (err) {
      const f = classifySlackError(err);
      if (f.class === 'transient') throw err;
      if (!env.warned.has(HISTORY_REFUSED)) {
        env.warned.add(HISTORY_REFUSED);
        env.log.warn(
          { ...o.fields, channel, code: f.code },
          `Slack refused conversations.history (${f.code}): the bot cannot check whether an alarm card or digest it sent before a crash or a lost answer is already in the channel, so it posts it again and it may show twice. Grant the channels:history and groups:history scopes (manifest.yml) and reinstall the app`,
        );
      }
      return undefined;
    }
    const found = (res.messages ?? []).find(
      (m) =>
        m.metadata?.event_type === o.eventType &&
        m.metadata.event_payload?.[o.key] === o.id &&
        typeof m.ts === 'string' &&
        (!m.thread_ts || m.thread_ts === m.ts),
    );
    if (found?.ts) return found.ts;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return undefined;
  }
  env.log.warn(
    { ...o.fields, channel, pages: ADOPTION_PAGES },
    `the ${o.what} sent before a crash or a lost answer was not among the latest messages of its busy channel; posting it again (it may show twice)`,
  );
  return undefined;
}
