import type { RespondArguments } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import { UsageError } from '../errors';
import type { Logger } from '../logger';
import {
  addGraph,
  DEFAULT_DASHBOARD_MS,
  clusterDashboard,
  graphNote,
  graphRenderer,
  isUploadDenied,
  serviceDashboard,
  shareInThread,
  slackCode,
  type GraphSpec,
} from '../graphs/api';
import { ACTIONS, decodeValue, encodeValue } from '../slack/actions';
import { totalTextLength } from '../slack/block-budget';
import { LIMITS } from '../slack/limits';
import { code, mentionUser } from '../slack/mrkdwn';
import { isEcsName } from '../slack/commands/parse';
import { malformedButton, type Click } from '../slack/clicks';
import type { StatusAnswer } from './load';
import { hasInsights } from './load';
import { capacityTotals } from './render/status-cluster';

/**
 * The graph of a status answer: the service's dashboard (tasks, CPU and memory against the
 * reservation) or the cluster's (reservation, utilisation, instances). A public answer goes out
 * first and gets its image by a replacement once it is ready; an ephemeral answer gets a Show graph
 * button instead (Slack does not promise to show a bot-private file to the reader of an ephemeral
 * message), which posts the graph to the channel where everyone sees it.
 */

const MAX_SINCE_MS = 7 * 86_400_000;

/** `--since 6h` / `1d`: how far back a status graph reaches (default 3 h, at most 7 d). */
export function parseGraphSince(flag: unknown, usage: string): number {
  if (flag === undefined || flag === false) return DEFAULT_DASHBOARD_MS;
  const m = typeof flag === 'string' ? /^(\d{1,3})\s*(h|d)$/i.exec(flag.trim()) : null;
  if (!m)
    throw new UsageError(`--since takes hours or days such as 6h or 1d, not "${String(flag).slice(0, 20)}"`, usage);
  const ms = Number(m[1]) * (m[2].toLowerCase() === 'd' ? 86_400_000 : 3_600_000);
  if (ms < 3_600_000 || ms > MAX_SINCE_MS) throw new UsageError('--since must be between 1h and 7d', usage);
  return ms;
}

const lastValue = (ps: { value: number }[] | undefined) => (ps?.length ? ps[ps.length - 1].value : undefined);

/** The graph a status answer shows, if any (the overviews have none). */
export function statusGraphSpec(
  a: StatusAnswer,
  o: { now: number; windowMs: number; region: string },
): GraphSpec | undefined {
  if (a.kind === 'service') {
    const v = a.view;
    return serviceDashboard({
      cluster: v.cluster.name,
      service: v.service.name,
      region: o.region,
      insights: v.history ? v.history.source === 'container-insights' : hasInsights(v.cluster),
      now: o.now,
      windowMs: o.windowMs,
      desired: v.service.desired,
      running: v.service.running,
      pending: v.service.pending,
      cpu: lastValue(v.history?.cpu),
      memory: lastValue(v.history?.memory),
    });
  }
  if (a.kind === 'cluster') {
    const v = a.view;
    const cap = capacityTotals(v.instances);
    return clusterDashboard({
      cluster: v.cluster.name,
      region: o.region,
      insights: hasInsights(v.cluster),
      now: o.now,
      windowMs: o.windowMs,
      instances: v.cluster.registeredInstances,
      cpu: v.clusterUtil?.cpu,
      memory: v.clusterUtil?.memory,
      // CloudWatch's reservation when it was read, else what the ECS API says the instances hold.
      cpuReservation: v.clusterUtil?.cpuReservation ?? cap.cpuReservedPct,
      memoryReservation: v.clusterUtil?.memoryReservation ?? cap.memoryReservedPct,
    });
  }
  return undefined;
}

/** What the Show graph button carries: the target, the window in hours, and where it is. */
export interface ShowGraphValue {
  c: string;
  s?: string;
  h: number;
  a?: string;
  r?: string;
}

export function parseShowGraphValue(raw: string | undefined): ShowGraphValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  if (typeof v.c !== 'string' || !isEcsName(v.c)) return undefined;
  if (v.s !== undefined && (typeof v.s !== 'string' || !isEcsName(v.s))) return undefined;
  if (typeof v.h !== 'number' || !Number.isInteger(v.h) || v.h < 1 || v.h > 168) return undefined;
  for (const k of ['a', 'r'] as const)
    if (v[k] !== undefined && (typeof v[k] !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(v[k] as string)))
      return undefined;
  return v as unknown as ShowGraphValue;
}

/** The Show graph button of an ephemeral answer. */
export function showGraphBlock(a: StatusAnswer, windowMs: number, scope: AwsScope | undefined): KnownBlock | undefined {
  if (a.kind !== 'service' && a.kind !== 'cluster') return undefined;
  const target = { cluster: a.view.cluster.name, ...(a.kind === 'service' ? { service: a.view.service.name } : {}) };
  return showGraphButton(target, windowMs, scope);
}

