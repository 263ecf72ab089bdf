import type { FeatureFactory } from './context';
import { healthFeature, metricsFeature } from './http/health';

/**
 * Every capability of the bot, in one list. Add a feature here; nothing else in the composition
 * root changes.
 */
export const FEATURES: FeatureFactory[] = [healthFeature, metricsFeature];
