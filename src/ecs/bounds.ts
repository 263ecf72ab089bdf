import { plural } from '../util/text';

/**
 * The bounds of a scale request: the most tasks and instances it may set and the largest step it may
 * take (MAX_DESIRED_TASKS, MAX_INSTANCES and MAX_STEP, refined per account and cluster by the policy
 * file). The approval flow refuses a request outside them, and every suggestion and recommendation
 * the bot makes is checked with the same function, so a button never proposes what would be refused.
 */
export interface ScaleBounds {
  maxDesiredTasks: number;
  maxInstances: number;
  maxStep: number;
  /** Where a bound comes from when not its setting ("rule 1 of the policy file"), for messages and notes. */
  sources?: Partial<Record<'maxDesiredTasks' | 'maxInstances' | 'maxStep', string>>;
}

export type BoundKind = 'tasks' | 'instances';

export interface BoundsProblem {
  /** Which bound: the maximum count, or the step of one request. */
  bound: 'max' | 'step';
  /** The value of that bound. */
  limit: number;
  message: string;
}

/** Why going from `from` to `to` is outside the bounds, or undefined when it is within them. */
export function boundsProblem(b: ScaleBounds, kind: BoundKind, from: number, to: number): BoundsProblem | undefined {
  const max = kind === 'tasks' ? b.maxDesiredTasks : b.maxInstances;
  const setting =
    kind === 'tasks'
      ? (b.sources?.maxDesiredTasks ?? 'MAX_DESIRED_TASKS')
      : (b.sources?.maxInstances ?? 'MAX_INSTANCES');
  const unit = kind === 'tasks' ? 'task' : 'instance';
  if (to > max)
    return {
      bound: 'max',
      limit: max,
      message: `${plural(to, unit)} is above the limit of ${max} (${setting}); the request was not made.`,
    };
  const step = Math.abs(to - from);
  if (step > b.maxStep)
    return {
      bound: 'step',
      limit: b.maxStep,
      message: `going from ${from} to ${to} changes the count by ${step}, more than the ${b.maxStep} allowed in one request (${b.sources?.maxStep ?? 'MAX_STEP'}); scale in steps.`,
    };
  return undefined;
}

/**
 * The count nearest `to` that one request from `from` may set: `to` itself when it is within the bounds,
 * else as far towards it as the maximum and the step allow (undefined when that is no change at all).
 */
export function nearestAllowed(b: ScaleBounds, kind: BoundKind, from: number, to: number): number | undefined {
  const max = kind === 'tasks' ? b.maxDesiredTasks : b.maxInstances;
  const n = to > from ? Math.min(to, max, from + b.maxStep) : Math.max(to, from - b.maxStep, 0);
  const capped = Math.min(n, max);
  return capped === from || boundsProblem(b, kind, from, capped) ? undefined : capped;
}