/**
 * A Show graph button for the dashboard of a cluster or service (any ephemeral answer about it): a
 * click posts the dashboard to the channel, where everyone sees it.
 */
export function showGraphButton(
  t: { cluster: string; service?: string },
  windowMs: number,
  scope: AwsScope | undefined,
): KnownBlock {
  const value: ShowGraphValue = {
    c: t.cluster,
    ...(t.service ? { s: t.service } : {}),
    h: Math.round(windowMs / 3_600_000),
    ...(scope ? { a: scope.account, r: scope.region } : {}),
  };
  return {
    type: 'actions',
    block_id: 'status.graph',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: ':chart_with_upwards_trend: Show graph', emoji: true },
        action_id: ACTIONS.statusGraph,
        value: encodeValue({ ...value }),
      },
    ],
  };
}

/** The answer with its image added, or undefined when the message has no room left for one. */
function withImage(blocks: KnownBlock[], image: KnownBlock): KnownBlock[] | undefined {
  if (blocks.length >= LIMITS.blocksPerMessage) return undefined;
  const next = [...blocks, image];
  return totalTextLength(next) <= LIMITS.cumulativeBlockText ? next : undefined;
}

export interface PublicGraphOptions {
  channelId: string;
  text: string;
  blocks: KnownBlock[];
  spec: GraphSpec;
  /** The renderer's key: one render per answer per minute. */
  key: string;
  scope?: AwsScope;
  log: Logger;
}

/**
 * Adds the graph to a public answer already sent (addGraph): the answer replaced with itself plus the
 * image, or with one footer line when the bot may not render or upload; the picture is shared to the
 * channel when Slack keeps refusing it in the answer. Never throws.
 */
export async function addPublicGraph(
  ctx: AppContext,
  o: PublicGraphOptions,
  respond: (m: RespondArguments) => Promise<unknown>,
): Promise<void> {
  await addGraph(ctx, {
    spec: o.spec,
    key: o.key,
    scope: o.scope,
    log: o.log,
    compose: (add) => {
      const extra: KnownBlock =
        'image' in add ? add.image : { type: 'context', elements: [{ type: 'mrkdwn', text: add.note }] };
      const blocks = withImage(o.blocks, extra);
      return blocks ? { text: o.text, blocks } : undefined;
    },
    replace: (m) => respond({ response_type: 'in_channel', replace_original: true, text: m.text, blocks: m.blocks }),
    share: (png) => shareInThread(ctx.slack, png, { channel: o.channelId, title: o.spec.title }),
  });
}

/**
 * The Show graph button: renders the dashboard the ephemeral answer described and posts it to the
 * channel, where every reader sees it. At most once a minute per channel and target.
 */
export async function handleShowGraph(
  ctx: AppContext,
  c: Click,
  load: (v: ShowGraphValue, log: Logger) => Promise<{ answer: StatusAnswer; scope?: AwsScope }>,
): Promise<string | void> {
  const v = parseShowGraphValue(c.value);
  const channel = c.channelId;
  if (!v || !channel)
    throw malformedButton('it names no valid cluster or service', 'status <cluster>/<service> --public');
  const target = v.s ? `${v.c}/${v.s}` : v.c;
  const key = `show:${channel}:${v.a ?? ''}:${v.r ?? ''}:${target}:${v.h}`;
  const renderer = graphRenderer(ctx);
  const wait = (await renderer.nextRenderAt(key)) - ctx.clock.now();
  if (wait > 0)
    return `:hourglass: A graph of ${code(target)} was posted to this channel less than a minute ago; look just above, or try again in ${Math.ceil(wait / 1000)} s.`;
  const { answer, scope } = await load(v, c.log);
  const spec = statusGraphSpec(answer, {
    now: ctx.clock.now(),
    windowMs: v.h * 3_600_000,
    region: scope?.region ?? ctx.config.aws.region,
  });
  if (!spec) return;
  const r = await renderer.render(key, spec.widget, ctx.accounts.read(scope).cloudwatch);
  if (r.kind === 'denied') return graphNote('metrics-denied');
  if (r.kind === 'limited') return ':hourglass: A graph of this was just posted; look just above.';
  if (r.kind !== 'png') return ':warning: The graph could not be drawn right now; try again in a minute.';
  try {
    await shareInThread(ctx.slack, r.png, {
      channel,
      title: spec.title,
      comment: `${code(target)}, last ${v.h} h, for ${mentionUser(c.userId)}`,
    });
  } catch (err) {
    c.log.info({ code: slackCode(err) }, 'show-graph upload failed');
    return isUploadDenied(err)
      ? graphNote('upload-denied')
      : ':warning: Slack did not take the graph (is the bot in this channel? `/invite` it).';
  }
  c.log.info({ target }, 'status graph posted to the channel');
}
