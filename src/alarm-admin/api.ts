/** What alarm-admin offers the other features; they import alarm-admin only through this file (lint). */
export { loadOpenAlarms, type OpenAlarmView } from './open-alarms';
export { alarmLine } from './render/alarm-list';
export { CloudWatchAlarms } from './cloudwatch-alarms';
export { describeAction, nonSnsActions } from './model';
export { checkAlarmTopic } from './topic-check';
