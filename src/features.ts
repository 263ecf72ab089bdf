import { alarmAdminFeature } from './alarm-admin/feature';
import { mentionFeature } from './mention/feature';
import { alarmsFeature } from './alarms/feature';
import { approvalsFeature } from './approvals/feature';
import { statusFeature } from './status/feature';
import type { FeatureFactory } from './context';
import { diagnoseFeature } from './diagnose/feature';
import { doctorFeature } from './doctor/feature';
import { homeFeature } from './home/feature';
import { logsFeature } from './logs/feature';
import { healthFeature, metricsFeature } from './http/health';
import { queryFeature } from './queries/feature';
import { reactionsFeature } from './reactions/feature';

/**
 * Every capability of the bot, in one list. Add a feature here; nothing else in the composition
 * root changes.
 */
export const FEATURES: FeatureFactory[] = [
  healthFeature,
  metricsFeature,
  doctorFeature,
  queryFeature,
  statusFeature,
  approvalsFeature,
  diagnoseFeature,
  logsFeature,
  alarmsFeature,
  alarmAdminFeature,
  reactionsFeature,
  homeFeature,
  mentionFeature,
];
