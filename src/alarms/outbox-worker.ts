import { hostname } from 'node:os';
import type { AppContext, Worker } from '../context';
import type { OutboxItem, OutboxKind } from '../store/outbox';
import { deliverCard } from './deliver-card';
import { deliverDigest, deliverGraph, deliverNote } from './deliver-misc';
import type { Deliver, DeliveryEnv } from './delivery-types';
import { ChannelPacer } from './pacer';
import { backoffMs, classifySlackError } from './slack-errors';

const DELIVER: Record<OutboxKind, Deliver> = {
  card: deliverCard,
  digest: deliverDigest,
  graph: deliverGraph,
  note: deliverNote,
};

export interface OutboxWorkerOptions {
  pollMs?: number;
  leaseMs?: number;
  batch?: number;
  /** SNS MessageIds are kept this long (SNS retries for up to an hour). */
  dedupRetentionMs?: number;
  /** Attempts after which an item failing for a reason retrying cannot fix (own, refused) is set aside. */
  maxPermanentAttempts?: number;
  /** Attempts after which any failing item is set aside (300 at the 5-min backoff cap: about a day). */
  maxAttempts?: number;
  /** Items set aside are forgotten after this long. */
  deadLetterRetentionMs?: number;
}

/** Defaults of the attempt bounds (see OutboxWorkerOptions). */
export const MAX_PERMANENT_ATTEMPTS = 5;
export const MAX_ATTEMPTS = 300;

/**
 * Delivers the outbox to Slack. Each run claims due items with a lease (several replicas never
 * deliver one item twice; a crashed replica's claim lapses), delivers them in order, and on failure
 * backs off exponentially, never sooner than Slack's Retry-After. Every time decision reads
 * ctx.clock, so tests drive it with a fake clock and `runOnce()`.
 */
/** The gap before a pass asked for while the last one could deliver nothing (see schedule). */
const KICKED_GAP_MS = 25;

