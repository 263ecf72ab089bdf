import type { Incident } from '../store/incidents';
import { renderAlarmCard, renderPlainCard, type CardOptions } from './render/alarm-card';
import { LINES_PER_REPLY, renderThreadLines } from './render/alarm-thread';
import { DIGEST_CAPACITY } from './render/alarm-digest';
import type { OutboxItem } from '../store/outbox';
import { alarmGraph, graphNote, type GraphSpec } from '../graphs/api';
import { DONE, type Delivery, type DeliveryEnv } from './delivery-types';
import { classifySlackError, rendering, sending } from './slack-errors';
import { sendWithFallback } from './send-with-fallback';
import { wellFormedDeep } from '../util/well-formed';
import { cardMetadata, findUnheardCard, findUnheardPost, LINES_EVENT_TYPE, linesMetadata } from './card-adoption';

/** New cards per channel in this window count towards the storm threshold. */
export const STORM_WINDOW_MS = 60_000;
/** A digest waits this long after the first storm alarm so the ones right behind it join the same post. */
export const DIGEST_GATHER_MS = 3_000;

/**
 * The card's graph definition, or undefined: none to draw, or a notification in a shape this version
 * cannot read (a graph never stands between a card and Slack).
 */
export function graphOf(inc: Incident, now: number): GraphSpec | undefined {
  if (inc.notification.kind !== 'alarm') return undefined;
  try {
    return alarmGraph(inc.notification, { now, firedAt: inc.firedAt });
  } catch {
    return undefined;
  }
}

/**
 * What the card shows besides the incident: handled-by-hand marks, and its graph (the uploaded file the
 * store remembers, or why there is none). `fileId` overrides the stored file (a fresh upload being tried).
 */
export async function cardOptions(inc: Incident, env: DeliveryEnv, fileId?: string): Promise<CardOptions> {
  const { ctx } = env;
  const now = ctx.clock.now();
  const handled = await ctx.store.incidentReactions.mark(inc.id);
  const accountName = await accountNameOf(env, inc.notification.account);
  const o: CardOptions = { now, defaultRegion: ctx.config.aws.region, handled, accountName };
  if (!inc.channel || !inc.cardTs || inc.notification.kind !== 'alarm') return o;
  const g = fileId ? undefined : await ctx.store.messageGraphs.get(inc.channel, inc.cardTs);
  const id = fileId ?? g?.fileId;
  if (id) {
    const spec = graphOf(inc, now);
    if (spec) o.graph = { fileId: id, alt: spec.alt };
  }
  if (g?.problem && !id) o.graphNote = graphNote(g.problem);
  return o;
}

