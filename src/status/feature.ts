import type { App, RespondArguments } from '@slack/bolt';
import { EcsReader } from '../aws/ecs';
import { EcsMetrics, MetricsReader } from '../aws/metrics';
import { scopeKey, type AwsScope, type ScopeFilter } from '../aws/scope';
import type { AppContext, Feature, Subcommand } from '../context';
import { NotFoundError, UsageError } from '../errors';
import type { Logger } from '../logger';
import { ACTIONS, decodeValue } from '../slack/actions';
import { code, mentionUser } from '../slack/mrkdwn';
import { malformedButton, onClick, type Click } from '../slack/clicks';
import {
  accountsOverviewFiles,
  clusterFiles,
  overviewFiles,
  renderAccountsOverview,
  renderCluster,
  renderOverview,
  renderService,
  type Attachment,
  type StatusFile,
  type StatusMessage,
} from './render/status';
import { isEcsName, parseTargetWords } from '../slack/commands/parse';
import {
  alarmScopeFilter,
  locateCluster,
  parseAlarmOrigin,
  SCOPE_FLAGS,
  SCOPE_USAGE,
  scopeFilterOf,
  whereLabel,
  type AlarmOrigin,
} from '../slack/commands/scope-flags';
import { uploadProblem } from '../slack/errors';
import {
  loadAccountsOverview,
  loadCluster,
  loadClusterOrService,
  loadOverview,
  loadService,
  type StatusAnswer,
  type StatusDeps,
} from './load';
import { DEFAULT_DASHBOARD_MS } from '../graphs/api';
import { LIMITS } from '../slack/limits';
import { addPublicGraph, handleShowGraph, parseGraphSince, showGraphBlock, statusGraphSpec } from './graph';
import { uploadWhereAnswered } from '../slack/files';

/**
 * /ecs status — all clusters, one cluster, or one service — and the Status button of alarm cards.
 * Answers are ephemeral by default: at 3 a.m. the person asking is usually still finding out what is
 * wrong, and a channel full of status dumps buries the alarm thread. `--public` shares the answer
 * when it is worth everyone's eyes.
 */

export const STATUS_USAGE = `status [cluster] [service] ${SCOPE_USAGE} [--since 6h|1d] [--public]`;

export type StatusTarget =
  | { kind: 'overview' }
  | { kind: 'cluster'; cluster: string }
  | { kind: 'service'; cluster: string; service: string }
  /** One bare name: a cluster, or a service of the default cluster. */
  | { kind: 'either'; name: string };

/**
 * The words after `status` → what to show. `cluster/service`, `cluster service`, `cluster/`,
 * `/service` (default cluster), a cluster or service ARN, or one bare name.
 */
export function parseStatusTarget(words: string[], defaultCluster?: string): StatusTarget {
  if (words.length === 0) return { kind: 'overview' };
  const t = parseTargetWords(words, STATUS_USAGE);
  if (t.bare) return { kind: 'either', name: t.bare };
  let cluster = t.cluster;
  if (!cluster) {
    if (!defaultCluster) {
      throw new UsageError(
        `no cluster named for service "${(t.service ?? '').slice(0, 80)}", and no default cluster is set (ECS_DEFAULT_CLUSTER)`,
        STATUS_USAGE,
      );
    }
    cluster = defaultCluster;
  }
  if (!t.service) return { kind: 'cluster', cluster };
  return { kind: 'service', cluster, service: t.service };
}

export async function loadStatus(d: StatusDeps, target: StatusTarget, defaultCluster?: string): Promise<StatusAnswer> {
  switch (target.kind) {
    case 'overview':
      return { kind: 'overview', view: await loadOverview(d) };
    case 'cluster':
      return { kind: 'cluster', view: await loadCluster(d, target.cluster) };
    case 'service':
      return { kind: 'service', view: await loadService(d, target.cluster, target.service) };
    case 'either':
      return loadClusterOrService(d, target.name, defaultCluster);
  }
}

