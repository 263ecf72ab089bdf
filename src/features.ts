import { ALARM_ADMIN_EXECUTORS, alarmAdminFeature } from './alarm-admin/feature';
import { mentionFeature } from './mention/feature';
import { alarmsFeature, type AlarmsOptions } from './alarms/feature';
import { approvalsFeature } from './approvals/feature';
import type { ApprovalsOptions } from './approvals/runtime';
import { statusFeature } from './status/feature';
import type { AppContext, Feature } from './context';
import { deploymentsFeature } from './deployments/feature';
import { diagnoseFeature } from './diagnose/feature';
import type { DiagnoseOptions } from './diagnose/watch';
import { doctorFeature } from './doctor/feature';
import { homeFeature } from './home/feature';
import { healthFeature, metricsFeature } from './http/health';
import { logsFeature } from './logs/feature';
import { queryFeature, type QueryOptions } from './queries/feature';
import { reactionsFeature } from './reactions/feature';

/** Each feature's own options, typed where the feature declares them (tests shorten intervals, fix lease owners, swap fakes in). */
export interface FeatureOptions extends AlarmsOptions, QueryOptions {
  approvals?: ApprovalsOptions;
  diagnose?: DiagnoseOptions;
}

/**
 * Every capability of the bot, in one list, built for one context with its options. Add a feature
 * here; nothing else in the composition root changes.
 */
export function buildFeatures(ctx: AppContext, options: FeatureOptions = {}): Feature[] {
  // Features hand each other what they offer here, typed: the change requests (with the approval
  // policy and every executor declared), and the incident actions of the alarms feature.
  const approvals = approvalsFeature(ctx, {
    ...options.approvals,
    executors: [...ALARM_ADMIN_EXECUTORS, ...(options.approvals?.executors ?? [])],
  });
  const { changes } = approvals;
  const alarms = alarmsFeature(ctx, options);
  return [
    healthFeature(ctx),
    metricsFeature(ctx),
    doctorFeature(ctx, { policy: changes.policy }),
    queryFeature(ctx, { policy: changes.policy }, options),
    statusFeature(ctx),
    approvals,
    diagnoseFeature(ctx, options.diagnose, { policy: changes.policy }),
    logsFeature(ctx),
    deploymentsFeature(ctx),
    alarms,
    alarmAdminFeature(ctx, { changes }),
    reactionsFeature(ctx, { incidents: alarms.incidents }),
    homeFeature(ctx, { changes }),
    mentionFeature(ctx),
  ];
}
