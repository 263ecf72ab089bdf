import {
  DeleteAlarmMuteRuleCommand,
  PutAlarmMuteRuleCommand,
  type PutAlarmMuteRuleCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarms, describeAction, nonSnsActions } from '../alarm-admin/api';
import { awsCall, errorName, toAwsError } from '../aws/errors';
import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import type { Incident } from '../store/incidents';
import { alarmClients, originOf } from '../slack/commands/scope-flags';

/**
 * Silence in AWS (ALARM_MUTE_RULES=true): a one-time CloudWatch alarm mute rule for the rest of the
 * silence. A mute rule mutes every action of the alarm, auto scaling included, so the caller asks
 * first when `nonSnsActions` is not empty.
 *
 * This is the one mutating AWS call outside the approval flow, on purpose: it is what the reacting
 * person asked for, it is bounded (it expires with the silence), it only pauses actions of one alarm
 * (SNS-only, or confirmed by the person), it is undone by removing the reaction, and it is audited.
 */
const MUTE_RULE_PREFIX = 'ecs-chatops-silence-';

export function muteRuleName(incidentId: string): string {
  return `${MUTE_RULE_PREFIX}${incidentId.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 255);
}

/** `at(yyyy-MM-ddThh:mm)` in UTC of the minute after `ms` (an `at` in the past would never start). */
export function atExpression(ms: number): { expression: string; start: number } {
  const start = Math.ceil(ms / 60_000) * 60_000;
  return { expression: `at(${new Date(start).toISOString().slice(0, 16)})`, start };
}

/** ISO 8601 duration in whole minutes, at least 1 (PT1M) and at most 15 days. */
export function isoMinutes(ms: number): string {
  const m = Math.min(15 * 24 * 60, Math.max(1, Math.ceil(ms / 60_000)));
  return `PT${m}M`;
}

export function muteRuleInput(o: {
  incidentId: string;
  alarmName: string;
  userId: string;
  now: number;
  until: number;
}): PutAlarmMuteRuleCommandInput {
  const { expression, start } = atExpression(o.now);
  return {
    Name: muteRuleName(o.incidentId),
    Description: `Silenced from Slack by ${o.userId} with ecs-chatops until ${new Date(o.until).toISOString()}`.slice(
      0,
      1024,
    ),
    Rule: { Schedule: { Expression: expression, Duration: isoMinutes(o.until - start), Timezone: 'UTC' } },
    MuteTargets: { AlarmNames: [o.alarmName] },
    ExpireDate: new Date(o.until + 5 * 60_000),
  };
}

export function alarmNameOf(inc: Incident): string | undefined {
  return inc.notification.kind === 'alarm' && inc.notification.alarmName ? inc.notification.alarmName : undefined;
}

export type MutePreflight =
  | { kind: 'skip'; why: string }
  | { kind: 'ask'; actions: string[]; alarmName: string }
  | { kind: 'mute'; alarmName: string };

/** Decides whether a silence may become a mute rule at once, needs confirmation, or cannot be one. */
export async function mutePreflight(ctx: AppContext, inc: Incident): Promise<MutePreflight> {
  const alarmName = alarmNameOf(inc);
  if (!alarmName) return { kind: 'skip', why: 'not a CloudWatch alarm' };
  const aws = await alarmClients(ctx, originOf(inc.notification));
  const alarm = await new CloudWatchAlarms(aws.cloudwatch).get(alarmName);
  if (!alarm) return { kind: 'skip', why: `alarm ${alarmName} no longer exists in CloudWatch` };
  const others = nonSnsActions(alarm);
  if (others.length > 0) return { kind: 'ask', actions: others.map(describeAction), alarmName };
  return { kind: 'mute', alarmName };
}

/** Creates (or renews) the mute rule for an incident's silence; records it and audits it. */
export async function createMuteRule(
  ctx: AppContext,
  inc: Incident,
  userId: string,
  until: number,
  alarmName: string,
): Promise<string> {
  const now = ctx.clock.now();
  const input = muteRuleInput({ incidentId: inc.id, alarmName, userId, now, until });
  try {
    // The rule goes to the alarm's own account and region.
    const aws = await alarmClients(ctx, originOf(inc.notification));
    await awsCall('cloudwatch:PutAlarmMuteRule', () => aws.cloudwatch.send(new PutAlarmMuteRuleCommand(input)));
  } catch (err) {
    await ctx.store.audit
      .record({
        at: now,
        actor: userId,
        action: 'alarm.mute',
        target: alarmName,
        outcome: 'failed',
        error: (err as Error).message,
        detail: { incident: inc.id, rule: input.Name },
      })
      .catch(() => undefined);
    throw err instanceof UserFacingError ? err : new UserFacingError(`AWS refused the mute rule (${errorName(err)})`);
  }
  await ctx.store.incidentReactions.saveMuteRule({
    incidentId: inc.id,
    ruleName: input.Name as string,
    alarmName,
    createdBy: userId,
    createdAt: now,
    expiresAt: until,
  });
  await ctx.store.audit
    .record({
      at: now,
      actor: userId,
      action: 'alarm.mute',
      target: alarmName,
      outcome: 'succeeded',
      after: { rule: input.Name, until },
      detail: { incident: inc.id },
    })
    .catch((e) => ctx.logger.warn({ err: e }, 'audit record failed'));
  ctx.logger.info({ incident: inc.id, alarm: alarmName, rule: input.Name, until }, 'alarm mute rule created');
  return input.Name as string;
}

/** Deletes the mute rule of an incident, if the bot made one. Returns whether one was deleted. */
export async function deleteMuteRule(ctx: AppContext, incidentId: string, userId: string): Promise<boolean> {
  const rule = await ctx.store.incidentReactions.muteRule(incidentId);
  if (!rule || !(await ctx.store.incidentReactions.dropMuteRule(incidentId))) return false;
  const now = ctx.clock.now();
  try {
    const inc = await ctx.store.incidents.get(incidentId);
    const aws = inc ? await alarmClients(ctx, originOf(inc.notification)) : ctx.aws;
    await aws.cloudwatch.send(new DeleteAlarmMuteRuleCommand({ AlarmMuteRuleName: rule.ruleName }));
  } catch (err) {
    // Already gone (expired and cleaned up, or deleted in the console): nothing left to undo.
    if (errorName(err) !== 'ResourceNotFoundException' && errorName(err) !== 'ResourceNotFound') {
      const e = toAwsError(err, 'cloudwatch:DeleteAlarmMuteRule');
      await ctx.store.incidentReactions.saveMuteRule(rule);
      await ctx.store.audit
        .record({
          at: now,
          actor: userId,
          action: 'alarm.unmute',
          target: rule.alarmName,
          outcome: 'failed',
          error: e.message,
          detail: { incident: incidentId, rule: rule.ruleName },
        })
        .catch(() => undefined);
      throw e;
    }
  }
  await ctx.store.audit
    .record({
      at: now,
      actor: userId,
      action: 'alarm.unmute',
      target: rule.alarmName,
      outcome: 'succeeded',
      before: { rule: rule.ruleName },
      detail: { incident: incidentId },
    })
    .catch(() => undefined);
  return true;
}