/** The readers of each account and region, made once: their task-definition caches outlive a command. */
export interface StatusSources {
  clock: AppContext['clock'];
  readers(scope: AwsScope): Pick<StatusDeps, 'ecs' | 'metrics'>;
}

export function statusSources(ctx: AppContext): StatusSources {
  const made = new Map<string, Pick<StatusDeps, 'ecs' | 'metrics'>>();
  return {
    clock: ctx.clock,
    readers(scope) {
      let r = made.get(scopeKey(scope));
      if (!r) {
        const aws = ctx.accounts.read(scope);
        r = { ecs: new EcsReader(aws.ecs, 5), metrics: new EcsMetrics(new MetricsReader(aws.cloudwatch, 4)) };
        made.set(scopeKey(scope), r);
      }
      return r;
    },
  };
}

/**
 * The status a target asks for, in the account and region it is in. A single-account install reads
 * as it always did; with several accounts or regions, names are looked up across them, the overview
 * covers them all, and cluster and service answers say where they are.
 */
export async function loadStatusIn(
  ctx: AppContext,
  src: StatusSources,
  target: StatusTarget,
  log: Logger,
  o: { flags?: Record<string, string | boolean>; words?: string[]; filter?: ScopeFilter } = {},
): Promise<StatusAnswer> {
  const deps = (s: AwsScope): StatusDeps => ({ ...src.readers(s), clock: src.clock, region: s.region, log });
  const locate = (cluster: string) => locateCluster(ctx, cluster, { ...o, usage: STATUS_USAGE });
  const dflt = ctx.config.defaultCluster;
  if (!ctx.accounts.multi) {
    const [only] = ctx.accounts.locator.scopes(scopeFilterOf(o.flags ?? {}, STATUS_USAGE));
    const a = await loadStatus(deps(only), target, dflt);
    return a.kind === 'cluster' || a.kind === 'service' ? { ...a, scope: only } : a;
  }
  switch (target.kind) {
    case 'overview': {
      const scopes = ctx.accounts.locator.scopes({ ...o.filter, ...scopeFilterOf(o.flags ?? {}, STATUS_USAGE) });
      const view = await loadAccountsOverview(scopes, deps, (a) => ctx.accounts.accountId(a), log, src.clock.now());
      return { kind: 'accounts', view };
    }
    case 'cluster': {
      const t = await locate(target.cluster);
      const view = await loadCluster(deps(t), t.cluster);
      return { kind: 'cluster', view: { ...view, where: whereLabel(ctx, t) }, scope: scopeOf(t) };
    }
    case 'service': {
      const t = await locate(target.cluster);
      const view = await loadService(deps(t), t.cluster, target.service);
      return { kind: 'service', view: { ...view, where: whereLabel(ctx, t) }, scope: scopeOf(t) };
    }
    case 'either': {
      try {
        const t = await locate(target.name);
        const view = await loadCluster(deps(t), t.cluster);
        return { kind: 'cluster', view: { ...view, where: whereLabel(ctx, t) }, scope: scopeOf(t) };
      } catch (err) {
        if (!(err instanceof NotFoundError) || !dflt || dflt === target.name) throw err;
        const t = await locateCluster(ctx, dflt, { usage: STATUS_USAGE });
        try {
          const view = await loadService(deps(t), t.cluster, target.name);
          return { kind: 'service', view: { ...view, where: whereLabel(ctx, t) }, scope: scopeOf(t) };
        } catch (err2) {
          if (!(err2 instanceof NotFoundError)) throw err2;
          throw new NotFoundError(
            `${err.message}, and no service "${target.name}" in the default cluster "${dflt}"`,
            [...err.suggestions, ...err2.suggestions].slice(0, 5),
          );
        }
      }
    }
  }
}

const scopeOf = (s: AwsScope): AwsScope => ({ account: s.account, region: s.region });

