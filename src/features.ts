import { approvalsFeature } from './approvals/feature';
import { statusFeature } from './commands/status';
import type { FeatureFactory } from './context';
import { doctorFeature } from './doctor/feature';
import { healthFeature, metricsFeature } from './http/health';
import { queryFeature } from './queries/feature';

/**
 * Every capability of the bot, in one list. Add a feature here; nothing else in the composition
 * root changes.
 */
export const FEATURES: FeatureFactory[] = [healthFeature, metricsFeature, doctorFeature, queryFeature, statusFeature, approvalsFeature];
