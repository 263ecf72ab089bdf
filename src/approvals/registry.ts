import { containerInsightsExecutor } from './executors/container-insights';
import { restartServiceExecutor } from './executors/restart-service';
import { rollbackServiceExecutor } from './executors/rollback-service';
import { scaleInstancesExecutor } from './executors/scale-instances';
import { scaleServiceExecutor } from './executors/scale-service';
import type { ChangeAction, ChangeExecutor } from './types';

/** The executor a feature contributes for one kind of change. */
export interface ExecutorDeclaration {
  action: ChangeAction;
  executor: ChangeExecutor;
}

/** The changes approvals itself makes; other features declare theirs (alarm-admin: alarm-create, alarm-delete). */
export const APPROVAL_EXECUTORS: readonly ExecutorDeclaration[] = [
  { action: 'scale-service', executor: scaleServiceExecutor },
  { action: 'scale-instances', executor: scaleInstancesExecutor },
  { action: 'container-insights', executor: containerInsightsExecutor },
  { action: 'restart-service', executor: restartServiceExecutor },
  { action: 'rollback-service', executor: rollbackServiceExecutor },
];

/** One bot's executors, from what each feature declared; two for the same action are a wiring mistake. */
export class ExecutorRegistry {
  private readonly byAction = new Map<ChangeAction, ChangeExecutor>();

  constructor(declarations: readonly ExecutorDeclaration[]) {
    for (const d of declarations) {
      if (this.byAction.has(d.action)) throw new Error(`two executors are declared for ${d.action}`);
      this.byAction.set(d.action, d.executor);
    }
  }

  get(action: ChangeAction): ChangeExecutor | undefined {
    return this.byAction.get(action);
  }
}
