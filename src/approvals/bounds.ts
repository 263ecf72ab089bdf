import { ForbiddenError, UsageError } from '../errors';
import { boundsProblem, type BoundKind, type ScaleBounds } from '../ecs/bounds';

/** A count a request may set: a whole number from 0 up. */
export function validateCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new UsageError(`${what} must be a whole number of 0 or more, got "${String(n)}"`);
  }
  return n;
}

/**
 * The configured bounds: a count above the maximum, or a step larger than MAX_STEP, is refused
 * outright (not just warned about), with the setting an admin would change. The rule itself is the
 * domain's (boundsProblem), shared with the suggestions and the diagnosis.
 */
export function checkBounds(policy: ScaleBounds, kind: BoundKind, from: number, to: number): void {
  const problem = boundsProblem(policy, kind, from, to);
  if (problem) throw new ForbiddenError(problem.message);
}
