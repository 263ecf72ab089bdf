import { GetMetricWidgetImageCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { errorName, isAccessDenied } from '../aws/errors';
import type { Clock } from '../clock';

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
}

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_MAX_WAITING = 4;
export const PER_MESSAGE_MS = 60_000;

/**
 * Renders widgets with GetMetricWidgetImage under a small shared concurrency cap and at most one
 * render per message per minute, so that an alarm storm, a burst of commands or a button pressed
 * again and again never queues hundreds of widget calls. A render that cannot have a slot soon is
 * refused as busy: a graph is never worth a long wait.
 */
export class GraphRenderer {
  readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly perMessageMs: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly lastRender = new Map<string, number>();
  /** The most widget calls ever in flight at once (for tests and the metrics). */
  peak = 0;

  constructor(private readonly o: GraphRendererOptions) {
    this.concurrency = Math.max(1, o.concurrency ?? DEFAULT_CONCURRENCY);
    this.maxWaiting = Math.max(0, o.maxWaiting ?? DEFAULT_MAX_WAITING);
    this.perMessageMs = o.perMessageMs ?? PER_MESSAGE_MS;
  }

  /** When the message `key` may have its next render (now or later). */
  nextRenderAt(key: string): number {
    const last = this.lastRender.get(key);
    return last === undefined ? this.o.clock.now() : Math.max(this.o.clock.now(), last + this.perMessageMs);
  }

  /** Renders `widget` as a PNG for the message `key`. Never throws. */
  async render(key: string, widget: Record<string, unknown>, cloudwatch: CloudWatchClient): Promise<RenderResult> {
    const now = this.o.clock.now();
    const last = this.lastRender.get(key);
    if (last !== undefined && now - last < this.perMessageMs)
      return { kind: 'limited', until: last + this.perMessageMs };
    if (this.active >= this.concurrency && this.waiting.length >= this.maxWaiting) return { kind: 'busy' };
    this.remember(key, now);
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

  private remember(key: string, now: number): void {
    this.lastRender.set(key, now);
    if (this.lastRender.size > 2000) {
      for (const [k, at] of this.lastRender) if (now - at >= this.perMessageMs) this.lastRender.delete(k);
    }
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
