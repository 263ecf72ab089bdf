/**
 * Admission for the slow part of commands (after the ack): at most `concurrency` run at once, up to
 * `queueLimit` wait in order, and anything beyond is refused at once so the user hears "busy" instead
 * of silence. Acks never wait here, so Slack's 3-second window holds however much work is queued.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
  ) {}

  /** Number of commands running or waiting. */
  get load(): number {
    return this.running + this.waiting.length;
  }

  /** Resolves when the caller may run, or false when the queue is full (nothing was admitted). */
  async enter(): Promise<boolean> {
    if (this.running < this.concurrency) {
      this.running += 1;
      return true;
    }
    if (this.waiting.length >= this.queueLimit) return false;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  }

  /** Releases a slot taken by enter(); the next waiter, if any, takes it over. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
