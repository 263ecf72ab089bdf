import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { EcsReader } from '../aws/ecs';
import type { ChangeExecutor, ChangePlan, ChangeProposal, StateValue } from '../approvals/api';
import type { AppContext } from '../context';
import { closestNames } from '../ecs/names';
import { NotFoundError, UsageError } from '../errors';
import { CloudWatchAlarmWriter } from './cloudwatch-alarm-writer';
import { CloudWatchAlarms } from './cloudwatch-alarms';
import { conditionText, describeAction, nonSnsActions, type CwAlarm } from './model';
import {
  alarmSignature,
  inputSignature,
  MANAGED_MARK,
  pendingAlarmInput,
  pendingParams,
  PENDING_METRIC,
} from './pending-alarm';
import { requireAlarmTopic } from './topic-check';
import { whereLabel } from '../slack/commands/scope-flags';
import type { AwsScope } from '../aws/scope';

const absent: StateValue = { value: null, label: 'no such alarm' };

/**
 * The account and region a change is planned in: the approval flow names them on the proposal when
 * several are configured (the plan's reads already go there); else the bot's default.
 */
function scopeOf(ctx: AppContext, p: Pick<ChangeProposal, 'account' | 'region'>): AwsScope {
  return p.account && p.region ? { account: p.account, region: p.region } : ctx.accounts.defaultScope;
}

function stateOf(a: CwAlarm | undefined): StateValue {
  return a ? { value: alarmSignature(a), label: `${conditionText(a)} (now ${a.state})` } : absent;
}

/** The alarm name of an alarm-delete proposal. */
export function alarmNameOf(p: Pick<ChangeProposal, 'alarm'>): string {
  const name = p.alarm?.name;
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255 || /[\u0000-\u001f]/.test(name)) {
    throw new UsageError('an alarm name (1 to 255 characters) is required');
  }
  return name;
}

/** "No such alarm", naming the existing alarms closest to `name` (reads at most a few pages). */
export async function alarmNotFound(cw: CloudWatchAlarms, name: string, region: string): Promise<NotFoundError> {
  const { alarms } = await cw.list({ maxPages: 5 }).catch(() => ({ alarms: [] as CwAlarm[] }));
  return new NotFoundError(
    `there is no metric alarm named "${name}" in ${region}`,
    closestNames(
      name,
      alarms.map((a) => a.name),
    ),
  );
}

/**
 * alarm-create: one PutMetricAlarm of the lab's pending-tasks alarm (see pending-alarm.ts), after
 * checking that the service exists and that the bot's SNS topic will deliver the alarm to the bot.
 */
