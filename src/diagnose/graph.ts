import type { RespondArguments } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { scopeKey, type AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import { classifyStop } from '../ecs/diagnosis/stop-causes';
import type { Diagnosis, DiagnosisInput } from '../ecs/diagnosis/types';
import {
  addGraph,
  DEFAULT_DASHBOARD_MS,
  pendingTasksGraph,
  shareInThread,
  taskMemoryGraph,
  type GraphAddition,
  type GraphSpec,
} from '../graphs/api';
import type { Logger } from '../logger';
import type { DiagnosisMessage } from './render';

/**
 * The graph of a diagnosis, beside the finding it shows: the service's desired, running and pending
 * tasks beside a capacity finding that leaves tasks waiting, or, when tasks were killed for running
 * out of memory, their memory against its reservation beside the stopped-tasks finding. One graph per
 * diagnosis (the per-message render limit): the finding listed first, which is the worse, chooses.
 * The diagnosis goes out first; the picture is added by an update when it is ready.
 */
export interface DiagnosisGraph {
  spec: GraphSpec;
  /** The finding the image goes after. */
  after: 'capacity' | 'stopped-tasks';
}

const PROBLEM = new Set(['critical', 'warning']);

export function diagnosisGraph(
  input: DiagnosisInput,
  d: Diagnosis,
  o: { region: string; windowMs?: number },
): DiagnosisGraph | undefined {
  const windowMs = o.windowMs ?? DEFAULT_DASHBOARD_MS;
  const insights = input.cluster.containerInsights === 'enabled' || input.cluster.containerInsights === 'enhanced';
  const kills = (input.stoppedTasks ?? [])
    .map(classifyStop)
    .filter((s) => s.cause === 'oom')
    .map((s) => s.task.stoppedAt)
    .filter((t): t is number => t !== undefined);
  for (const f of d.findings) {
    // Task counts exist only in Container Insights: without it the text says what the graph would.
    if (f.id === 'capacity' && PROBLEM.has(f.severity) && insights && d.counts.desired > d.counts.running)
      return {
        after: 'capacity',
        spec: pendingTasksGraph({
          cluster: d.cluster,
          service: d.service,
          region: o.region,
          now: d.at,
          windowMs,
          ...d.counts,
        }),
      };
    if (f.id === 'stopped-tasks' && f.severity !== 'ok' && kills.length > 0)
      return {
        after: 'stopped-tasks',
        spec: taskMemoryGraph({
          cluster: d.cluster,
          service: d.service,
          region: o.region,
          insights,
          now: d.at,
          windowMs,
          kills,
          memoryPct: input.utilisation?.memory,
          taskMemoryMiB: input.taskDefinition?.memory,
        }),
      };
  }
  return undefined;
}

interface Where {
  scope?: AwsScope;
  log: Logger;
  /** The diagnosis rendered with the graph's image or note in its place. */
  render(add: GraphAddition & { after: DiagnosisGraph['after'] }): DiagnosisMessage;
}

const compose = (g: DiagnosisGraph, w: Where) => (add: GraphAddition) => w.render({ ...add, after: g.after });

/** Adds the graph to the diagnosis posted in a thread (the Diagnose button): chat.update of that reply. */
export function graphInThread(
  ctx: AppContext,
  g: DiagnosisGraph,
  w: Where & { channel: string; threadTs: string; ts: string },
): Promise<unknown> {
  return addGraph(ctx, {
    spec: g.spec,
    key: `${w.channel}:${w.ts}`,
    scope: w.scope,
    log: w.log,
    compose: compose(g, w),
    replace: (m) => ctx.slack.chat.update({ channel: w.channel, ts: w.ts, text: m.text, blocks: m.blocks }),
    share: (png) => shareInThread(ctx.slack, png, { channel: w.channel, threadTs: w.threadTs, title: g.spec.title }),
  });
}

/** Adds the graph to a diagnosis shared with --public: the answer replaced with itself plus the image. */
export function graphInAnswer(
  ctx: AppContext,
  g: DiagnosisGraph,
  w: Where & { channelId: string; respond: (m: RespondArguments) => Promise<unknown> },
): Promise<unknown> {
  const where = w.scope ? scopeKey(w.scope) : '';
  return addGraph(ctx, {
    spec: g.spec,
    key: `diagnose:${w.channelId}:${where}:${JSON.stringify(g.spec.widget.metrics)}`,
    scope: w.scope,
    log: w.log,
    compose: compose(g, w),
    replace: (m) =>
      w.respond({
        response_type: 'in_channel',
        replace_original: true,
        text: m.text,
        blocks: m.blocks as KnownBlock[],
      }),
    share: (png) => shareInThread(ctx.slack, png, { channel: w.channelId, title: g.spec.title }),
  });
}
