import type { KnownBlock } from '@slack/types';
import type { AppContext } from '../context';
import { EcsReader } from '../aws/ecs';
import { addGraph, rolloutGraph, shareInThread, type GraphAddition, type GraphSpec } from '../graphs/api';
import { clipMrkdwn } from '../slack/mrkdwn';
import { LIMITS } from '../slack/limits';
import type { Rollout } from '../store/rollouts';
import type { RolloutProgress } from './render/change-request';

/**
 * The follow-up graph: when a followed change ends (reached, stopped or timed out), the thread line
 * that says so carries desired against running over the change, from the request's execution to the
 * end. The line goes out first; the picture is added by an update, off the follower's loop.
 */

/** The line with the image (or the note saying why there is none) under it. */
export function rolloutLineWithGraph(text: string, add: GraphAddition): { text: string; blocks: KnownBlock[] } {
  const line: KnownBlock = { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(text, LIMITS.sectionText) } };
  const extra: KnownBlock =
    'image' in add ? add.image : { type: 'context', elements: [{ type: 'mrkdwn', text: add.note }] };
  return { text, blocks: [line, extra] };
}

const shortTaskDef = (td: string) => td.replace(/^arn:[^/]+\//, '');

/** The graph of a finished rollout, or undefined when there is none to draw (no task counts without Container Insights). */
export function rolloutGraphSpec(
  r: Rollout,
  p: RolloutProgress,
  o: { endedAt: number; outcome: string; region: string; insights: boolean },
): GraphSpec | undefined {
  const base = { region: o.region, changedAt: r.startedAt, endedAt: o.endedAt, outcome: o.outcome };
  if (p.kind === 'instances' && r.target.kind === 'instances')
    return rolloutGraph({
      ...base,
      kind: 'instances',
      cluster: r.target.cluster,
      group: r.target.group,
      insights: o.insights,
      changeLabel: `desired ${r.target.desired} instances`,
      desired: p.desiredNow,
      inService: p.inService,
    });
  if (!o.insights || r.target.kind === 'instances' || p.kind === 'instances') return undefined;
  return rolloutGraph({
    ...base,
    kind: 'tasks',
    cluster: r.target.cluster,
    service: r.target.service,
    changeLabel:
      r.target.kind === 'deployment'
        ? `deployment of ${shortTaskDef(r.target.taskDefinition)}`
        : `desired ${r.target.desired} tasks`,
    desired: p.kind === 'service' ? p.desiredNow : p.desired,
    running: p.running,
  });
}

/**
 * Adds the graph to the final line `ts` of rollout `r` in the background (the caller does not wait).
 * Reads whether the cluster has Container Insights first: without it ECS has no task counts to draw.
 */
export function followUpGraph(
  ctx: AppContext,
  r: Rollout,
  p: RolloutProgress,
  line: { ts: string; text: string; outcome: string },
): void {
  const log = ctx.logger.child({ rolloutId: r.id });
  const endedAt = ctx.clock.now();
  const work = async () => {
    const aws = r.target.where ? ctx.accounts.read(r.target.where) : ctx.aws;
    const cluster = await new EcsReader(aws.ecs).getCluster(r.target.cluster);
    const insights = cluster.containerInsights === 'enabled' || cluster.containerInsights === 'enhanced';
    const spec = rolloutGraphSpec(r, p, {
      endedAt,
      outcome: line.outcome,
      region: r.target.where?.region ?? ctx.config.aws.region,
      insights,
    });
    if (!spec) return;
    await addGraph(ctx, {
      spec,
      key: `${r.channel}:${line.ts}`,
      scope: r.target.where,
      log,
      compose: (add) => rolloutLineWithGraph(line.text, add),
      replace: (m) => ctx.slack.chat.update({ channel: r.channel, ts: line.ts, text: m.text, blocks: m.blocks }),
      share: (png) => shareInThread(ctx.slack, png, { channel: r.channel, threadTs: r.threadTs, title: spec.title }),
    });
  };
  void ctx.track(work().catch((err: unknown) => log.warn({ err }, 'rollout graph not added (the line stands)')));
}
