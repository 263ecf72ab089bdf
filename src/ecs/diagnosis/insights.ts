import type { Facts } from './facts';
import type { DiagnosisInput, Finding } from './types';

/** How to turn Container Insights on from Slack (an approval-gated change). */
export function enableInsightsHint(cluster: string): string {
  return `Enable it with \`/ecs insights ${cluster} enable\` (needs an approver).`;
}

/** Container Insights disabled: no utilisation, no PendingTaskCount metric, and how to enable it. */
export function insightsFinding(input: DiagnosisInput, _f: Facts): Finding | undefined {
  const setting = input.cluster.containerInsights;
  if (setting !== 'disabled') return undefined;
  return {
    id: 'insights',
    severity: 'info',
    title: `Container Insights is disabled on cluster ${input.cluster.name}`,
    detail: `Without it there is no per-service CPU and memory utilisation and no PendingTaskCount metric to alarm on. ${enableInsightsHint(input.cluster.name)}`,
    evidence: [`Cluster setting containerInsights = ${setting}`],
  };
}
