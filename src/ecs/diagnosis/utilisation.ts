import type { Facts } from './facts';
import type { DiagnosisInput, Finding } from './types';

/** Utilisation at or above this share of the reservation is "near" it. */
export const NEAR_RESERVATION_PCT = 90;

const pct = (n: number) => `${Math.round(n)}%`;

/** CPU and memory utilisation against the service's reservation (Container Insights). */
export function utilisationFinding(input: DiagnosisInput, _f: Facts): Finding | undefined {
  const u = input.utilisation;
  if (!u) return undefined;
  const source = u.source === 'container-insights' ? 'Container Insights' : 'AWS/ECS metrics';
  if (u.cpu === undefined && u.memory === undefined) {
    if (input.service.running === 0) return undefined;
    return {
      id: 'utilisation',
      severity: 'info',
      title: `No utilisation data from ${source} in the last 10 min`,
      detail: 'CloudWatch had no recent datapoint for this service; metrics can lag a few minutes behind new tasks.',
      evidence: [],
    };
  }
  const evidence = [
    `CPU ${u.cpu !== undefined ? pct(u.cpu) : 'unknown'} and memory ${u.memory !== undefined ? pct(u.memory) : 'unknown'} of the reservation (${source}, latest minute)`,
  ];
  const hot: string[] = [];
  if (u.memory !== undefined && u.memory >= NEAR_RESERVATION_PCT) hot.push(`memory at ${pct(u.memory)}`);
  if (u.cpu !== undefined && u.cpu >= NEAR_RESERVATION_PCT) hot.push(`CPU at ${pct(u.cpu)}`);
  if (hot.length === 0) {
    return {
      id: 'utilisation',
      severity: 'ok',
      title: `CPU ${u.cpu !== undefined ? pct(u.cpu) : '–'}, memory ${u.memory !== undefined ? pct(u.memory) : '–'} of the reservation`,
      detail: 'The running tasks have room within what they reserve.',
      evidence,
    };
  }
  const memHot = u.memory !== undefined && u.memory >= NEAR_RESERVATION_PCT;
  return {
    id: 'utilisation',
    severity: 'warning',
    title: `${hot.join(' and ')} of the reservation`,
    detail: memHot
      ? 'Tasks near their memory reservation risk being killed for out of memory (exit 137): raise the task memory or add tasks to spread the load.'
      : 'Tasks near their CPU reservation slow down under load: add tasks, or raise the task’s CPU.',
    evidence,
  };
}
