import type { Facts } from './facts';
import { ago, oneLine, shortId } from './format';
import type { DiagnosisInput, Finding, MemoryKillInfo } from './types';

/**
 * A container killed for running out of memory: its limit against the peak the service's tasks reached
 * (Container Insights), and the advice in words — a larger memory setting in a new task definition
 * revision. A task definition change is not the bot's to make, and more instances never help: the
 * container is killed at its own limit wherever it runs.
 */

const pct = (n: number) => `${Math.round(n)}%`;

/** The limit the kill was measured against: the container's hard limit, else the task's memory. */
export function limitOf(m: MemoryKillInfo): number | undefined {
  return m.containerLimit ?? m.taskMemory;
}

/** Peak use per task in MiB (the share of the reservation applied to the task's memory), when known. */
export function peakMib(m: MemoryKillInfo): number | undefined {
  if (m.peakPct === undefined || m.taskMemory === undefined) return undefined;
  return Math.round((m.peakPct / 100) * m.taskMemory);
}

/** A setting worth trying: half again above the larger of the limit and the peak, in whole 128 MiB. */
export function suggestedMemory(m: MemoryKillInfo): number | undefined {
  const base = Math.max(limitOf(m) ?? 0, peakMib(m) ?? 0);
  return base > 0 ? Math.ceil((base * 1.5) / 128) * 128 : undefined;
}

/** One sentence for the recommendation. Plain text. */
export function memoryAdvice(m: MemoryKillInfo): string {
  const limit = limitOf(m);
  const peak = peakMib(m);
  const facts = [
    limit !== undefined ? `${limit} MiB limit` : undefined,
    peak !== undefined ? `peak about ${peak} MiB per task` : undefined,
  ].filter(Boolean);
  const to = suggestedMemory(m);
  return `container ${m.container} is killed for running out of memory${facts.length ? ` (${facts.join(', ')})` : ''}: give it more memory in a new task definition revision${to ? `, e.g. ${to} MiB` : ''}, or find what grew; more instances would not help`;
}

export function memoryFinding(input: DiagnosisInput, _f: Facts): Finding | undefined {
  const m = input.memoryKill;
  if (!m) return undefined;
  const limit = limitOf(m);
  const peak = peakMib(m);
  const exit = m.exitCode !== undefined ? `, exit code ${m.exitCode}` : '';
  const when = m.stoppedAt !== undefined ? ` ${ago(m.stoppedAt, input.now)}` : '';
  const evidence = [
    `Task ${shortId(m.taskId)} (${m.taskDefinition}) stopped${when}: "${oneLine(m.reason, 200)}"${exit}${m.kills > 1 ? ` — ${m.kills} memory kills in the last hour` : ''}`,
    `${m.container}: ${m.containerLimit !== undefined ? `hard limit ${m.containerLimit} MiB (memory)` : 'no container hard limit'}${m.containerReservation !== undefined ? `, soft reservation ${m.containerReservation} MiB (memoryReservation)` : ''}${m.taskMemory !== undefined ? `; task memory ${m.taskMemory} MiB` : ''}`,
    m.peakPct !== undefined
      ? `Peak memory ${pct(m.peakPct)} of the reservation${peak !== undefined ? ` (about ${peak} MiB per task)` : ''}${m.peakAt !== undefined ? ` ${ago(m.peakAt, input.now)}` : ''} — Container Insights MemoryUtilized ÷ MemoryReserved of the service, 1-minute averages over the last hour`
      : `Peak memory not known: ${m.peakMissing ?? 'no Container Insights datapoint in the last hour'}`,
  ];
  const to = suggestedMemory(m);
  const headline =
    limit !== undefined
      ? `${m.container} was killed for running out of memory: ${limit} MiB limit${peak !== undefined ? `, peak use about ${peak} MiB per task (${pct(m.peakPct!)} of the reservation)` : ''}`
      : `${m.container} was killed for running out of memory`;
  return {
    id: 'memory',
    severity: m.kills > 1 || input.service.running < input.service.desired ? 'critical' : 'warning',
    title: headline,
    detail: `Give ${m.container} more memory in a new task definition revision: a hard limit above its peak with headroom${to ? ` (e.g. ${to} MiB)` : ''}, and the task's memory to match where it is set — or find what grew. More instances or tasks would not help: the container is killed at its own limit wherever it runs.`,
    evidence,
  };
}
