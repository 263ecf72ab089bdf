import { clusterName, lastSegment, numOrUndef, parseArn, parseAwsTime, serviceFromArn, str } from './aws-ids';
import { oneLine } from './reason';
import type { EcsContainerInfo, EcsEventNotification, Level, NotificationSource, NotificationState } from './types';

type Obj = Record<string, unknown>;

/** An EventBridge event envelope (`version`, `id`, `detail-type`, `source`, `detail`, …). */
export function isEventBridgeEvent(m: unknown): m is Obj {
  return (
    !!m &&
    typeof m === 'object' &&
    typeof (m as Obj)['detail-type'] === 'string' &&
    typeof (m as Obj).source === 'string' &&
    typeof (m as Obj).detail === 'object'
  );
}

const ECS_DETAIL_TYPES = new Set(['ECS Service Action', 'ECS Task State Change', 'ECS Deployment State Change']);

const RESOURCE_WORDS: Record<string, string> = {
  'RESOURCE:MEMORY': 'no container instance has enough free memory',
  'RESOURCE:CPU': 'no container instance has enough free CPU',
  'RESOURCE:FARGATE': 'Fargate has no capacity for it right now',
  'RESOURCE:PORTS': 'the ports it needs are taken on every instance',
  'RESOURCE:ENI': 'no instance has a free network interface (ENI)',
  'RESOURCE:GPU': 'no container instance has a free GPU',
};

/** Well-known exit codes in words (137 is the usual out-of-memory kill). */
function exitCodeHint(code: number | undefined): string | undefined {
  switch (code) {
    case 137:
      return 'killed (SIGKILL, often out of memory)';
    case 139:
      return 'segmentation fault';
    case 143:
      return 'terminated (SIGTERM)';
    case 1:
      return 'application error';
    default:
      return undefined;
  }
}

