/** Waits for a condition that background work makes true (polls; fails with `what` on timeout). */
export async function eventually<T>(
  fn: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
