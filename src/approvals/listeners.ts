import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { AppContext } from '../context';
import { NotFoundError, UsageError, UserFacingError } from '../errors';
import { isEcsName } from '../slack/commands/parse';
import { AutoScalingReader } from '../aws/autoscaling';
import { EcsReader } from '../aws/ecs';
import { ACTIONS, decodeValue } from '../slack/actions';
import { escapeOwnText, code } from '../slack/mrkdwn';
import { requestPostedText } from './render/change-request';
import { renderScaleSuggestions } from './render/scale-suggestions';
import type { Logger } from '../logger';
import { approveRequest, cancelRequest, DecisionRefused, rejectRequest } from './decide';
import { requestChange } from './request';
import { scaleSuggestions } from './suggest';
import { CHANGE_ACTIONS, type ProposeButtonValue } from './types';
import { isAccountName } from '../aws/accounts-config';
import { isKnownRegion } from '../aws/regions';
import {
  alarmScopeFilter,
  locateCluster,
  parseAlarmOrigin,
  whereLabel,
  type AlarmOrigin,
} from '../slack/commands/scope-flags';

const ID_RE = /^[A-Za-z0-9_-]{6,40}$/;
const TS_RE = /^\d{1,12}\.\d{1,8}$/;

interface Click {
  userId: string;
  channelId?: string;
  /** ts of the clicked message when it is a real (non-ephemeral) channel message. */
  messageTs?: string;
  /** The thread the clicked message is in, if any. */
  threadTs?: string;
  value?: string;
  respond: RespondFn;
  log: Logger;
}

/** The ephemeral answer to a click that was refused or failed. */
export function clickErrorText(err: unknown, ref: string): string {
  if (err instanceof DecisionRefused) return `:x: ${err.message}`;
  if (err instanceof UserFacingError) {
    let t = `:x: ${escapeOwnText(err.message)}`;
    if (err instanceof NotFoundError && err.suggestions.length)
      t += `\nDid you mean: ${err.suggestions.slice(0, 5).map(code).join(', ')}?`;
    return t;
  }
  return `:warning: Something went wrong (ref ${ref}). The error is logged; nothing was changed by this click unless the card says so.`;
}

/** Acks at once, then runs the work tracked for shutdown; refusals become an ephemeral reply. */
function onButton(
  app: App,
  ctx: AppContext,
  actionId: string | RegExp,
  work: (c: Click) => Promise<string | void>,
): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
    await ack();
    const ref = ctx.newId(4);
    const container = body.container as
      { channel_id?: string; message_ts?: string; is_ephemeral?: boolean } | undefined;
    const message = body.message as { ts?: string; thread_ts?: string } | undefined;
    const log = ctx.logger.child({ ref, user: body.user.id, action: action.action_id });
    const click: Click = {
      userId: body.user.id,
      channelId: body.channel?.id ?? container?.channel_id,
      messageTs: container?.is_ephemeral ? undefined : (message?.ts ?? container?.message_ts),
      threadTs: container?.is_ephemeral ? undefined : message?.thread_ts,
      value: action.value,
      respond,
      log,
    };
    const reply = (text: string) =>
      respond({ response_type: 'ephemeral', replace_original: false, text }).catch((e: unknown) =>
        log.warn({ err: e }, 'respond failed'),
      );
    const run = work(click)
      .then(async (text) => {
        if (text) await reply(text);
      })
      .catch(async (err: unknown) => {
        if (err instanceof UserFacingError)
          log.info({ err: { code: err.code, message: err.message } }, 'click refused');
        else log.error({ err }, 'click failed');
        await reply(clickErrorText(err, ref));
      });
    void ctx.track(run);
  });
}

function requestIdOf(value: string | undefined): string {
  const v = decodeValue<{ id?: unknown }>(value);
  if (!v || typeof v.id !== 'string' || !ID_RE.test(v.id))
    throw new UsageError('this button is malformed; nothing was changed');
  return v.id;
}

/** Validates a propose button's value (it came back from Slack: never trust it). */
export function parseProposeValue(value: string | undefined): ProposeButtonValue {
  const v = decodeValue<Record<string, unknown>>(value);
  const bad = () => new UsageError('this button is malformed; nothing was requested');
  if (
    !v ||
    typeof v.a !== 'string' ||
    !CHANGE_ACTIONS.includes(v.a as never) ||
    typeof v.c !== 'string' ||
    !isEcsName(v.c)
  )
    throw bad();
  if (v.s !== undefined && (typeof v.s !== 'string' || !isEcsName(v.s))) throw bad();
  if (v.n !== undefined && (typeof v.n !== 'number' || !Number.isInteger(v.n) || v.n < 0)) throw bad();
  if (v.i !== undefined && !['enabled', 'enhanced', 'disabled'].includes(String(v.i))) throw bad();
  if (v.r !== undefined && (typeof v.r !== 'string' || v.r.length > 500)) throw bad();
  if (v.t !== undefined && (typeof v.t !== 'string' || !TS_RE.test(v.t))) throw bad();
  if (v.ac !== undefined && (typeof v.ac !== 'string' || !isAccountName(v.ac))) throw bad();
  if (v.rg !== undefined && (typeof v.rg !== 'string' || !isKnownRegion(v.rg))) throw bad();
  return v as unknown as ProposeButtonValue;
}

