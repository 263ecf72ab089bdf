import type { Config } from '../config';
import { ForbiddenError, UsageError } from '../errors';
import { plural } from '../util/text';

/** A count a request may set: a whole number from 0 up. */
export function validateCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new UsageError(`${what} must be a whole number of 0 or more, got "${String(n)}"`);
  }
  return n;
}

/**
 * The configured bounds: a count above the maximum, or a step larger than MAX_STEP, is refused
 * outright (not just warned about), with the setting an admin would change.
 */
export function checkBounds(policy: Config['policy'], kind: 'tasks' | 'instances', from: number, to: number): void {
  const max = kind === 'tasks' ? policy.maxDesiredTasks : policy.maxInstances;
  const setting = kind === 'tasks' ? 'MAX_DESIRED_TASKS' : 'MAX_INSTANCES';
  const unit = kind === 'tasks' ? 'task' : 'instance';
  if (to > max) {
    throw new ForbiddenError(
      `${plural(to, unit)} is above the limit of ${max} (${setting}); the request was not made.`,
    );
  }
  const step = Math.abs(to - from);
  if (step > policy.maxStep) {
    throw new ForbiddenError(
      `going from ${from} to ${to} changes the count by ${step}, more than the ${policy.maxStep} allowed in one request (MAX_STEP); scale in steps.`,
    );
  }
}
