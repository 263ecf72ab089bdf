import type { App } from '@slack/bolt';
import type { Logger } from '../logger';
import type { SlackRequestRepo } from '../store/slack-requests';

/**
 * How long an event_id is remembered. Slack retries an event it thinks was not acknowledged up to
 * three times (at once, after a minute, after five minutes); an hour covers that schedule with room.
 */
export const EVENT_MEMORY_MS = 60 * 60_000;
/** How often a replica deletes event ids (and request signatures) whose time has passed. */
const PRUNE_EVERY_MS = 60_000;

export interface EventDedupOptions {
  events: Pick<SlackRequestRepo, 'claimEvent' | 'prune'>;
  /** Wall-clock time: the rows share a table whose expiry the request guard prunes by wall time too. */
  now: () => number;
  logger: Logger;
}

interface EventBody {
  type?: unknown;
  event_id?: unknown;
  event?: { type?: unknown };
}

/**
 * Runs each Events API callback once across all replicas. Slack sends an event again (same event_id,
 * a new timestamp and signature, `X-Slack-Retry-Num` over HTTP or `retry_attempt` over Socket Mode)
 * when it did not see the acknowledgement in time — also when the bot did get it and is still working
 * on it, so without this a retried mention was answered twice and a retried reaction acted on twice.
 * The first replica to record the event_id runs it; any other copy is already acknowledged by Bolt
 * (events are acknowledged before global middleware) and stops here. Commands and clicks carry no
 * event_id and pass through. When the store cannot record the id the event runs anyway: a rare double
 * is better than an event lost (the HTTP guard has just written to the same store, so this is a blip).
 */
export function dropRepeatedEvents(app: App, o: EventDedupOptions): void {
  const log = o.logger.child({ component: 'slack-event-dedup' });
  let prunedAt = 0;

  const firstTime = async (eventId: string): Promise<boolean> => {
    const now = o.now();
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = now;
      await o.events.prune(now);
    }
    return o.events.claimEvent(eventId, now + EVENT_MEMORY_MS);
  };

  app.use(async (args) => {
    const body = args.body as EventBody;
    if (body.type !== 'event_callback' || typeof body.event_id !== 'string' || body.event_id === '') {
      await args.next();
      return;
    }
    let fresh = true;
    try {
      fresh = await firstTime(body.event_id);
    } catch (err) {
      log.warn({ err, eventId: body.event_id }, 'cannot record a Slack event id; running the event anyway');
    }
    if (!fresh) {
      const { retryNum, retryReason } = args.context;
      log.info(
        { eventId: body.event_id, eventType: body.event?.type, retryNum, retryReason },
        'Slack sent an event again; not processed twice',
      );
      return;
    }
    await args.next();
  });
}