export class OutboxWorker implements Worker {
  readonly name = 'alarms-outbox';
  readonly id: string;
  private readonly env: DeliveryEnv;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly retentionMs: number;
  private readonly maxPermanentAttempts: number;
  private readonly maxAttempts: number;
  private readonly deadRetentionMs: number;
  private started = false;
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private timerDue = Number.POSITIVE_INFINITY;
  private current: Promise<number> = Promise.resolve(0);
  private lastStats = Number.NEGATIVE_INFINITY;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ctx: AppContext,
    o: OutboxWorkerOptions = {},
  ) {
    this.id = `${hostname()}:${process.pid}:${ctx.newId(4)}`;
    this.pollMs = o.pollMs ?? 250;
    this.leaseMs = o.leaseMs ?? 120_000;
    this.batch = o.batch ?? 10;
    this.retentionMs = o.dedupRetentionMs ?? 2 * 3600_000;
    this.maxPermanentAttempts = o.maxPermanentAttempts ?? MAX_PERMANENT_ATTEMPTS;
    this.maxAttempts = o.maxAttempts ?? MAX_ATTEMPTS;
    this.deadRetentionMs = o.deadLetterRetentionMs ?? 7 * 24 * 3600_000;
    this.env = {
      ctx,
      pacer: new ChannelPacer(),
      log: ctx.logger.child({ component: 'alarms-outbox' }),
      warned: new Set(),
    };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /**
   * New work was committed: run soon instead of at the next poll (no-op until started). Kicks
   * coalesce: a burst of commits causes one extra pass, not one pass per commit.
   */
  kick(): void {
    if (!this.started) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current.catch(() => undefined);
  }

  /** One pass: claim due items and deliver them. Resolves with the number delivered or failed (deferred ones do not count). Runs never overlap. */
  runOnce(): Promise<number> {
    const next = this.current.catch(() => 0).then(() => this.pass());
    this.current = next;
    return next;
  }

  private schedule(ms: number): void {
    if (!this.started) return;
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Number.POSITIVE_INFINITY;
      this.running = true;
      this.again = false;
      void this.ctx
        .track(this.runOnce())
        .then(
          (n) => n,
          (err) => {
            this.env.log.error({ err }, 'outbox pass failed');
            return 0;
          },
        )
        .then((progress) => {
          this.running = false;
          // Straight on while items are being delivered. New work that came in while every due item
          // was deferred (its channel paced: an alarm storm) gets a pass after a short gap, not at once,
          // or passes would run back to back, each finding the same paced channel. Else poll.
          this.schedule(progress > 0 ? 0 : this.again ? KICKED_GAP_MS : this.pollMs);
        });
    }, ms);
    this.timer.unref?.();
  }

  /** Items delivered (or failed) in this pass; deferred ones (pacing, silence) are not progress. */
  private async pass(): Promise<number> {
    const now = this.ctx.clock.now();
    await this.maintain(now);
    const items = await this.ctx.store.outbox.claim(this.id, now, this.leaseMs, this.batch);
    let progress = 0;
    const waiting = new Map<string, number>();
    for (const item of items) {
      const until = item.channel ? waiting.get(item.channel) : undefined;
      if (until !== undefined) {
        // Its channel is paced: no need to render it only to learn that again.
        await this.ctx.store.outbox.defer(item, this.id, until);
        continue;
      }
      const r = await this.handle(item);
      if (r === 'deferred') {
        const readyAt = item.channel ? this.env.pacer.readyAt(item.channel) : 0;
        if (item.channel && readyAt > now) waiting.set(item.channel, readyAt);
      } else progress += 1;
    }
    return progress;
  }

  private async handle(item: OutboxItem): Promise<'done' | 'deferred' | 'failed'> {
    const { store } = this.ctx;
    const log = this.env.log.child({ outbox: item.id, kind: item.kind, incident: item.incidentId });
    const deliver = DELIVER[item.kind];
    try {
      const r = deliver ? await deliver(item, this.env) : { done: true as const };
      if ('deferUntil' in r) {
        await store.outbox.defer(item, this.id, r.deferUntil);
        return 'deferred';
      }
      await store.outbox.complete(item, this.id);
      return 'done';
    } catch (err) {
      const f = classifySlackError(err);
      const now = this.ctx.clock.now();
      if (f.retryAfterMs && item.channel) this.env.pacer.blockUntil(item.channel, now + f.retryAfterMs);
      const attempts = item.attempts + 1;
      const permanent = f.class === 'own' || f.class === 'refused';
      if (attempts >= (permanent ? this.maxPermanentAttempts : this.maxAttempts)) {
        await this.giveUp(item, f, err, log).catch((e) => log.error({ err: e }, 'could not set the item aside'));
        return 'failed';
      }
      const delay = backoffMs(item.attempts, f);
      const fields = { code: f.code, class: f.class, attempts, retryInMs: delay };
      if (f.class === 'own')
        log.error({ ...fields, err: errFields(err) }, 'the bot could not build this Slack message; retrying');
      else if (f.needsOperator)
        log.error(
          fields,
          `Slack refused the alarm post (${f.code}); invite the bot to the channel or fix its token/scopes — retrying`,
        );
      else log.warn(fields, 'Slack call failed; will retry');
      await store.outbox
        .retry(item, this.id, now + delay, f.code)
        .catch((e) => log.error({ err: e }, 'could not record the retry'));
      return 'failed';
    }
  }

  /**
   * The last allowed attempt failed: the item leaves the outbox for the dead letters, loudly (an
   * error log line with its incident, a metric, a line in /ecs alarms and the doctor), so that one
   * message nobody can deliver never stays retried in silence. A card's incident gets a fresh item
   * the next time it changes.
   */
  private async giveUp(
    item: OutboxItem,
    f: ReturnType<typeof classifySlackError>,
    err: unknown,
    log: DeliveryEnv['log'],
  ): Promise<void> {
    const now = this.ctx.clock.now();
    if (!(await this.ctx.store.outbox.bury(item, this.id, now, f.class, f.code))) return;
    this.ctx.metrics.outboxDeadLetters.inc({ kind: item.kind, reason: f.class });
    const inc = item.incidentId
      ? await this.ctx.store.incidents.get(item.incidentId).catch(() => undefined)
      : undefined;
    log.error(
      {
        code: f.code,
        class: f.class,
        attempts: item.attempts + 1,
        channel: item.channel,
        alarm: inc?.name,
        err: errFields(err),
      },
      `alarm post set aside after ${item.attempts + 1} failed attempts (${f.code}): it is no longer retried; /ecs alarms and the doctor list it, and the next change of the alarm tries again`,
    );
  }

  /** Gauges every 5 s and dedup pruning every 10 min, on whichever replica gets there. */
  private async maintain(now: number): Promise<void> {
    if (now - this.lastStats >= 5000) {
      this.lastStats = now;
      const s = await this.ctx.store.outbox.stats();
      this.ctx.metrics.outboxDepth.set(s.depth);
      this.ctx.metrics.outboxOldestAge.set(
        s.oldestCreatedAt === undefined ? 0 : Math.max(0, (now - s.oldestCreatedAt) / 1000),
      );
      this.ctx.metrics.outboxDeadLettersHeld.set(await this.ctx.store.outbox.deadLetterCount());
    }
    if (now - this.lastPrune >= 10 * 60_000) {
      this.lastPrune = now;
      const n = await this.ctx.store.snsMessages.prune(now - this.retentionMs);
      if (n > 0) this.env.log.debug({ pruned: n }, 'forgot old SNS MessageIds');
      await this.ctx.store.outbox.pruneDeadLetters(now - this.deadRetentionMs);
      await this.ctx.store.incidents.prunePostAttempts(now - this.deadRetentionMs);
    }
  }
}

function errFields(err: unknown): { name: string; message: string } {
  const e = err as Error;
  return { name: e?.name ?? 'Error', message: String(e?.message ?? err).slice(0, 300) };
}
