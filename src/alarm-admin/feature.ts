import { registerExecutor } from '../approvals/api';
import type { AppContext, Feature } from '../context';
import { alarmCommand, alarmsCommand } from './commands';
import { alarmCreateExecutor, alarmDeleteExecutor } from './executors';

/**
 * `/ecs alarms` and `/ecs alarm create|delete`. Creating and deleting an alarm are changes to AWS, so
 * they run only as the approval flow's alarm-create and alarm-delete executors, registered here.
 */
export function alarmAdminFeature(_ctx: AppContext): Feature {
  registerExecutor('alarm-create', alarmCreateExecutor);
  registerExecutor('alarm-delete', alarmDeleteExecutor);
  return { name: 'alarm-admin', subcommands: [alarmsCommand, alarmCommand] };
}
