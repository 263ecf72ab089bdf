/**
 * Keeps chat.postMessage within Slack's ~1 message per second per channel (cards, thread lines,
 * digests, notes all count). Per process; Slack's own 429 with Retry-After covers several replicas.
 */
export class ChannelPacer {
  private readonly next = new Map<string, number>();

  constructor(private readonly intervalMs = 1000) {}

  /** The earliest time a post to `channel` may go out. */
  readyAt(channel: string): number {
    return this.next.get(channel) ?? 0;
  }

  ready(channel: string, now: number): boolean {
    return now >= this.readyAt(channel);
  }

  /** A post went out (or is about to). */
  posted(channel: string, now: number): void {
    this.next.set(channel, Math.max(this.readyAt(channel), now + this.intervalMs));
    if (this.next.size > 10_000) this.prune(now);
  }

  /** Slack said to wait (429 Retry-After). */
  blockUntil(channel: string, until: number): void {
    this.next.set(channel, Math.max(this.readyAt(channel), until));
  }

  private prune(now: number): void {
    for (const [k, v] of this.next) if (v < now) this.next.delete(k);
  }
}
