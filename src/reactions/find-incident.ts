import { LRUCache } from 'lru-cache';
import type { AppContext } from '../context';
import type { Incident } from '../store/incidents';
import { slackErrorCode } from '../slack/errors';

const CHANNEL_RE = /^[CGD][A-Z0-9]{2,}$/;
const TS_RE = /^\d{1,12}\.\d{1,8}$/;
/** A message that turned out not to be in any card's thread is not looked up again for this long. */
const NEGATIVE_TTL_MS = 10 * 60_000;

export type Resolution = { incident: Incident; via: 'card' | 'thread' } | { incident?: undefined; via: 'none' };

/**
 * Finds the incident a reacted message belongs to. A reaction event names only the channel and the
 * message ts, so in order:
 *  1. the card itself: incidents remember their card's ts (one indexed query);
 *  2. a reply the bot recorded as belonging to the card's thread (its own timeline posts, or a reply
 *     learnt in step 3);
 *  3. only in a channel that holds alarm cards: one `conversations.replies` read to learn the reply's
 *     thread (`thread_ts`), remembered in the store so it is asked once. Needs channels:history (and
 *     groups:history for private channels); without them replies by people are simply not matched.
 * Results that match nothing are cached, so reactions on ordinary messages cost one query each.
 */
export class IncidentFinder {
  private readonly misses: LRUCache<string, true>;
  private warnedScope = false;

  constructor(private readonly ctx: AppContext) {
    this.misses = new LRUCache<string, true>({ max: 5000, ttl: NEGATIVE_TTL_MS, perf: { now: () => ctx.clock.now() } });
  }

  async find(channel: string, ts: string): Promise<Resolution> {
    if (!CHANNEL_RE.test(channel) || !TS_RE.test(ts)) return { via: 'none' };
    const repo = this.ctx.store.incidentReactions;
    const card = await repo.byCard(channel, ts);
    if (card) return { incident: card, via: 'card' };
    const recorded = await repo.byThreadMessage(channel, ts);
    if (recorded) return { incident: recorded, via: 'thread' };
    const key = `${channel}:${ts}`;
    if (this.misses.get(key)) return { via: 'none' };
    if (!(await repo.channelHasCards(channel))) {
      this.misses.set(key, true);
      return { via: 'none' };
    }
    const parent = await this.threadOf(channel, ts);
    const incident = parent && parent !== ts ? await repo.byCard(channel, parent) : undefined;
    if (!incident) {
      this.misses.set(key, true);
      return { via: 'none' };
    }
    await repo.recordThreadMessage(channel, ts, incident.id, this.ctx.clock.now());
    return { incident, via: 'thread' };
  }

  /** The thread_ts of a message, from Slack; undefined when it is in no thread or Slack will not say. */
  private async threadOf(channel: string, ts: string): Promise<string | undefined> {
    try {
      const res = await this.ctx.slack.conversations.replies({ channel, ts, limit: 1, inclusive: true });
      const msgs = (res.messages ?? []) as { ts?: string; thread_ts?: string }[];
      const own = msgs.find((m) => m.ts === ts) ?? msgs[0];
      const thread = own?.thread_ts;
      return thread && TS_RE.test(thread) ? thread : undefined;
    } catch (err) {
      const code = slackErrorCode(err);
      if (code === 'missing_scope' || code === 'not_in_channel' || code === 'channel_not_found') {
        if (!this.warnedScope) {
          this.warnedScope = true;
          this.ctx.logger.warn(
            { channel, err },
            'reactions on replies in alarm threads cannot be matched: the bot needs channels:history (groups:history for private channels) and to be in the channel',
          );
        }
      } else {
        this.ctx.logger.warn({ channel, err }, 'conversations.replies failed; the reaction is ignored');
      }
      return undefined;
    }
  }
}
