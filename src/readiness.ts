/** One condition /readyz waits for besides the store (e.g. the Slack socket being open). */
export type ReadinessCheck = () => { ready: true } | { ready: false; reason: string };

/** The conditions /readyz reports on; parts of the bot that can be down register theirs. */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** The checks that fail now, with their reasons. */
  failing(): { name: string; reason: string }[] {
    const out: { name: string; reason: string }[] = [];
    for (const [name, check] of this.checks) {
      const r = check();
      if (!r.ready) out.push({ name, reason: r.reason });
    }
    return out;
  }
}
