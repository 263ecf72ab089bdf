import { containerInsightsExecutor } from './executors/container-insights';
import { scaleInstancesExecutor } from './executors/scale-instances';
import { scaleServiceExecutor } from './executors/scale-service';
import type { ChangeAction, ChangeExecutor } from './types';

const executors = new Map<ChangeAction, ChangeExecutor>([
  ['scale-service', scaleServiceExecutor],
  ['scale-instances', scaleInstancesExecutor],
  ['container-insights', containerInsightsExecutor],
]);

/** Adds (or replaces) the executor of an action; issue 7 registers alarm-create and alarm-delete. */
export function registerExecutor(action: ChangeAction, executor: ChangeExecutor): void {
  executors.set(action, executor);
}

export function executorFor(action: ChangeAction): ChangeExecutor | undefined {
  return executors.get(action);
}