/** Validates the alarm card's Scale… value {k, c, s, a, r}: the alarm's account ID and region are optional. */
export function parseAlarmScaleValue(value: string | undefined): { k?: string; c: string; s?: string } & AlarmOrigin {
  const v = decodeValue<Record<string, unknown>>(value);
  const bad = () => new UsageError('this button is malformed');
  if (!v || typeof v.c !== 'string' || !isEcsName(v.c)) throw bad();
  if (v.s !== undefined && v.s !== null && (typeof v.s !== 'string' || !isEcsName(v.s))) throw bad();
  if (v.k !== undefined && v.k !== null && (typeof v.k !== 'string' || v.k.length > 300)) throw bad();
  const origin = parseAlarmOrigin(v);
  if (origin === false) throw bad();
  return {
    k: (v.k as string | undefined) ?? undefined,
    c: v.c,
    s: (v.s as string | undefined) ?? undefined,
    ...origin,
  };
}

/** Approve, Reject, Cancel on the card; propose buttons anywhere; the alarm card's Scale… button. */
export function registerApprovalListeners(app: App, ctx: AppContext): void {
  onButton(app, ctx, ACTIONS.changeApprove, async (c) => approveRequest(ctx, requestIdOf(c.value), c.userId));
  onButton(app, ctx, ACTIONS.changeReject, async (c) => rejectRequest(ctx, requestIdOf(c.value), c.userId));
  onButton(app, ctx, ACTIONS.changeCancel, async (c) => cancelRequest(ctx, requestIdOf(c.value), c.userId));

  const proposeId = new RegExp(`^${ACTIONS.changePropose.replace('.', '\\.')}(:[A-Za-z0-9_-]{1,40})?$`);
  onButton(app, ctx, proposeId, async (c) => {
    const v = parseProposeValue(c.value);
    if (!c.channelId) throw new UsageError('this button must be clicked in a channel');
    const { requestId, plan } = await requestChange(
      ctx,
      {
        action: v.a,
        cluster: v.c,
        service: v.s,
        desired: v.n,
        insights: v.i,
        reason: v.r,
        ...(v.ac ? { account: v.ac } : {}),
        ...(v.rg ? { region: v.rg } : {}),
      },
      { userId: c.userId, channelId: c.channelId, threadTs: v.t ?? c.threadTs ?? c.messageTs },
    );
    return requestPostedText(plan, requestId as string);
  });

  onButton(app, ctx, ACTIONS.alarmScale, async (c) => {
    const v = parseAlarmScaleValue(c.value);
    // The alarm's account and region (an account the bot is not configured for is answered with how to add it).
    const scope = ctx.accounts.multi
      ? await locateCluster(ctx, v.c, { filter: await alarmScopeFilter(ctx, v) })
      : undefined;
    const aws = scope ? ctx.accounts.read(scope) : ctx.aws;
    const ecs = new EcsReader(aws.ecs);
    const cluster = await ecs.getCluster(v.c);
    const svc = v.s ? await ecs.getService(cluster.name, v.s) : undefined;
    let group: Awaited<ReturnType<AutoScalingReader['findClusterGroup']>>['group'] | undefined;
    let groupNote: string | undefined;
    try {
      group = (
        await new AutoScalingReader(aws.autoscaling, aws.ecs).findClusterGroup(
          cluster,
          async () => (await ecs.listContainerInstances(cluster.name)).map((i) => i.ec2InstanceId ?? ''),
          ctx.config.asgMapping,
        )
      ).group;
    } catch (err) {
      if (!(err instanceof UserFacingError)) throw err;
      groupNote = err.message;
    }
    const service = svc
      ? { name: svc.name, desired: svc.desired, running: svc.running, pending: svc.pending }
      : undefined;
    // The alarm's name reads better in a reason than the incident id the button carries.
    const incident = v.k ? await ctx.store.incidents.get(v.k).catch(() => undefined) : undefined;
    const suggestions = scaleSuggestions({
      cluster: cluster.name,
      service,
      group,
      reason: incident ? `alarm ${incident.name}` : v.k ? `alarm ${v.k}` : undefined,
      threadTs: c.threadTs ?? c.messageTs,
      policy: ctx.config.policy,
      scope,
    });
    await c.respond(
      renderScaleSuggestions({
        cluster: cluster.name,
        service,
        group,
        groupNote,
        suggestions,
        where: scope ? whereLabel(ctx, scope) : undefined,
      }),
    );
  });
}
