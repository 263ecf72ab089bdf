import type { IncidentActions } from '../alarms/api';
import type { AppContext, Feature } from '../context';
import { IncidentFinder } from './find-incident';
import { registerReactionListeners } from './listeners';

/**
 * Reactions on alarm cards (and replies in their threads) act on the alarm, per the REACTIONS mapping:
 * acknowledge, mark handled by hand, silence for an hour; removing the reaction undoes it. With
 * ALARM_MUTE_RULES=true a silence is also a one-time CloudWatch mute rule.
 */
export interface ReactionsOptions {
  /** The alarms feature's acknowledge and silence, which reactions apply. */
  incidents: IncidentActions;
}

export function reactionsFeature(ctx: AppContext, options: ReactionsOptions): Feature {
  const finder = new IncidentFinder(ctx);
  return {
    name: 'reactions',
    register(app) {
      if (Object.keys(ctx.config.reactions).length === 0) {
        ctx.logger.info('REACTIONS=none: reactions on alarm cards do nothing');
        return;
      }
      registerReactionListeners(app, ctx, finder, options.incidents);
    },
  };
}
