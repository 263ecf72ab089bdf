import type { AppContext, Worker } from '../context';
import { expireDue, failInterrupted } from './decide';
import { intervalWorker } from './worker';

export const DEFAULT_EXPIRY_INTERVAL_MS = 30_000;

/**
 * Expires pending requests whose time is up (card updated, audited `expired`) and marks requests
 * left executing by a dead process as failed (never re-run). Runs once at start, then every interval.
 */
export function expiryWorker(ctx: AppContext, intervalMs = DEFAULT_EXPIRY_INTERVAL_MS): Worker {
  return intervalWorker('change-expiry', intervalMs, ctx.logger, async () => (await expireDue(ctx)) + (await failInterrupted(ctx)));
}
