/**
 * CloudWatch alarms as the bot reads them: plain data, no SDK types. Built by cloudwatch-alarms.ts,
 * read by executors, commands and renderers.
 */
export type CwAlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface CwAlarm {
  name: string;
  arn?: string;
  description?: string;
  /** The metric's namespace; for metric math, the namespace of the first metric that has one. */
  namespace?: string;
  metric?: string;
  dimensions: Record<string, string>;
  statistic?: string;
  periodSeconds?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparison?: string;
  treatMissingData?: string;
  state: CwAlarmState;
  stateReason: string;
  /** When the alarm entered its current state (epoch ms). */
  stateSince?: number;
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
}

/** The namespaces whose alarms `/ecs alarms` lists. */
const ECS_NAMESPACES = ['ECS/ContainerInsights', 'AWS/ECS'] as const;

export function isEcsAlarm(a: CwAlarm): boolean {
  return a.namespace !== undefined && (ECS_NAMESPACES as readonly string[]).includes(a.namespace);
}

/** Every action ARN of the alarm, each once. */
export function allActions(a: Pick<CwAlarm, 'alarmActions' | 'okActions' | 'insufficientDataActions'>): string[] {
  return [...new Set([...a.alarmActions, ...a.okActions, ...a.insufficientDataActions])];
}

/** `arn:aws:sns:…` (any partition): a notification, harmless to mute. */
function isSnsAction(arn: string): boolean {
  return /^arn:aws[a-z-]*:sns:/.test(arn);
}

/**
 * Actions that do something besides notifying: Auto Scaling and Application Auto Scaling policies,
 * EC2 stop/terminate/reboot/recover, Systems Manager OpsItems or incidents, Lambda.
 */
export function nonSnsActions(a: Pick<CwAlarm, 'alarmActions' | 'okActions' | 'insufficientDataActions'>): string[] {
  return allActions(a).filter((x) => !isSnsAction(x));
}

/** A readable kind for an action ARN: "Auto Scaling policy", "EC2 action", "SNS topic Foo" … */
export function describeAction(arn: string): string {
  if (isSnsAction(arn)) return `SNS topic ${arn.split(':').pop()}`;
  if (/^arn:aws[a-z-]*:autoscaling:/.test(arn)) {
    return /scalingPolicy:.*resource\/ecs\//.test(arn) ? 'ECS service auto scaling policy' : 'Auto Scaling policy';
  }
  if (/^arn:aws[a-z-]*:automate:/.test(arn)) return `EC2 action (${arn.split(':').pop()})`;
  if (/^arn:aws[a-z-]*:ssm(-incidents)?:/.test(arn)) return 'Systems Manager action';
  if (/^arn:aws[a-z-]*:lambda:/.test(arn)) return `Lambda function ${arn.split(':').pop()}`;
  return 'action';
}

/** "PendingTaskCount Maximum > 0 for 3 × 60 s" — the condition in one line. */
export function conditionText(
  a: Pick<CwAlarm, 'metric' | 'statistic' | 'comparison' | 'threshold' | 'evaluationPeriods' | 'periodSeconds'>,
): string {
  const op: Record<string, string> = {
    GreaterThanThreshold: '>',
    GreaterThanOrEqualToThreshold: '≥',
    LessThanThreshold: '<',
    LessThanOrEqualToThreshold: '≤',
  };
  const parts = [
    a.metric ?? 'metric math',
    a.statistic,
    a.comparison ? (op[a.comparison] ?? a.comparison) : undefined,
    a.threshold,
  ];
  const cond = parts.filter((p) => p !== undefined && p !== '').join(' ');
  const periods = a.evaluationPeriods && a.periodSeconds ? ` for ${a.evaluationPeriods} × ${a.periodSeconds} s` : '';
  return `${cond}${periods}`;
}
