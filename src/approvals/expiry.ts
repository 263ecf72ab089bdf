import type { AppContext, Worker } from '../context';
import { expireDue, failInterrupted, INTERRUPTED_AFTER_MS } from './lifecycle';
import { intervalWorker } from '../interval-worker';

export const DEFAULT_EXPIRY_INTERVAL_MS = 30_000;

/**
 * Expires pending requests whose time is up (card updated, audited `expired`) and marks requests
 * left executing by a dead process as failed (never re-run): with SQLite, at start, everything left
 * executing before this process started; otherwise rows executing for INTERRUPTED_AFTER_MS. Runs once
 * at start, then every interval.
 */
export function expiryWorker(ctx: AppContext, intervalMs = DEFAULT_EXPIRY_INTERVAL_MS): Worker {
  const startedAt = ctx.clock.now();
  let first = true;
  return intervalWorker('change-expiry', intervalMs, ctx.logger, async () => {
    // SQLite has one bot process: at start, whatever this process did not claim itself was interrupted.
    // With PostgreSQL another replica may be executing right now, so only stale rows count.
    const stale = ctx.clock.now() - INTERRUPTED_AFTER_MS;
    const cutoff = first && ctx.store.dialect === 'sqlite' ? Math.max(stale, startedAt - 1) : stale;
    first = false;
    return (await expireDue(ctx)) + (await failInterrupted(ctx, cutoff));
  });
}
