import type { RespondArguments } from '@slack/bolt';
import type { ClusterSummary } from '../../ecs/model';
import { code, escapeText } from '../../slack/mrkdwn';

const MEANING: Record<string, string> = {
  disabled: 'no Container Insights metrics or performance logs are collected',
  enabled:
    'cluster-, service- and task-family-level metrics in ECS/ContainerInsights, and performance logs for `/ecs query`',
  enhanced: 'everything "enabled" collects plus task- and container-level metrics (enhanced observability, costs more)',
  unknown: 'the setting could not be read',
};

/** `/ecs insights <cluster>`: the setting, what it means, and the commands that change it. */
export function renderInsightsSetting(c: ClusterSummary): RespondArguments {
  const others = (['enable', 'enhanced', 'disable'] as const).filter(
    (v) => ({ enable: 'enabled', enhanced: 'enhanced', disable: 'disabled' })[v] !== c.containerInsights,
  );
  const text = `Container Insights on ${code(c.name)}: *${c.containerInsights}* — ${MEANING[c.containerInsights] ?? MEANING.unknown}.`;
  return {
    response_type: 'ephemeral',
    text: escapeText(`Container Insights on ${c.name}: ${c.containerInsights}`),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `To change it (an approver must approve): ${others.map((v) => code(`/ecs insights ${c.name} ${v}`)).join(' · ')}. Add ${code('--dry-run')} to see the plan first.`,
          },
        ],
      },
    ],
  };
}
