import type { App } from '@slack/bolt';
import type { AppContext } from '../context';
import { UsageError, UserFacingError } from '../errors';
import { isEcsName } from '../slack/commands/parse';
import { AutoScalingReader, isAsgName, type AsgInfo } from '../aws/autoscaling';
import { EcsReader } from '../aws/ecs';
import { ACTIONS, decodeValue } from '../slack/actions';
import { malformedButton, onClick, type ClickWork } from '../slack/clicks';
import { requestPostedText } from './render/change-request';
import { renderScaleSuggestions } from './render/scale-suggestions';
import type { Changes } from './changes';
import { scaleSuggestions } from './suggest';
import { CHANGE_ACTIONS, type ProposeButtonValue } from './types';
import { isAccountName } from '../aws/accounts-config';
import { isKnownRegion } from '../aws/regions';
import { splitTaskDefRef } from '../ecs/revision-diff';
import {
  alarmScopeFilter,
  locateCluster,
  parseAlarmOrigin,
  whereLabel,
  type AlarmOrigin,
} from '../slack/commands/scope-flags';

const ID_RE = /^[A-Za-z0-9_-]{6,40}$/;
const TS_RE = /^\d{1,12}\.\d{1,8}$/;

function requestIdOf(value: string | undefined): string {
  const v = decodeValue<{ id?: unknown }>(value);
  if (!v || typeof v.id !== 'string' || !ID_RE.test(v.id)) throw malformedButton('nothing was changed');
  return v.id;
}

/** Validates a propose button's value (it came back from Slack: never trust it). */
export function parseProposeValue(value: string | undefined): ProposeButtonValue {
  const v = decodeValue<Record<string, unknown>>(value);
  const bad = () => malformedButton('nothing was requested');
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
  if (v.g !== undefined && (typeof v.g !== 'string' || !isAsgName(v.g) || v.a !== 'scale-instances')) throw bad();
  if (v.i !== undefined && !['enabled', 'enhanced', 'disabled'].includes(String(v.i))) throw bad();
  if (v.r !== undefined && (typeof v.r !== 'string' || v.r.length > 500)) throw bad();
  if (v.t !== undefined && (typeof v.t !== 'string' || !TS_RE.test(v.t))) throw bad();
  if (v.td !== undefined && (typeof v.td !== 'string' || !splitTaskDefRef(v.td) || v.a !== 'rollback-service'))
    throw bad();
  if (v.ac !== undefined && (typeof v.ac !== 'string' || !isAccountName(v.ac))) throw bad();
  if (v.rg !== undefined && (typeof v.rg !== 'string' || !isKnownRegion(v.rg))) throw bad();
  return v as unknown as ProposeButtonValue;
}

/** Validates the alarm card's Scale… value {k, c, s, a, r}: the alarm's account ID and region are optional. */
export function parseAlarmScaleValue(value: string | undefined): { k?: string; c: string; s?: string } & AlarmOrigin {
  const v = decodeValue<Record<string, unknown>>(value);
  const bad = () => malformedButton('nothing was requested');
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
export function registerApprovalListeners(app: App, ctx: AppContext, changes: Changes): void {
  const onButton = (actionId: string | RegExp, work: ClickWork) =>
    onClick(app, ctx, actionId, work, { component: 'approvals' });
  onButton(ACTIONS.changeApprove, async (c) => changes.approve(requestIdOf(c.value), c.userId));
  onButton(ACTIONS.changeReject, async (c) => changes.reject(requestIdOf(c.value), c.userId));
  onButton(ACTIONS.changeCancel, async (c) => changes.cancel(requestIdOf(c.value), c.userId));

  const proposeId = new RegExp(`^${ACTIONS.changePropose.replace('.', '\\.')}(:[A-Za-z0-9_-]{1,40})?$`);
  onButton(proposeId, async (c) => {
    const v = parseProposeValue(c.value);
    if (!c.channelId) throw new UsageError('this button must be clicked in a channel');
    const { requestId, plan } = await changes.request(
      {
        action: v.a,
        cluster: v.c,
        service: v.s,
        desired: v.n,
        group: v.g,
        insights: v.i,
        reason: v.r,
        ...(v.td ? { revision: v.td } : {}),
        ...(v.ac ? { account: v.ac } : {}),
        ...(v.rg ? { region: v.rg } : {}),
      },
      { userId: c.userId, channelId: c.channelId, threadTs: v.t ?? c.threadTs ?? c.messageTs },
    );
    return requestPostedText(plan, requestId as string);
  });

  onButton(ACTIONS.alarmScale, async (c) => {
    const v = parseAlarmScaleValue(c.value);
    // The alarm's account and region (an account the bot is not configured for is answered with how to add it).
    const scope = ctx.accounts.multi
      ? await locateCluster(ctx, v.c, { filter: await alarmScopeFilter(ctx, v) })
      : undefined;
    const aws = scope ? ctx.accounts.read(scope) : ctx.aws;
    const ecs = new EcsReader(aws.ecs);
    const cluster = await ecs.getCluster(v.c);
    const svc = v.s ? await ecs.getService(cluster.name, v.s) : undefined;
    let groups: AsgInfo[] = [];
    let groupNote: string | undefined;
    try {
      groups = (
        await new AutoScalingReader(aws.autoscaling, aws.ecs).clusterGroups(
          cluster,
          async () => (await ecs.listContainerInstances(cluster.name)).map((i) => i.ec2InstanceId ?? ''),
          ctx.config.asgMapping,
        )
      ).map((g) => g.group);
    } catch (err) {
      if (!(err instanceof UserFacingError)) throw err;
      groupNote = err.message;
    }
    const group = groups.length === 1 ? groups[0] : undefined;
    const several = groups.length > 1 ? groups : undefined;
    const service = svc
      ? { name: svc.name, desired: svc.desired, running: svc.running, pending: svc.pending }
      : undefined;
    // The alarm's name reads better in a reason than the incident id the button carries.
    const incident = v.k ? await ctx.store.incidents.get(v.k).catch(() => undefined) : undefined;
    // The bounds the approval flow will check for these requests: the policy's for the cluster's account.
    const account = scope?.account;
    const { suggestions, notes } = scaleSuggestions({
      cluster: cluster.name,
      service,
      group,
      groups: several,
      reason: incident ? `alarm ${incident.name}` : v.k ? `alarm ${v.k}` : undefined,
      threadTs: c.threadTs ?? c.messageTs,
      bounds: {
        tasks: changes.policy.effective(cluster.name, 'scale-service', account).bounds,
        instances: changes.policy.effective(cluster.name, 'scale-instances', account).bounds,
      },
      scope,
    });
    await c.respond(
      renderScaleSuggestions({
        cluster: cluster.name,
        service,
        group,
        groups: several,
        groupNote,
        suggestions,
        notes,
        where: scope ? whereLabel(ctx, scope) : undefined,
      }),
    );
  });
}
