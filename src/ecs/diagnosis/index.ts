import { capacityFinding } from './capacity';
import { deploymentFinding } from './deployments';
import { computeFacts, type Facts } from './facts';
import { insightsFinding } from './insights';
import { memoryFinding } from './memory';
import { placementFinding } from './placement';
import { recommend } from './recommend';
import { revisionFinding } from './revisions';
import { stoppedTasksFinding } from './stopped-tasks';
import { taskCountsFinding } from './task-counts';
import { SEVERITY_ORDER, type Diagnosis, type DiagnosisInput, type Finding, type Severity } from './types';
import { utilisationFinding } from './utilisation';

export type Rule = (input: DiagnosisInput, facts: Facts) => Finding | undefined;

/** Every rule, in the order a reader wants ties broken: counts, then why. */
export const RULES: readonly Rule[] = [
  taskCountsFinding,
  placementFinding,
  capacityFinding,
  // A bad deploy explains the stopped tasks, so it heads the diagnosis when both are critical.
  revisionFinding,
  stoppedTasksFinding,
  memoryFinding,
  deploymentFinding,
  utilisationFinding,
  insightsFinding,
];

const rank = (s: Severity) => SEVERITY_ORDER.indexOf(s);

/** Runs every rule over the evidence, worst finding first, and the recommendation. Pure. */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const facts = computeFacts(input);
  const findings = RULES.map((r) => r(input, facts))
    .filter((f): f is Finding => f !== undefined)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.severity) - rank(b.f.severity) || a.i - b.i)
    .map((x) => x.f);
  const severity = findings[0]?.severity ?? 'ok';
  const healthy = severity === 'ok' || severity === 'info';
  const counts = findings.find((f) => f.id === 'tasks');
  const headline = healthy ? `Looks healthy: ${counts?.title ?? 'no problem found'}` : findings[0].title;
  return {
    cluster: input.cluster.name,
    service: input.service.name,
    at: input.now,
    counts: { desired: input.service.desired, running: input.service.running, pending: input.service.pending },
    findings,
    headline,
    severity,
    healthy,
    recommendation: recommend(input, facts, findings),
    capacity: facts.capacity,
    gaps: input.gaps,
  };
}

export type { Diagnosis, DiagnosisInput, Finding, Severity } from './types';
