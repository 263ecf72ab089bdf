import type { Changes, ExecutorDeclaration } from '../approvals/api';
import type { AppContext, Feature } from '../context';
import { alarmCommand, alarmsCommand } from './commands';
import { alarmCreateExecutor, alarmDeleteExecutor } from './executors';

/**
 * Creating and deleting an alarm are changes to AWS, so they run only as these approval executors,
 * which features.ts hands to the approvals feature.
 */
export const ALARM_ADMIN_EXECUTORS: readonly ExecutorDeclaration[] = [
  { action: 'alarm-create', executor: alarmCreateExecutor },
  { action: 'alarm-delete', executor: alarmDeleteExecutor },
];

export interface AlarmAdminOptions {
  /** Where `/ecs alarm create|delete` files its change requests. */
  changes: Changes;
}

/** `/ecs alarms` and `/ecs alarm create|delete`. */
export function alarmAdminFeature(_ctx: AppContext, options: AlarmAdminOptions): Feature {
  return { name: 'alarm-admin', subcommands: [alarmsCommand, alarmCommand(options.changes)] };
}
