// Linted as src/alarm-admin/<file>.ts and as a file of another feature: the alarm writer.
import { CloudWatchAlarmWriter } from './cloudwatch-alarm-writer';
import { CloudWatchAlarms } from './cloudwatch-alarms';

export const used: unknown[] = [CloudWatchAlarmWriter, CloudWatchAlarms];