function filesFor(a: StatusAnswer): StatusFile[] {
  if (a.kind === 'overview') return overviewFiles(a.view);
  if (a.kind === 'accounts') return accountsOverviewFiles(a.view);
  if (a.kind === 'cluster') return clusterFiles(a.view);
  return [];
}

function render(a: StatusAnswer, attachment: Attachment): StatusMessage {
  if (a.kind === 'overview') return renderOverview(a.view, attachment);
  if (a.kind === 'accounts') return renderAccountsOverview(a.view, attachment);
  if (a.kind === 'cluster') return renderCluster(a.view, attachment);
  return renderService(a.view);
}

function subjectOf(a: StatusAnswer): string {
  if (a.kind === 'overview' || a.kind === 'accounts') return 'every cluster';
  if (a.kind === 'cluster') return `cluster ${code(a.view.cluster.name)}`;
  return `${code(`${a.view.cluster.name}/${a.view.service.name}`)}`;
}

export interface AnswerOptions {
  channelId: string;
  userId: string;
  responseType: 'ephemeral' | 'in_channel';
  replaceOriginal?: boolean;
  log: Logger;
  /** How far back the graph reaches (--since). */
  windowMs?: number;
}

/** Attaches the full tables (when the answer is summarised) where the answer goes, then answers. */
export async function answerStatus(
  ctx: AppContext,
  a: StatusAnswer,
  o: AnswerOptions,
  respond: (m: RespondArguments) => Promise<unknown>,
): Promise<void> {
  const files = filesFor(a);
  let attachment: Attachment = { ok: true };
  if (files.length > 0) {
    try {
      const place = await uploadWhereAnswered(ctx.slack, {
        private: o.responseType === 'ephemeral',
        channelId: o.channelId,
        userId: o.userId,
        comment:
          o.responseType === 'ephemeral'
            ? `Full status of ${subjectOf(a)}: the full tables, for you only`
            : `Full status of ${subjectOf(a)} for ${mentionUser(o.userId)}`,
        files,
      });
      attachment = { ok: true, place };
    } catch (err) {
      attachment = { ok: false, reason: uploadProblem(err) };
      o.log.warn({ err }, 'status file upload failed');
    }
  }
  const msg = render(a, attachment);
  const windowMs = o.windowMs ?? DEFAULT_DASHBOARD_MS;
  const scope = a.kind === 'cluster' || a.kind === 'service' ? a.scope : undefined;
  const button = o.responseType === 'ephemeral' ? showGraphBlock(a, windowMs, scope) : undefined;
  const blocks = button && msg.blocks.length < LIMITS.blocksPerMessage ? [...msg.blocks, button] : msg.blocks;
  await respond({
    response_type: o.responseType,
    ...(o.replaceOriginal === false ? { replace_original: false } : {}),
    text: msg.text,
    blocks,
  });
  const spec =
    o.responseType === 'in_channel'
      ? statusGraphSpec(a, { now: ctx.clock.now(), windowMs, region: scope?.region ?? ctx.config.aws.region })
      : undefined;
  if (spec) {
    // The answer stands on its own; its picture follows when ready.
    void ctx.track(
      addPublicGraph(
        ctx,
        {
          channelId: o.channelId,
          text: msg.text,
          blocks: msg.blocks,
          spec,
          key: `status:${o.channelId}:${JSON.stringify(spec.widget.metrics)}:${windowMs}`,
          scope,
          log: o.log,
        },
        respond,
      ),
    );
  }
  o.log.info(
    { status: a.kind, files: files.length, attached: attachment.ok, blocks: msg.blocks.length },
    'status answered',
  );
}

