import { performance } from 'node:perf_hooks';

/** How busy the event loop has been lately (0..1), sampled on a timer. */
export interface LoopPressure {
  /** True while the event loop is nearly always busy: new work would delay every ack. */
  readonly high: boolean;
  stop(): void;
}

/**
 * Event-loop utilisation over the last `windowMs` (Node's own measure of how much of the time the
 * loop spent running callbacks rather than waiting for I/O): `high` above `threshold`.
 */
export function eventLoopPressure(o: { windowMs?: number; threshold?: number } = {}): LoopPressure {
  const threshold = o.threshold ?? 0.9;
  let last = performance.eventLoopUtilization();
  let high = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    high = performance.eventLoopUtilization(now, last).utilization > threshold;
    last = now;
  }, o.windowMs ?? 100);
  timer.unref();
  return {
    get high() {
      return high;
    },
    stop: () => clearInterval(timer),
  };
}

let shared: LoopPressure | undefined;

/** The process's one pressure monitor (there is one event loop per process; its timer is unref'd). */
export function sharedEventLoopPressure(): LoopPressure {
  shared ??= eventLoopPressure();
  return shared;
}

export interface GateLimits {
  /** Commands whose slow part runs at once. */
  concurrency: number;
  /** Commands that may wait for a slot, in order. */
  queueLimit: number;
  /** At most this many commands admitted per second (a token bucket holding one second's worth). */
  perSecond?: number;
}

/**
 * Admission for the slow part of commands (after the ack). The decision is taken at once, before the
 * ack, so a refused command is answered "busy" in the ack itself (no extra call to Slack) and an
 * admitted one is never refused later. At most `concurrency` run at once and up to `queueLimit` wait
 * in order. While the event loop is saturated (`pressure`), the limits shrink to `underPressure`:
 * work already admitted keeps the loop busy, and every command admitted on top would make each ack
 * wait longer. There a rate (`perSecond`) bounds how much new work starts: running commands one after
 * another, back to back, would otherwise still take most of the loop. When nothing is running, one
 * command is let through whatever the limits, so the bot never refuses everything.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens = 0;
  private refilledAt = -Infinity;

  constructor(
    readonly normal: GateLimits,
    readonly underPressure: GateLimits = normal,
    private readonly pressure: Pick<LoopPressure, 'high'> = { high: false },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a token of the rate limit, if the limits have one. */
  private withinRate(limits: GateLimits): boolean {
    if (!limits.perSecond) return true;
    const t = this.now();
    this.tokens = Math.min(limits.perSecond, this.tokens + ((t - this.refilledAt) / 1000) * limits.perSecond);
    this.refilledAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Number of commands running or waiting. */
  get load(): number {
    return this.running + this.waiting.length;
  }

  /**
   * Admits a command or refuses it, now. Admitted: resolves when it may run (at once, or when a slot
   * frees up); the caller must `leave()` when done. Refused: undefined, and nothing was taken.
   */
  admit(): Promise<void> | undefined {
    const limits = this.pressure.high ? this.underPressure : this.normal;
    if (this.load === 0) {
      this.withinRate(limits); // counts against the rate, but is never refused
      this.running += 1;
      return Promise.resolve();
    }
    if (this.running >= limits.concurrency && this.waiting.length >= limits.queueLimit) return undefined;
    if (!this.withinRate(limits)) return undefined;
    if (this.running < limits.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Releases a slot taken by admit(); the next waiter, if any, takes it over. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
