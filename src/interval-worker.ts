import type { Logger } from './logger';
import type { Worker } from './context';

/**
 * A Worker that runs `fn` every `intervalMs` (never overlapping itself), and once at start.
 * Tests skip start() and call runOnce() instead, so no timer decides an assertion.
 */
export function intervalWorker(name: string, intervalMs: number, log: Logger, fn: () => Promise<number>): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  const runOnce = () => {
    running ??= fn().finally(() => {
      running = undefined;
    });
    return running;
  };
  const loop = async () => {
    if (stopped) return;
    try {
      await runOnce();
    } catch (err) {
      log.error({ err, worker: name }, 'worker run failed');
    }
    if (!stopped) {
      timer = setTimeout(() => void loop(), intervalMs);
      timer.unref?.();
    }
  };
  return {
    name,
    start() {
      if (!stopped) return;
      stopped = false;
      void loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    runOnce,
  };
}