/** Calls Slack with the card, or without its graph, or with the plain card when the full one cannot be built or is refused. */
async function withBlocksFallback<T>(
  inc: Incident,
  env: DeliveryEnv,
  call: (msg: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const o = await cardOptions(inc, env);
  return sendWithFallback({
    render: () => ({ ...renderAlarmCard(inc, o) }),
    ...(o.graph ? { lighter: () => ({ ...renderAlarmCard(inc, { ...o, graph: undefined }) }) } : {}),
    plain: () => renderPlainCard(inc),
    send: call,
    log: env.log,
    what: 'alarm card',
    fields: { incident: inc.id },
  });
}

/** Asks for the card's graph (first drawn, or drawn again for a new state): off the card's own path. */
async function wantGraph(inc: Incident, env: DeliveryEnv, now: number): Promise<void> {
  if (!graphOf(inc, now)) return;
  await env.ctx.store.outbox.enqueue({
    kind: 'graph',
    dedupKey: `graph:${inc.id}`,
    incidentId: inc.id,
    availableAt: now,
  });
}

/**
 * The configured name of an alarm's account, when several accounts are configured; an account the bot
 * is not configured for is named by its ID alone (its buttons say how to add it).
 */
async function accountNameOf(env: DeliveryEnv, accountId: string | undefined): Promise<string | undefined> {
  const accounts = env.ctx.accounts;
  if (!accountId || !accounts.multi) return undefined;
  try {
    return (await accounts.byAccountId(accountId))?.name;
  } catch {
    return undefined;
  }
}

async function toDigest(inc: Incident, channel: string, env: DeliveryEnv, now: number): Promise<void> {
  const { store } = env.ctx;
  // Find-or-create in one step: two replicas in the same storm must not open two digests; a full
  // digest spills into a next one, so every alarm of a large storm keeps its own line and state.
  const digest = await store.incidents.openDigest(
    { id: env.ctx.newId(), channel, createdAt: now },
    now - STORM_WINDOW_MS,
    DIGEST_CAPACITY,
  );
  await store.incidents.setDigest(inc.id, digest.id, channel, now, inc.version);
  await markAllPosted(inc, env);
  await store.outbox.enqueue({
    kind: 'digest',
    dedupKey: `digest:${digest.id}`,
    channel,
    payload: { digestId: digest.id },
    availableAt: now + DIGEST_GATHER_MS,
  });
  env.log.warn(
    { incident: inc.id, channel, digest: digest.id },
    'alarm storm: listing this alarm in a digest instead of its own card',
  );
}

/**
 * A thread reply sent before a crash or a lost answer: when Slack has it (found by its metadata among
 * the card's replies), its lines are marked posted instead of being posted again. True when found.
 */
async function adoptUnheardReply(
  inc: Incident,
  channel: string,
  firstPending: number,
  env: DeliveryEnv,
): Promise<boolean> {
  const { store } = env.ctx;
  const attemptAt = await store.incidents.postAttemptAt('thread', inc.id);
  if (attemptAt === undefined || !inc.cardTs) return false;
  const found = await findUnheardPost(
    {
      channel,
      threadTs: inc.cardTs,
      attemptAt,
      eventType: LINES_EVENT_TYPE,
      matches: (p) => p.incident_id === inc.id && typeof p.last_line === 'number' && p.last_line >= firstPending,
      what: 'thread reply',
      fields: { incident: inc.id },
    },
    env,
  );
  if (!found) return false;
  const lastLine = found.payload.last_line as number;
  await store.incidentReactions.recordThreadMessage(channel, found.ts, inc.id, env.ctx.clock.now());
  await store.incidents.markPosted(inc.id, lastLine);
  await store.incidents.clearPostAttempt('thread', inc.id);
  env.log.info(
    { incident: inc.id, channel, ts: found.ts, lastLine },
    'thread reply found in the card thread after an unheard post; not posting it again',
  );
  return true;
}

async function markAllPosted(inc: Incident, env: DeliveryEnv): Promise<void> {
  const all = await env.ctx.store.incidents.events(inc.id, { pendingOnly: true });
  if (all.length) await env.ctx.store.incidents.markPosted(inc.id, all[all.length - 1].id);
}

/**
 * Brings one incident's card and thread up to date from its latest state: posts the card the first
 * time (unless silenced, or a storm sends it to the digest), otherwise `chat.update`s it when its
 * version moved, then posts pending timeline lines in one thread reply. Idempotent: running it again
 * with nothing new does nothing.
 */
export async function deliverCard(item: OutboxItem, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, pacer, log } = env;
  const now = ctx.clock.now();
  const inc = item.incidentId ? await ctx.store.incidents.get(item.incidentId) : undefined;
  if (!inc || inc.firedAt === undefined) return DONE;
  const channel = inc.channel;
  if (!channel) {
    log.error(
      { incident: inc.id, alarm: inc.name },
      'no channel for this alarm: set SLACK_ALARM_CHANNEL (or an ALARM_ROUTES rule); the card is not posted',
    );
    return DONE;
  }

  if (inc.cardKind === 'digest') {
    await markAllPosted(inc, env);
    if (inc.digestId)
      await ctx.store.outbox.enqueue({
        kind: 'digest',
        dedupKey: `digest:${inc.digestId}`,
        channel,
        payload: { digestId: inc.digestId },
        availableAt: now,
      });
    return DONE;
  }

  if (!inc.cardTs && inc.cardAttemptAt !== undefined) {
    // An earlier attempt may have reached Slack unheard: adopt that card rather than post a second one.
    const ts = await findUnheardCard(inc, channel, env);
    if (ts) {
      await ctx.store.incidents.setCard(inc.id, { channel, ts, kind: 'card', postedAt: inc.cardAttemptAt, version: 0 });
      log.info(
        { incident: inc.id, alarm: inc.name, channel, ts },
        'alarm card found in the channel after an unheard post; updating it instead of posting again',
      );
      inc.cardTs = ts;
      await wantGraph(inc, env, now);
      inc.renderedVersion = 0;
    }
  }

  if (!inc.cardTs) {
    if (inc.silencedUntil && inc.silencedUntil > now) {
      log.info({ incident: inc.id, until: inc.silencedUntil }, 'alarm silenced: its card waits until the silence ends');
      return { deferUntil: inc.silencedUntil };
    }
    const recent = await ctx.store.incidents.cardsPostedSince(channel, now - STORM_WINDOW_MS);
    if (recent >= ctx.config.stormThreshold) {
      await toDigest(inc, channel, env, now);
      return DONE;
    }
    if (!pacer.ready(channel, now)) return { deferUntil: pacer.readyAt(channel) };
    pacer.posted(channel, now);
    // From here until its ts is stored, Slack may hold the card without the bot knowing.
    await ctx.store.incidents.markCardAttempt(inc.id, now);
    const metadata = cardMetadata(inc.id);
    const res = await withBlocksFallback(inc, env, (msg) =>
      ctx.slack.chat.postMessage({ channel, ...msg, metadata, unfurl_links: false, unfurl_media: false } as never),
    );
    const ts = String((res as { ts?: string }).ts);
    await ctx.store.incidents.setCard(inc.id, { channel, ts, kind: 'card', postedAt: now, version: inc.version });
    log.info({ incident: inc.id, alarm: inc.name, state: inc.state, channel, ts }, 'alarm card posted');
    inc.cardTs = ts;
    await wantGraph(inc, env, now);
    inc.renderedVersion = inc.version;
  } else if (inc.version > inc.renderedVersion || item.payload.force === true) {
    try {
      await withBlocksFallback(inc, env, (msg) =>
        ctx.slack.chat.update({ channel, ts: inc.cardTs as string, ...msg, metadata: cardMetadata(inc.id) } as never),
      );
    } catch (err) {
      if (classifySlackError(err).gone) {
        log.warn({ incident: inc.id }, 'the alarm card was deleted in Slack; posting a new one');
        await ctx.store.incidents.clearCard(inc.id);
        return { deferUntil: now };
      }
      throw err;
    }
    await ctx.store.incidents.setRendered(inc.id, inc.version);
    await wantGraph(inc, env, now);
  }

  let pending = await ctx.store.incidents.events(inc.id, { pendingOnly: true, limit: LINES_PER_REPLY });
  if (pending.length > 0 && (await adoptUnheardReply(inc, channel, pending[0].id, env)))
    pending = await ctx.store.incidents.events(inc.id, { pendingOnly: true, limit: LINES_PER_REPLY });
  if (pending.length === 0) return DONE;
  if (!pacer.ready(channel, now)) return { deferUntil: pacer.readyAt(channel) };
  pacer.posted(channel, now);
  const last = pending[pending.length - 1].id;
  const lines = wellFormedDeep(rendering(() => renderThreadLines(pending)));
  // Like the card: from here until the lines are marked posted, Slack may hold the reply unheard.
  await ctx.store.incidents.markPostAttempt('thread', inc.id, now);
  const reply = await sending(() =>
    ctx.slack.chat.postMessage({
      channel,
      thread_ts: inc.cardTs,
      ...lines,
      metadata: linesMetadata(inc.id, last),
      unfurl_links: false,
      unfurl_media: false,
    }),
  );
  // Reactions on this reply act on the incident: remember that it belongs to it.
  if (reply.ts) await ctx.store.incidentReactions.recordThreadMessage(channel, reply.ts, inc.id, now);
  await ctx.store.incidents.markPosted(inc.id, last);
  await ctx.store.incidents.clearPostAttempt('thread', inc.id);
  if (pending.length === LINES_PER_REPLY) return { deferUntil: pacer.readyAt(channel) };
  return DONE;
}