export function statusSubcommand(src: StatusSources): Subcommand {
  return {
    name: 'status',
    usage: STATUS_USAGE,
    summary:
      'Every cluster (of every account and region); one cluster (services, capacity); or one service (`cluster/service`: deployments, tasks, utilisation). Only you see it unless --public',
    flags: { public: 'boolean', since: 'string', ...SCOPE_FLAGS },
    async run(inv, ctx) {
      const target = parseStatusTarget(inv.args.positional, ctx.config.defaultCluster);
      const windowMs = parseGraphSince(inv.args.flags.since, STATUS_USAGE);
      const answer = await loadStatusIn(ctx, src, target, inv.log, {
        flags: inv.args.flags,
        words: inv.args.positional,
      });
      await answerStatus(
        ctx,
        answer,
        {
          channelId: inv.channelId,
          userId: inv.userId,
          responseType: inv.args.flags.public === true ? 'in_channel' : 'ephemeral',
          log: inv.log,
          windowMs,
        },
        inv.respond,
      );
    },
  };
}

/** The Status button's value on alarm cards: incident key, cluster, service, account ID and region (each optional). */
export interface AlarmStatusValue extends AlarmOrigin {
  k?: string;
  c?: string;
  s?: string;
}

const optionalName = (x: unknown): string | undefined | false =>
  x === undefined || x === null || x === '' ? undefined : typeof x === 'string' && isEcsName(x) ? x : false;

/** Validates a Status button value; undefined when anything is off (wrong type, invalid name, too long). */
export function parseAlarmStatusValue(raw: string | undefined): AlarmStatusValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  const c = optionalName(v.c);
  const s = optionalName(v.s);
  if (c === false || s === false) return undefined;
  if (v.k !== undefined && (typeof v.k !== 'string' || v.k.length > 512)) return undefined;
  const origin = parseAlarmOrigin(v);
  if (origin === false) return undefined;
  return { k: v.k as string | undefined, c, s, ...origin };
}

/**
 * What the Status button shows: the alarm's service, else its cluster. An alarm tied to no cluster
 * (a raw CloudWatch alarm) falls back to ECS_DEFAULT_CLUSTER, else to every cluster.
 */
export function alarmStatusTarget(v: AlarmStatusValue, defaultCluster?: string): StatusTarget {
  const cluster = v.c ?? defaultCluster;
  if (!cluster) return { kind: 'overview' };
  return v.s ? { kind: 'service', cluster, service: v.s } : { kind: 'cluster', cluster };
}

/** Shows the status of an alarm's service (or cluster) to whoever clicked, as an ephemeral reply. */
export async function handleAlarmStatus(ctx: AppContext, src: StatusSources, c: Click): Promise<void> {
  const value = parseAlarmStatusValue(c.value);
  if (!value) throw malformedButton('it names no valid cluster or service', 'status <cluster>/<service>');
  if (value.k) c.log.info({ incident: value.k, cluster: value.c, service: value.s }, 'status button clicked');
  const filter = await alarmScopeFilter(ctx, value);
  const answer = await loadStatusIn(ctx, src, alarmStatusTarget(value, ctx.config.defaultCluster), c.log, { filter });
  await answerStatus(
    ctx,
    answer,
    { channelId: c.channelId ?? '', userId: c.userId, responseType: 'ephemeral', replaceOriginal: false, log: c.log },
    c.respond,
  );
}

/** The /ecs status capability: the subcommand and the alarm card's Status button. */
export function statusFeature(ctx: AppContext): Feature {
  const src = statusSources(ctx);
  return {
    name: 'status',
    subcommands: [statusSubcommand(src)],
    register(app: App) {
      onClick(app, ctx, ACTIONS.alarmStatus, (c) => handleAlarmStatus(ctx, src, c), { component: 'status' });
      onClick(
        app,
        ctx,
        ACTIONS.statusGraph,
        (c) =>
          handleShowGraph(ctx, c, async (v, log) => {
            const answer = await loadStatusIn(
              ctx,
              src,
              v.s ? { kind: 'service', cluster: v.c, service: v.s } : { kind: 'cluster', cluster: v.c },
              log,
              { filter: { ...(v.a ? { account: v.a } : {}), ...(v.r ? { region: v.r } : {}) } },
            );
            return { answer, scope: answer.kind === 'cluster' || answer.kind === 'service' ? answer.scope : undefined };
          }),
        { component: 'status' },
      );
    },
  };
}
