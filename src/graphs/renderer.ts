import { GetMetricWidgetImageCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { errorName, isAccessDenied } from '../aws/errors';
import type { Clock } from '../clock';
import type { AppContext } from '../context';

/** Where the last render of each message is kept: the store, so the limit holds across replicas. */
export interface RenderLimits {
  /** True when `key` had no render claimed within `windowMs` (and now has one at `now`). */
  claim(key: string, now: number, windowMs: number): Promise<boolean>;
  lastAt(key: string): Promise<number | undefined>;
  prune(before: number): Promise<number>;
}

/** The limits of one process alone (unit tests, tools): a map. */
export class MemoryRenderLimits implements RenderLimits {
  private readonly last = new Map<string, number>();
  async claim(key: string, now: number, windowMs: number): Promise<boolean> {
    const at = this.last.get(key);
    if (at !== undefined && at > now - windowMs) return false;
    this.last.set(key, now);
    return true;
  }
  async lastAt(key: string): Promise<number | undefined> {
    return this.last.get(key);
  }
  async prune(before: number): Promise<number> {
    let n = 0;
    for (const [k, at] of this.last)
      if (at < before) {
        this.last.delete(k);
        n += 1;
      }
    return n;
  }
}

/** What a render request came to. */
export type RenderResult =
  | { kind: 'png'; png: Buffer }
  /** This message had a render less than a minute ago: not before `until`. */
  | { kind: 'limited'; until: number }
  /** Every render slot is taken and the queue is full: a storm. Try later, or go without. */
  | { kind: 'busy' }
  /** The bot may not call cloudwatch:GetMetricWidgetImage. */
  | { kind: 'denied'; code: string }
  /** Anything else (throttling, network, an empty image). */
  | { kind: 'failed'; code: string };

export interface GraphRendererOptions {
  clock: Clock;
  /** Widget calls in flight at once, shared by every feature. */
  concurrency?: number;
  /** Renders that may wait for a slot; beyond them a render is refused as busy at once. */
  maxWaiting?: number;
  /** At most one render per message in this window. */
  perMessageMs?: number;
  /** Where the per-message limit is kept (the store, shared by replicas); else this process alone. */
  limits?: RenderLimits;
}

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_MAX_WAITING = 4;
export const PER_MESSAGE_MS = 60_000;
/** Old render records are pruned once every this many renders. */
const PRUNE_EVERY = 200;

/**
 * Renders widgets with GetMetricWidgetImage under a small shared concurrency cap and at most one
 * render per message per minute, so that an alarm storm, a burst of commands or a button pressed
 * again and again never queues hundreds of widget calls. A render that cannot have a slot soon is
 * refused as busy: a graph is never worth a long wait. The per-message limit is kept in the store, so it
 * holds however many replicas render; the concurrency cap is per process (each has its own slots).
 */
export class GraphRenderer {
  readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly perMessageMs: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limits: RenderLimits;
  private renders = 0;
  private claiming = 0;
  /** The most widget calls ever in flight at once (for tests and the metrics). */
  peak = 0;
  /** Waits between replacements Slack refuses because the fresh file is not ready yet (tests shorten them). */
  refusalDelaysMs: readonly number[] = [1000, 2000, 4000];

  constructor(private readonly o: GraphRendererOptions) {
    this.concurrency = Math.max(1, o.concurrency ?? DEFAULT_CONCURRENCY);
    this.maxWaiting = Math.max(0, o.maxWaiting ?? DEFAULT_MAX_WAITING);
    this.perMessageMs = o.perMessageMs ?? PER_MESSAGE_MS;
    this.limits = o.limits ?? new MemoryRenderLimits();
  }

  /** When the message `key` may have its next render (now or later). */
  async nextRenderAt(key: string): Promise<number> {
    const now = this.o.clock.now();
    const last = await this.limits.lastAt(key).catch(() => undefined);
    return last === undefined ? now : Math.max(now, last + this.perMessageMs);
  }

  /** Renders `widget` as a PNG for the message `key`. Never throws. */
  async render(key: string, widget: Record<string, unknown>, cloudwatch: CloudWatchClient): Promise<RenderResult> {
    const now = this.o.clock.now();
    // Renders still asking the store hold their place too, so a burst cannot slip past the queue's bound.
    if (this.active + this.waiting.length + this.claiming >= this.concurrency + this.maxWaiting)
      return { kind: 'busy' };
    this.claiming += 1;
    try {
      if (!(await this.limits.claim(key, now, this.perMessageMs))) {
        const last = (await this.limits.lastAt(key)) ?? now;
        return { kind: 'limited', until: Math.max(now + 1, last + this.perMessageMs) };
      }
      await this.prune(now);
    } catch (err) {
      // Without the store the limit cannot be kept: go without the picture rather than risk a storm.
      return { kind: 'failed', code: `store: ${errorName(err)}` };
    } finally {
      this.claiming -= 1;
    }
    await this.acquire();
    try {
      const out = await cloudwatch.send(
        new GetMetricWidgetImageCommand({ MetricWidget: JSON.stringify(widget), OutputFormat: 'png' }),
      );
      const png = out.MetricWidgetImage;
      if (!png?.length) return { kind: 'failed', code: 'empty image' };
      return { kind: 'png', png: Buffer.from(png) };
    } catch (err) {
      return isAccessDenied(err) ? { kind: 'denied', code: errorName(err) } : { kind: 'failed', code: errorName(err) };
    } finally {
      this.release();
    }
  }

  private async prune(now: number): Promise<void> {
    this.renders += 1;
    if (this.renders % PRUNE_EVERY === 0) await this.limits.prune(now - this.perMessageMs).catch(() => undefined);
  }

  private async acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active += 1;
    } else {
      // The slot is handed over by release(), so `active` never goes above the cap.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.peak = Math.max(this.peak, this.active);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

const renderers = new WeakMap<AppContext, GraphRenderer>();

/** The renderer every feature of one bot shares: one concurrency cap for all its graphs, the per-message limit in the store. */
export function graphRenderer(ctx: AppContext): GraphRenderer {
  let r = renderers.get(ctx);
  if (!r) {
    r = new GraphRenderer({ clock: ctx.clock, limits: ctx.store.graphRenders });
    renderers.set(ctx, r);
  }
  return r;
}