/** Ends a sentence with a full stop unless it already ends with punctuation. */
function sentence(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

function humanise(eventName: string): string {
  const s = eventName
    .replace(/^SERVICE_/, '')
    .replace(/_/g, ' ')
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const OK_EVENTS = new Set(['SERVICE_STEADY_STATE', 'SERVICE_DEPLOYMENT_COMPLETED']);

function stateOf(eventType: string | undefined, eventName: string): { state: NotificationState; level: Level } {
  if (OK_EVENTS.has(eventName)) return { state: 'OK', level: 'ok' };
  if (eventType === 'ERROR') return { state: 'ALARM', level: 'critical' };
  if (eventType === 'WARN') return { state: 'ALARM', level: 'warning' };
  if (eventName === 'SERVICE_DEPLOYMENT_FAILED') return { state: 'ALARM', level: 'critical' };
  return { state: 'INFO', level: 'info' };
}

function containers(v: unknown): EcsContainerInfo[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((c): c is Obj => !!c && typeof c === 'object')
    .map((c) => ({
      name: str(c.name) ?? 'container',
      exitCode: numOrUndef(c.exitCode),
      reason: str(c.reason),
      lastStatus: str(c.lastStatus),
    }));
}

const NORMAL_STOP =
  /^(Scaling activity initiated|Deployment|Service .* deployment|Task stopped by user|ECS is performing maintenance)/i;
const UNHEALTHY = /health ?check|unhealthy|OutOfMemory|CannotPull|ResourceInitializationError|CannotStart|failed/i;

/** Whether a stopped task is a problem worth a card, and how bad. */
function stoppedTaskState(
  stopCode: string | undefined,
  stoppedReason: string | undefined,
  cs: EcsContainerInfo[],
): { state: NotificationState; level: Level } {
  const failedExit = cs.some((c) => c.exitCode !== undefined && c.exitCode !== 0);
  const reasons = [stoppedReason ?? '', ...cs.map((c) => c.reason ?? '')].join(' ');
  switch (stopCode) {
    case 'TaskFailedToStart':
      return { state: 'ALARM', level: 'critical' };
    case 'EssentialContainerExited':
      return { state: 'ALARM', level: failedExit || UNHEALTHY.test(reasons) ? 'critical' : 'warning' };
    case 'SpotInterruption':
    case 'TerminationNotice':
    case 'InfrastructureHealth':
      return { state: 'ALARM', level: 'warning' };
    case 'UserInitiated':
    case 'ServiceSchedulerInitiated':
      if (UNHEALTHY.test(reasons) && !NORMAL_STOP.test(stoppedReason ?? ''))
        return { state: 'ALARM', level: 'warning' };
      return { state: 'INFO', level: 'info' };
    default:
      return failedExit || UNHEALTHY.test(reasons)
        ? { state: 'ALARM', level: 'critical' }
        : { state: 'INFO', level: 'info' };
  }
}

/**
 * An EventBridge ECS event → EcsEventNotification, or undefined when the detail-type is not one the
 * bot understands (the caller then shows it raw). Problems of one service share one key, so a
 * placement failure, the stopped tasks and a failed deployment become one card with a thread, and a
 * steady-state event closes it.
 */
export function parseEcsEvent(
  e: Obj,
  source: NotificationSource,
  fallbackAt: number,
): EcsEventNotification | undefined {
  if (e.source !== 'aws.ecs') return undefined;
  const detailType = String(e['detail-type']);
  if (!ECS_DETAIL_TYPES.has(detailType)) return undefined;
  const d = (e.detail && typeof e.detail === 'object' ? e.detail : {}) as Obj;
  const resources = Array.isArray(e.resources) ? e.resources.filter((r): r is string => typeof r === 'string') : [];
  const region = str(e.region) ?? parseArn(resources[0])?.region;
  const account = str(e.account) ?? parseArn(resources[0])?.account;
  const eventId = str(e.id) ?? source.messageId;
  const svcArn = resources.map(serviceFromArn).find((x) => x);
  const cluster = clusterName(d.clusterArn) ?? svcArn?.cluster;
  let service = svcArn?.service;
  let eventName: string;
  let at: number;
  let summary: string;
  let st: { state: NotificationState; level: Level };
  let task: EcsEventNotification['task'];
  const reason = str(d.reason);

  if (detailType === 'ECS Task State Change') {
    const taskArn = str(d.taskArn) ?? resources[0] ?? 'task';
    const group = str(d.group);
    if (group?.startsWith('service:')) service = group.slice('service:'.length);
    const cs = containers(d.containers);
    const lastStatus = str(d.lastStatus);
    const stopCode = str(d.stopCode);
    const stoppedReason = str(d.stoppedReason);
    task = {
      arn: taskArn,
      id: lastSegment(parseArn(taskArn)?.resource ?? taskArn),
      taskDefinition: str(d.taskDefinitionArn) ? lastSegment(String(d.taskDefinitionArn)) : undefined,
      group,
      stopCode,
      stoppedReason,
      lastStatus,
      containers: cs,
    };
    eventName = lastStatus === 'STOPPED' ? 'TASK_STOPPED' : `TASK_${lastStatus ?? 'CHANGED'}`;
    at = parseAwsTime(d.stoppedAt) ?? parseAwsTime(d.updatedAt) ?? parseAwsTime(e.time) ?? fallbackAt;
    st = lastStatus === 'STOPPED' ? stoppedTaskState(stopCode, stoppedReason, cs) : { state: 'INFO', level: 'info' };
    const exits = cs
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) => {
        const hint = exitCodeHint(c.exitCode);
        return `${c.name}${c.exitCode !== undefined ? ` exit code ${c.exitCode}${hint ? ` (${hint})` : ''}` : ''}${c.reason ? `: ${c.reason}` : ''}`;
      });
    const who = service ? `of service ${service}` : group ? `(${group})` : '';
    summary =
      lastStatus === 'STOPPED'
        ? oneLine(
            sentence(
              `Task ${task.id.slice(0, 12)} ${who} stopped${stopCode ? ` (${stopCode})` : ''}: ${stoppedReason ?? 'no reason given'}${exits.length ? `. ${exits.join('; ')}` : ''}`,
            ),
          )
        : oneLine(sentence(`Task ${task.id.slice(0, 12)} ${who} is ${lastStatus ?? 'changing'}`));
  } else {
    eventName =
      str(d.eventName) ?? (detailType === 'ECS Deployment State Change' ? 'DEPLOYMENT_CHANGE' : 'SERVICE_ACTION');
    at =
      parseAwsTime(detailType === 'ECS Deployment State Change' ? d.updatedAt : d.createdAt) ??
      parseAwsTime(e.time) ??
      fallbackAt;
    st = stateOf(str(d.eventType), eventName);
    const target = service ? `service ${service}` : 'the service';
    if (eventName === 'SERVICE_TASK_PLACEMENT_FAILURE') {
      const words = reason ? (RESOURCE_WORDS[reason] ?? reason) : 'no reason given';
      summary = `ECS could not place a task for ${target}: ${words}${reason && RESOURCE_WORDS[reason] ? ` (${reason})` : ''}.`;
    } else if (eventName === 'SERVICE_DEPLOYMENT_FAILED') {
      summary = oneLine(
        sentence(`Deployment ${str(d.deploymentId) ?? ''} of ${target} failed${reason ? `: ${reason}` : ''}`),
      );
    } else if (eventName === 'SERVICE_STEADY_STATE') {
      summary = `${target.charAt(0).toUpperCase()}${target.slice(1)} has reached a steady state.`;
    } else if (eventName === 'SERVICE_DEPLOYMENT_COMPLETED') {
      summary = sentence(`Deployment ${str(d.deploymentId) ?? ''} of ${target} completed`);
    } else {
      summary = oneLine(sentence(`${humanise(eventName)} for ${target}${reason ? `: ${reason}` : ''}`));
    }
  }

  const owner = service
    ? `${cluster ?? '?'}/${service}`
    : task?.group
      ? `${cluster ?? '?'}/${task.group}`
      : `${cluster ?? '?'}/${detailType}`;
  return {
    kind: 'ecs-event',
    key: `ecs:${region ?? '?'}:${account ?? '?'}:${owner}`,
    name: service ? `${cluster ? `${cluster}/` : ''}${service}` : (task?.group ?? cluster ?? detailType),
    state: st.state,
    level: st.level,
    at,
    summary,
    region,
    account,
    cluster,
    service,
    source,
    detailType,
    eventName,
    eventId,
    reason,
    task,
    deploymentId: str(d.deploymentId),
    resources,
  };
}
