import type { Facts } from './facts';
import { ago, duration } from './format';
import { plural } from '../../util/text';
import type { DiagnosisInput, Finding } from './types';

/** A shortfall older than this is not a deployment or scale-out finishing: it is stuck. */
export const STUCK_AFTER_MS = 5 * 60_000;

/** Desired vs running vs pending tasks, and for how long the service has been short. */
export function taskCountsFinding(input: DiagnosisInput, f: Facts): Finding {
  const { desired, running, pending } = input.service;
  const { now } = input;
  const evidence = [`ECS reports desired ${desired}, running ${running}, pending ${pending}`];
  if (f.pendingTasks.length > 0) {
    const oldest = Math.min(...f.pendingTasks.map((t) => t.createdAt ?? now));
    const waitingForRoom = f.fargate ? 0 : f.pendingTasks.length - f.placedPending;
    evidence.push(
      `${plural(f.pendingTasks.length, 'task')} not yet running, the oldest created ${ago(oldest, now)}` +
        (waitingForRoom > 0 ? `; ${waitingForRoom} not placed on any instance` : ''),
    );
  }
  if (f.lastSteadyAt !== undefined) evidence.push(`Last steady state ${ago(f.lastSteadyAt, now)}`);

  if (desired === 0) {
    return {
      id: 'tasks',
      severity: 'info',
      title: 'The service is scaled to 0 tasks',
      detail: 'Nothing runs, by request: the desired count is 0.',
      evidence,
    };
  }
  if (running >= desired && pending === 0) {
    return {
      id: 'tasks',
      severity: running > desired ? 'info' : 'ok',
      title:
        running > desired
          ? `${running} tasks running for a desired ${desired} (extra ones are stopping)`
          : `${running} of ${desired} tasks running`,
      detail:
        running > desired
          ? 'ECS is stopping the extra tasks, as it does while scaling in or deploying.'
          : 'The service runs its desired count.',
      evidence,
    };
  }
  const missing = desired - running;
  const lasting = f.shortfallSince !== undefined ? now - f.shortfallSince : undefined;
  const forHowLong = lasting !== undefined ? ` for ${duration(lasting)}` : '';
  const stuck = running === 0 || f.placement.total > 0 || (lasting !== undefined && lasting >= STUCK_AFTER_MS);
  const title =
    running < desired
      ? `${running} of ${desired} tasks running, ${plural(missing, 'task')} short${forHowLong}`
      : `${running} of ${desired} tasks running, ${pending} more starting`;
  const detail =
    running === 0
      ? 'The service runs no task at all: whatever it serves is down.'
      : f.placement.total > 0
        ? 'ECS cannot place the missing tasks; the findings below say why.'
        : stuck
          ? `The service has been below its desired count${forHowLong}; ECS is not catching up on its own.`
          : 'Tasks are starting; this is normal right after a deployment or a scale-out.';
  return {
    id: 'tasks',
    severity: running < desired ? (stuck ? 'critical' : 'warning') : 'info',
    title,
    detail,
    evidence,
  };
}