export const alarmCreateExecutor: ChangeExecutor = {
  validate(p) {
    if (!p.service) throw new UsageError('the service is required: alarm create pending <cluster>/<service>');
    pendingParams(p.alarm);
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const params = pendingParams(p.alarm);
    const service = p.service as string;
    const reader = new EcsReader(ctx.aws.ecs);
    const cw = new CloudWatchAlarms(ctx.aws.cloudwatch);
    const scope = scopeOf(ctx, p);
    // The topic of the alarm's own account and region, read with that account's session.
    const [svc, cluster, topicArn] = await Promise.all([
      reader.getService(p.cluster, service),
      reader.getCluster(p.cluster),
      requireAlarmTopic(ctx.aws.sns, ctx.config, scope, whereLabel(ctx, scope)),
    ]);
    const input = pendingAlarmInput({ cluster: cluster.name, service: svc.name, params, topicArn });
    const name = input.AlarmName as string;
    const existing = await cw.get(name);
    if (existing && alarmSignature(existing) === inputSignature(input)) {
      throw new UsageError(
        `the alarm ${name} already exists with these settings (now ${existing.state}); nothing to change`,
      );
    }
    const warnings: string[] = [];
    if (cluster.containerInsights === 'disabled' || cluster.containerInsights === 'unknown') {
      warnings.push(
        `Container Insights is ${cluster.containerInsights} on ${cluster.name}: PendingTaskCount has no data, so the alarm stays INSUFFICIENT_DATA until it is enabled (/ecs insights enable ${cluster.name}).`,
      );
    }
    if (existing) {
      warnings.push(`An alarm named ${name} exists (${conditionText(existing)}); it is replaced.`);
      const others = nonSnsActions(existing);
      if (others.length > 0)
        warnings.push(
          `The existing alarm also drives ${others.map(describeAction).join(', ')}; the new one notifies the bot's topic only.`,
        );
    }
    return {
      action: 'alarm-create',
      cluster: cluster.name,
      service: svc.name,
      target: name,
      summary: `Create alarm ${name}: ${svc.name} in ${cluster.name} with more than ${params.threshold} pending task(s) for ${params.periods} min`,
      current: stateOf(existing),
      requested: {
        value: inputSignature(input),
        label: `${PENDING_METRIC.metric} ${PENDING_METRIC.statistic} > ${params.threshold} for ${params.periods} × 60 s`,
      },
      details: [
        `Metric: ${PENDING_METRIC.namespace} ${PENDING_METRIC.metric}, ClusterName=${cluster.name}, ServiceName=${svc.name}`,
        `Condition: ${PENDING_METRIC.statistic} over 60 s > ${params.threshold}, ${params.periods} of ${params.periods} periods; missing data is missing`,
        `Service now: ${svc.running} running, ${svc.pending} pending of ${svc.desired} desired · Container Insights ${cluster.containerInsights}`,
      ],
      effects: [`ALARM and OK notifications go to SNS topic ${topicArn}, which delivers them to this bot.`],
      warnings,
      data: { input: input as unknown as Record<string, unknown> },
    };
  },

  async readCurrent(ctx, plan) {
    return stateOf(await new CloudWatchAlarms(ctx.aws.cloudwatch).get(plan.target));
  },

  async execute(ctx, plan) {
    const input = plan.data.input as PutMetricAlarmCommandInput;
    const requestId = await new CloudWatchAlarmWriter(ctx.aws.cloudwatch).put(input);
    return {
      after: {
        alarm: input.AlarmName,
        namespace: input.Namespace,
        metric: input.MetricName,
        threshold: input.Threshold,
        periods: input.EvaluationPeriods,
      },
      awsRequestId: requestId,
      summary: `Alarm ${input.AlarmName} is created. It shows INSUFFICIENT_DATA until its first datapoint, within a few minutes; its ALARM and OK notifications open and close a card here.`,
    };
  },
};

/** alarm-delete: one DeleteAlarms of a named metric alarm. */
export const alarmDeleteExecutor: ChangeExecutor = {
  validate(p) {
    alarmNameOf(p);
  },

  async plan(ctx: AppContext, p: ChangeProposal): Promise<ChangePlan> {
    const name = alarmNameOf(p);
    const cw = new CloudWatchAlarms(ctx.aws.cloudwatch);
    const alarm = await cw.get(name);
    if (!alarm) {
      const scope = scopeOf(ctx, p);
      throw await alarmNotFound(cw, name, whereLabel(ctx, scope) ?? scope.region);
    }
    const warnings: string[] = [];
    const others = nonSnsActions(alarm);
    if (others.length > 0) {
      warnings.push(
        `This alarm also drives ${others.map(describeAction).join(', ')}: deleting it stops those actions too.`,
      );
    }
    if (!(alarm.description ?? '').includes(MANAGED_MARK)) warnings.push('This alarm was not created by this bot.');
    if (alarm.state === 'ALARM') warnings.push('The alarm is in ALARM now; its open card stays as it is.');
    const dims = Object.entries(alarm.dimensions)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return {
      action: 'alarm-delete',
      cluster: p.cluster,
      service: alarm.dimensions.ServiceName,
      target: name,
      summary: `Delete alarm ${name}`,
      current: stateOf(alarm),
      requested: absent,
      details: [
        `Metric: ${[alarm.namespace, alarm.metric].filter(Boolean).join(' ')}${dims ? `, ${dims}` : ''}`,
        `Condition: ${conditionText(alarm)} · now ${alarm.state}`,
      ],
      effects: ['CloudWatch stops evaluating it; its history is deleted with it.'],
      warnings,
      data: { name },
    };
  },

  async readCurrent(ctx, plan) {
    return stateOf(await new CloudWatchAlarms(ctx.aws.cloudwatch).get(plan.target));
  },

  async execute(ctx, plan) {
    const name = String(plan.data.name);
    const requestId = await new CloudWatchAlarmWriter(ctx.aws.cloudwatch).delete(name);
    return { after: { alarm: name, deleted: true }, awsRequestId: requestId, summary: `Alarm ${name} is deleted.` };
  },
};
