import type { Facts } from './facts';
import { ago, duration, oneLine } from './format';
import { plural } from '../../util/text';
import type { StopCause, StopGroup } from './stop-causes';
import type { DiagnosisInput, Finding, StoppedContainerLogs } from './types';

const WHAT: Record<StopCause, string> = {
  oom: 'killed for running out of memory',
  killed: 'killed (exit 137, SIGKILL)',
  'image-pull': 'could not pull the container image',
  init: 'failed to initialise (secrets, registry auth or log configuration)',
  'health-check': 'failed health checks',
  'failed-to-start': 'failed to start',
  'essential-exit': 'stopped because an essential container exited',
  infrastructure: 'stopped because their instance went away',
  scaling: 'stopped by the scheduler (scaling or deployment)',
  user: 'stopped by a user or API call',
  other: 'stopped for another reason',
};

const ADVICE: Partial<Record<StopCause, string>> = {
  oom: 'Raise the task’s memory (or the container’s hard limit), or find what grew.',
  killed: 'Exit 137 is SIGKILL: usually out of memory, else the container ignored SIGTERM past the stop timeout.',
  'image-pull':
    'Check that the image and tag exist, and that the task execution role and the network (NAT or VPC endpoints) let ECS pull it.',
  init: 'Check the execution role’s access to secrets and the registry, and the log configuration.',
  'health-check': 'Check the health check path and port, and give slow starters a longer grace period.',
  'failed-to-start': 'Read the container reason: a bad command, missing file or runtime error prevents the start.',
  'essential-exit': 'The application exited: its logs say why.',
  infrastructure: 'Tasks stopped because their instance was terminated or drained (Spot, scale-in or a failed host).',
};

function line(g: StopGroup, now: number): string {
  const reasons = g.reasons
    .slice(0, 2)
    .map((r) => `"${oneLine(r.text, 160)}"${r.count > 1 ? ` ×${r.count}` : ''}`)
    .join(', ');
  const exits = g.exits.length ? `; ${g.exits.slice(0, 3).join(', ')}` : '';
  return `${plural(g.count, 'task')} ${WHAT[g.cause]}, last ${ago(g.lastAt, now)}: ${reasons}${exits}`;
}

/** Recently stopped tasks and why: OOM kills, image pulls, health checks, essential containers exiting. */
export function stoppedTasksFinding(input: DiagnosisInput, f: Facts): Finding | undefined {
  if (!input.stoppedTasks) return undefined;
  const s = f.stops;
  const window = duration(s.windowMs);
  const cannotStart = f.recent.filter((e) => e.kind === 'cannot-start');
  if (s.failures === 0 && cannotStart.length > 0) {
    return {
      id: 'stopped-tasks',
      severity: 'warning',
      title: 'ECS reports the service is unable to consistently start tasks',
      detail: 'Tasks start and stop again; their stopped reasons (kept about an hour) say why.',
      evidence: [
        `${plural(cannotStart.length, 'event')} since the last steady state, last ${ago(cannotStart[0].at, input.now)}`,
        ...s.groups.map((g) => line(g, input.now)),
      ],
    };
  }
  if (s.groups.length === 0) {
    return {
      id: 'stopped-tasks',
      severity: 'ok',
      title: `No task stopped in the last ${window}`,
      detail: 'Nothing is crashing or being killed.',
      evidence: [],
    };
  }
  const evidence = s.groups.map((g) => line(g, input.now));
  if (cannotStart.length > 0)
    evidence.push(
      `ECS: "unable to consistently start tasks" ${plural(cannotStart.length, 'time')} since the last steady state`,
    );
  if (s.failures === 0 && s.infrastructure === 0) {
    return {
      id: 'stopped-tasks',
      severity: 'ok',
      title: `No task failed in the last ${window} (${plural(s.benign, 'task')} stopped by scaling or by hand)`,
      detail: 'Stops by the scheduler or a user are the service doing its job.',
      evidence,
    };
  }
  const worst = s.groups.find((g) => g.cause !== 'scaling' && g.cause !== 'user')!;
  const severity =
    s.failures >= 3 || (s.failures > 0 && input.service.running < input.service.desired) ? 'critical' : 'warning';
  const title =
    s.failures > 0
      ? `${plural(s.failures, 'task')} failed in the last ${window}: ${plural(worst.count, 'task')} ${WHAT[worst.cause]}`
      : `${plural(s.infrastructure, 'task')} ${WHAT.infrastructure} in the last ${window}`;
  return {
    id: 'stopped-tasks',
    severity: s.failures > 0 ? severity : 'warning',
    title,
    detail: ADVICE[worst.cause] ?? 'Read the stopped tasks’ reasons below.',
    evidence,
    ...(input.stoppedLogs ? { excerpt: excerptOf(input.stoppedLogs) } : {}),
  };
}

/** The failed container's last lines, captioned with its task, stop reason and exit code. */
function excerptOf(l: StoppedContainerLogs): { caption: string; lines: string[] } {
  const exit = l.exitCode !== undefined ? `, exit code ${l.exitCode}` : '';
  const head = `${l.container} in task ${l.taskId.slice(0, 8)} stopped: "${oneLine(l.reason, 200)}"${exit}`;
  if (l.problem) return { caption: `${head}. Its last lines could not be read: ${l.problem}`, lines: [] };
  if (l.lines.length === 0) return { caption: `${head}. It wrote nothing in the hour before it stopped.`, lines: [] };
  return { caption: `${head}. Its last ${plural(l.lines.length, 'line')}:`, lines: l.lines };
}
