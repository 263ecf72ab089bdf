import type { App, BlockButtonAction, RespondArguments, RespondFn } from '@slack/bolt';
import { EcsReader } from '../aws/ecs';
import { EcsMetrics, MetricsReader } from '../aws/metrics';
import type { AppContext, Feature, Subcommand } from '../context';
import { UsageError, UserFacingError } from '../errors';
import type { Logger } from '../logger';
import { ACTIONS, decodeValue } from '../slack/actions';
import { code, mentionUser } from '../slack/mrkdwn';
import { renderError } from '../slack/commands/help';
import {
  clusterFiles,
  overviewFiles,
  renderCluster,
  renderOverview,
  renderService,
  type Attachment,
  type StatusFile,
  type StatusMessage,
} from './render/status';
import { isEcsName, parseTargetWords } from '../slack/commands/parse';
import {
  loadCluster,
  loadClusterOrService,
  loadOverview,
  loadService,
  type StatusAnswer,
  type StatusDeps,
} from './load';

/**
 * /ecs status — all clusters, one cluster, or one service — and the Status button of alarm cards.
 * Answers are ephemeral by default: at 3 a.m. the person asking is usually still finding out what is
 * wrong, and a channel full of status dumps buries the alarm thread. `--public` shares the answer
 * when it is worth everyone's eyes.
 */

export const STATUS_USAGE = 'status [cluster] [service] [--public]';

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

function filesFor(a: StatusAnswer): StatusFile[] {
  if (a.kind === 'overview') return overviewFiles(a.view);
  if (a.kind === 'cluster') return clusterFiles(a.view);
  return [];
}

function render(a: StatusAnswer, attachment: Attachment): StatusMessage {
  if (a.kind === 'overview') return renderOverview(a.view, attachment);
  if (a.kind === 'cluster') return renderCluster(a.view, attachment);
  return renderService(a.view);
}

function subjectOf(a: StatusAnswer): string {
  if (a.kind === 'overview') return 'every cluster';
  if (a.kind === 'cluster') return `cluster ${code(a.view.cluster.name)}`;
  return `${code(`${a.view.cluster.name}/${a.view.service.name}`)}`;
}

/** Why an upload failed, in words an on-call engineer can act on. */
function uploadProblem(err: unknown): string {
  const e = (err as { data?: { error?: string }; code?: string }) ?? {};
  const slackError = e.data?.error;
  if (slackError === 'not_in_channel' || slackError === 'channel_not_found')
    return 'the bot is not in this channel; invite it with /invite';
  if (slackError === 'missing_scope') return 'the bot lacks the files:write scope';
  if (slackError) return `Slack answered ${slackError}`;
  if (e.code === 'slack_webapi_rate_limited_error') return 'Slack is rate-limiting uploads; try again in a minute';
  return 'the upload failed';
}

export interface AnswerOptions {
  channelId: string;
  userId: string;
  responseType: 'ephemeral' | 'in_channel';
  replaceOriginal?: boolean;
  log: Logger;
}

/** Attaches the full tables (when the answer is summarised) to the channel, then answers. */
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
      await ctx.slack.filesUploadV2({
        channel_id: o.channelId,
        initial_comment: `Full status of ${subjectOf(a)} for ${mentionUser(o.userId)}`,
        file_uploads: files.map((f) => ({
          file: Buffer.from(f.content, 'utf8'),
          filename: f.filename,
          title: f.title,
        })),
      });
    } catch (err) {
      attachment = { ok: false, reason: uploadProblem(err) };
      o.log.warn(
        {
          err: {
            name: (err as Error).name,
            code: (err as { code?: string }).code,
            error: (err as { data?: { error?: string } }).data?.error,
          },
        },
        'status file upload failed',
      );
    }
  }
  const msg = render(a, attachment);
  await respond({
    response_type: o.responseType,
    ...(o.replaceOriginal === false ? { replace_original: false } : {}),
    text: msg.text,
    blocks: msg.blocks,
  });
  o.log.info(
    { status: a.kind, files: files.length, attached: attachment.ok, blocks: msg.blocks.length },
    'status answered',
  );
}

