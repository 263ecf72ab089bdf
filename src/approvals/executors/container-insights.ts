import { UpdateClusterSettingsCommand } from '@aws-sdk/client-ecs';
import type { AppContext } from '../../context';
import { UsageError } from '../../errors';
import { EcsReader } from '../../aws/ecs';
import { awsCall } from '../../aws/errors';
import type { ChangeExecutor, ChangePlan, ChangeProposal, InsightsValue, StateValue } from '../types';

export const INSIGHTS_VALUES: readonly InsightsValue[] = ['enabled', 'enhanced', 'disabled'];

const setting = (v: string): StateValue => ({ value: v, label: v });

/** Plain-text consequences of moving to a Container Insights setting. */
export function insightsWarnings(from: string, to: InsightsValue): string[] {
  if (to === 'disabled') {
    return [
      'Container Insights metrics stop: alarms on ECS/ContainerInsights metrics get no data (INSUFFICIENT_DATA or per their missing-data setting), and `/ecs query` finds no new performance logs.',
    ];
  }
  const w = [
    'Container Insights metrics are billed as CloudWatch custom metrics, and the performance logs as CloudWatch Logs ingestion.',
  ];
  if (to === 'enhanced')
    w.push('Enhanced observability adds task- and container-level metrics, which cost more than "enabled".');
  if (from === 'enhanced' && to === 'enabled')
    w.push('Task- and container-level metrics (enhanced) stop; alarms on them get no data.');
  return w;
}

/** container-insights: UpdateClusterSettings containerInsights = enabled | enhanced | disabled. */
export const containerInsightsExecutor: ChangeExecutor = {
  validate(p: ChangeProposal) {
    if (!p.insights || !INSIGHTS_VALUES.includes(p.insights)) {
      throw new UsageError(`the Container Insights setting must be one of ${INSIGHTS_VALUES.join(', ')}`);
    }
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const cluster = await new EcsReader(ctx.aws.ecs).getCluster(p.cluster);
    const to = p.insights as InsightsValue;
    if (cluster.containerInsights === to)
      throw new UsageError(`Container Insights is already ${to} on ${cluster.name}; nothing to change`);
    return {
      action: 'container-insights',
      cluster: cluster.name,
      target: cluster.name,
      summary: `Set Container Insights on ${cluster.name} from ${cluster.containerInsights} to ${to}`,
      current: setting(cluster.containerInsights),
      requested: setting(to),
      details: [
        `${cluster.registeredInstances} instances · ${cluster.activeServices} services · ${cluster.runningTasks} running tasks`,
      ],
      effects: ['Applies to the whole cluster from now on; metrics and logs already collected stay.'],
      warnings: insightsWarnings(cluster.containerInsights, to),
      data: {},
    };
  },

  async readCurrent(ctx, plan) {
    return setting((await new EcsReader(ctx.aws.ecs).getCluster(plan.cluster)).containerInsights);
  },

  async execute(ctx, plan) {
    const value = String(plan.requested.value);
    const out = await awsCall('ecs:UpdateClusterSettings', () =>
      ctx.aws.ecs.send(
        new UpdateClusterSettingsCommand({ cluster: plan.cluster, settings: [{ name: 'containerInsights', value }] }),
      ),
    );
    const now = out.cluster?.settings?.find((s) => s.name === 'containerInsights')?.value ?? value;
    return {
      after: { containerInsights: now },
      awsRequestId: out.$metadata?.requestId,
      summary: `Container Insights on ${plan.cluster} is now ${now}. New metrics appear within a few minutes.`,
    };
  },
};