export function statusSubcommand(deps: Omit<StatusDeps, 'log'>): Subcommand {
  return {
    name: 'status',
    usage: STATUS_USAGE,
    summary:
      'Every cluster; one cluster (services, capacity); or one service (`cluster/service`: deployments, tasks, utilisation). Only you see it unless --public',
    flags: { public: 'boolean' },
    async run(inv, ctx) {
      const target = parseStatusTarget(inv.args.positional, ctx.config.defaultCluster);
      const answer = await loadStatus({ ...deps, log: inv.log }, target, ctx.config.defaultCluster);
      await answerStatus(
        ctx,
        answer,
        {
          channelId: inv.channelId,
          userId: inv.userId,
          responseType: inv.args.flags.public === true ? 'in_channel' : 'ephemeral',
          log: inv.log,
        },
        inv.respond,
      );
    },
  };
}

/** The Status button's value on alarm cards: incident key, cluster and service (each optional). */
export interface AlarmStatusValue {
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
  return { k: v.k as string | undefined, c, s };
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
export async function handleAlarmStatus(
  ctx: AppContext,
  deps: Omit<StatusDeps, 'log'>,
  body: BlockButtonAction,
  respond: RespondFn,
): Promise<void> {
  const ref = ctx.newId(4);
  const log = ctx.logger.child({ ref, user: body.user.id, action: ACTIONS.alarmStatus });
  const value = parseAlarmStatusValue(body.actions[0]?.value);
  if (value?.k) log.info({ incident: value.k, cluster: value.c, service: value.s }, 'status button clicked');
  const reply = (m: RespondArguments) => respond({ response_type: 'ephemeral', replace_original: false, ...m });
  if (!value) {
    log.warn('malformed status button value');
    await reply({
      text: ':x: This Status button carries an invalid cluster or service name. Use `/ecs status <cluster>/<service>` instead.',
    });
    return;
  }
  try {
    const answer = await loadStatus({ ...deps, log }, alarmStatusTarget(value, ctx.config.defaultCluster));
    await answerStatus(
      ctx,
      answer,
      {
        channelId: body.channel?.id ?? '',
        userId: body.user.id,
        responseType: 'ephemeral',
        replaceOriginal: false,
        log,
      },
      reply,
    );
  } catch (err) {
    if (err instanceof UserFacingError) {
      log.info({ err: { code: err.code, message: err.message } }, 'status button refused');
      await reply(renderError(err, undefined));
    } else {
      log.error({ err }, 'status button failed');
      await reply({
        text: `:warning: Something went wrong getting the status (ref ${ref}). The error is logged; try \`/ecs status\` or ask an admin.`,
      });
    }
  }
}

/** The /ecs status capability: the subcommand and the alarm card's Status button. */
export function statusFeature(ctx: AppContext): Feature {
  const deps: Omit<StatusDeps, 'log'> = {
    // One reader per bot: its task-definition cache outlives a single command.
    ecs: new EcsReader(ctx.aws.ecs, 5),
    metrics: new EcsMetrics(new MetricsReader(ctx.aws.cloudwatch, 4)),
    clock: ctx.clock,
    region: ctx.config.aws.region,
  };
  return {
    name: 'status',
    subcommands: [statusSubcommand(deps)],
    register(app: App) {
      app.action<BlockButtonAction>(
        { action_id: ACTIONS.alarmStatus, type: 'block_actions' },
        async ({ ack, body, respond }) => {
          await ack();
          await ctx.track(
            handleAlarmStatus(ctx, deps, body, respond).catch((err: unknown) =>
              ctx.logger.warn({ err }, 'status button reply failed'),
            ),
          );
        },
      );
    },
  };
}
