import { describeLimit } from '../capacity';
import { boundsProblem, nearestAllowed, type BoundsProblem, type ScaleBounds } from '../bounds';
import { fitsSentence } from './capacity';
import { circuitBreakerActivity } from './deployments';
import { memoryAdvice } from './memory';
import { findBadDeployment } from './revisions';
import type { PlacementReason } from './events';
import type { Facts } from './facts';
import { plural } from '../../util/text';
import type { StopCause } from './stop-causes';
import type { DiagnosisInput, Finding, ProposedChange, Recommendation, RecommendedAction } from './types';
import { truncate } from '../../util/text';

/**
 * The recommendation engine: from the findings' facts to one sentence and at most two buttons, each a
 * pre-filled change request for the approval flow (never an action by itself). Adding instances is
 * offered only when capacity is what is missing and the bot knows the Auto Scaling group; scaling the
 * service back to what runs is offered when that is the safer fix and cannot hide another problem.
 */

const STOP_FIX: Partial<Record<StopCause, string>> = {
  oom: 'tasks are killed for running out of memory: raise the task’s memory in a new task definition revision (more instances would not help)',
  killed: 'tasks are killed with exit 137: check memory use and the stop timeout (more instances would not help)',
  'image-pull':
    'tasks cannot pull their image: fix the image reference or the execution role and network access to the registry',
  init: 'tasks fail to initialise: fix the execution role’s access to secrets and the registry, or the log configuration',
  'health-check':
    'tasks fail their health checks: fix the health check (path, port, grace period) or the application’s start-up',
  'failed-to-start': 'tasks fail to start: fix the container’s command, image or configuration',
  'essential-exit': 'an essential container keeps exiting: read its logs and fix the application or its configuration',
};

const PLACEMENT_FIX: Partial<Record<PlacementReason, string>> = {
  attribute:
    'no instance satisfies the task’s placement constraints or requirements: fix the constraints or run matching instances',
  agent: 'an instance’s ECS agent is disconnected: restart the agent or replace the instance',
  'capacity-unavailable':
    'Fargate has no capacity for this task in the subnets’ zones: add subnets in other zones, or retry later',
};

const trim = (s: string, max = 240) => truncate(s, max);

/** What to do about tasks that stop for `cause`; a memory kill names its limit, its peak and a setting to try. */
function stopFix(input: DiagnosisInput, cause: StopCause): string {
  if (cause === 'oom' && input.memoryKill) return memoryAdvice(input.memoryKill);
  return STOP_FIX[cause]!;
}
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function scaleService(input: DiagnosisInput, n: number, primary: boolean, why: string): RecommendedAction {
  const s = input.service;
  const proposal: ProposedChange = {
    a: 'scale-service',
    c: input.cluster.name,
    s: s.name,
    n,
    r: trim(`diagnose: ${why}`),
  };
  return { label: `Scale ${s.name} back to ${plural(n, 'task')}`, primary, proposal };
}

function hasProblemBesidesCapacity(findings: Finding[], f: Facts): boolean {
  if (f.stops.failures > 0 || f.stops.infrastructure > 0) return true;
  return findings.some((x) => x.id === 'deployment' && (x.severity === 'critical' || x.severity === 'warning'));
}

/**
 * Scaling the service back to what runs is safer when the shortfall is capacity alone: nothing
 * crashes, no instance was lost (that would shrink what ran before), and service auto scaling does
 * not own the desired count (it would undo it, or it raised it for load).
 */
function scaleBackIsSafe(input: DiagnosisInput, findings: Finding[], f: Facts): boolean {
  const s = input.service;
  if (s.running === 0 || s.running >= s.desired) return false;
  if (hasProblemBesidesCapacity(findings, f)) return false;
  if (input.serviceScaling && (input.serviceScaling.policies.length > 0 || input.serviceScaling.min > s.running))
    return false;
  return true;
}

/** Where a bound of the service's account is set: its setting, or the policy rule that sets it. */
function source(b: ScaleBounds, p: BoundsProblem, kind: 'tasks' | 'instances'): string {
  if (p.bound === 'step') return b.sources?.maxStep ?? 'MAX_STEP';
  return kind === 'tasks'
    ? (b.sources?.maxDesiredTasks ?? 'MAX_DESIRED_TASKS')
    : (b.sources?.maxInstances ?? 'MAX_INSTANCES');
}

const inAccount = (input: DiagnosisInput) => (input.limits.account ? ` in ${input.limits.account}` : '');

/**
 * The count to scale the service back to: what runs, or as far towards it as one request may go in the
 * service's account (a note says so); undefined when no request may go there at all.
 */
function boundedBack(input: DiagnosisInput, notes: string[]): number | undefined {
  const s = input.service;
  const lim = input.limits.tasks;
  const p = boundsProblem(lim, 'tasks', s.desired, s.running);
  if (!p) return s.running;
  const n = nearestAllowed(lim, 'tasks', s.desired, s.running);
  notes.push(
    `Scaling ${s.name} back to ${s.running} changes the count by more than one request may${inAccount(input)} (${p.limit}, ${source(lim, p, 'tasks')})${n === undefined ? '' : `: the button takes a first step, to ${n}`}.`,
  );
  return n;
}

export function recommend(input: DiagnosisInput, f: Facts, findings: Finding[]): Recommendation | undefined {
  if (!findings.some((x) => x.severity === 'critical' || x.severity === 'warning')) return undefined;
  const s = input.service;
  const cluster = input.cluster.name;
  const notes: string[] = [];
  if (input.serviceScaling) {
    notes.push(
      `Service auto scaling manages ${s.name} (min ${input.serviceScaling.min}, max ${input.serviceScaling.max}${input.serviceScaling.policies.length ? `, policies ${input.serviceScaling.policies.join(', ')}` : ''}): it may change the desired count again.`,
    );
  }

  // 1. The newest revision fails where the one before it ran steady: go back to it. Tasks that
  // cannot be placed never stop, so a capacity shortfall never lands here.
  const bad = findBadDeployment(input, f);
  const unplaceable = !!f.capacity && f.capacity.unplaceable > 0;
  if (bad && (!unplaceable || Math.max(bad.newest.failed, bad.ecsFailedTasks) >= 3)) {
    const back = bad.previous.taskDefinition;
    const why = `tasks of ${bad.newest.taskDefinition} keep failing where ${back} ran steady`;
    const oom = bad.newest.causes[0]?.cause === 'oom' && input.memoryKill ? ` (${memoryAdvice(input.memoryKill)})` : '';
    notes.push(
      `The rollback deploys ${back} again as it was; fix ${bad.newest.taskDefinition} before deploying it again.`,
    );
    return {
      summary: `${why}: roll back to ${back}, then fix the new revision${oom}`,
      actions: [
        {
          label: `Roll back to ${back}`,
          primary: true,
          proposal: { a: 'rollback-service', c: cluster, s: s.name, td: back, r: trim(`diagnose: ${why}`) },
        },
      ],
      notes,
    };
  }

  // 2. A failed or rolled-back deployment: the revision is the problem, not the capacity.
  const deployment = findings.find(
    (x) => x.id === 'deployment' && (x.severity === 'critical' || x.severity === 'warning'),
  );
  if (circuitBreakerActivity(input, f).any) {
    return {
      summary:
        'the new task definition revision does not start healthily: fix it (see the stopped tasks) before deploying again; scaling would not help',
      actions: [],
      notes,
    };
  }

  // 3. Tasks start and then die: more room would only make them die faster. One or two failures
  // beside a capacity shortfall are noise next to it; three or more are the story.
  const plan = f.capacity;
  const worstStop = f.stops.groups.find((g) => STOP_FIX[g.cause]);
  const capacityShort = !!plan && plan.unplaceable > 0;
  const crashing = f.stops.failures >= 3 || (f.stops.failures > 0 && !capacityShort);
  if (crashing && worstStop) {
    return { summary: stopFix(input, worstStop.cause), actions: [], notes };
  }

  // 4. Not enough room on the instances.
  if (plan && capacityShort) {
    const short = !plan.reference
      ? 'no container instances'
      : plan.reference.limitedBy === 'ports'
        ? 'their host port is taken on every instance'
        : `not enough ${plan.reference.limitedBy === 'cpu' ? 'CPU' : 'memory'} on the instances`;
    const why = `${plural(plan.unplaceable, 'task')} of ${cluster}/${s.name} cannot be placed: ${short}`;
    // Scaling back is offered only as far as one request may go in the service's account.
    const backN = scaleBackIsSafe(input, findings, f) ? boundedBack(input, notes) : undefined;
    const safeBack = backN !== undefined;
    const back = safeBack
      ? `scale ${s.name} back to ${plural(s.running, 'task')} (what runs now) if ${s.desired} are not needed; the alarm clears at once`
      : undefined;
    const choice = f.groupChoice;
    if (choice && !choice.chosen) {
      return {
        summary: `${why}; ${choice.why}${back ? `; or ${back}` : ''}`,
        actions: safeBack ? [scaleService(input, backN!, true, why)] : [],
        notes,
      };
    }
    if (choice?.chosen) notes.push(`${capitalise(choice.why)}.`);
    if (plan.neverFits && plan.reference) {
      return {
        summary: `a task needs more than an empty ${plan.reference.instanceType ?? 'instance'} has (${describeLimit(plan.task, plan.reference)}): use a larger instance type or a smaller task`,
        actions: safeBack ? [scaleService(input, backN!, true, why)] : [],
        notes,
      };
    }
    if (plan.instancesNeeded === undefined || plan.extraInstances === undefined) {
      const asg = f.asg;
      if (asg && asg.desired === 0) {
        return {
          summary: `the cluster has no container instances: scale the Auto Scaling group ${asg.name} to 1, then diagnose again to size it`,
          actions: [
            {
              label: `Scale ${asg.name} to 1 instance`,
              primary: true,
              proposal: { a: 'scale-instances', c: cluster, n: 1, g: asg.name, r: trim(`diagnose: ${why}`) },
            },
          ],
          notes,
        };
      }
      return {
        summary: asg
          ? `the Auto Scaling group ${asg.name} wants ${plural(asg.desired, 'instance')} but none has joined the cluster: check the instances’ ECS_CLUSTER setting and the ECS agent`
          : 'the cluster has no container instances and the bot cannot tell which Auto Scaling group feeds it: start instances that join the cluster (or set ASG_MAPPING)',
        actions: [],
        notes,
      };
    }
    const fits = fitsSentence(plan)!;
    const needs = `${plural(s.desired, 'task')} need ${plural(plan.instancesNeeded, 'instance')}`;
    const asg = f.asg;
    if (!asg) {
      return {
        summary: `${fits}, ${needs}, but the bot cannot tell which Auto Scaling group feeds cluster ${cluster} (set ASG_MAPPING=${cluster}=<group>)${back ? `; or ${back}` : ''}`,
        actions: safeBack ? [scaleService(input, backN!, true, why)] : [],
        notes,
      };
    }
    if (asg.managedScaling)
      notes.push(
        `A capacity provider with managed scaling drives ${asg.name}'s desired capacity; its max size is what lets it grow.`,
      );
    // Instances known to come from another group are not this group's to replace.
    const others = (input.instances ?? []).filter(
      (i) => i.status === 'ACTIVE' && i.agentConnected && i.asgName && i.asgName !== asg.name,
    ).length;
    const target = plan.instancesNeeded - others;
    if (asg.desired >= target) {
      const summary = asg.launching
        ? `${fits}, ${needs}, and ${asg.name} is already at ${asg.desired} with ${plural(asg.launching, 'instance')} launching: wait for them to join the cluster`
        : `${fits}, ${needs}; ${asg.name} is already at ${asg.desired} but only ${plan.usableInstances} joined the cluster: check the instances’ ECS agent and ECS_CLUSTER setting`;
      return { summary, actions: safeBack ? [scaleService(input, backN!, false, why)] : [], notes };
    }
    const lim = input.limits.instances;
    const over = boundsProblem(lim, 'instances', asg.desired, target);
    if (over?.bound === 'max') {
      notes.push(
        `${plural(target, 'instance')} is above the limit of ${over.limit}${inAccount(input)} (${source(lim, over, 'instances')}).`,
      );
      return {
        summary: `${fits}, ${needs}: more than the ${over.limit} instances a request may set${back ? `; ${back}` : ', so lower the desired count or use a larger instance type'}`,
        actions: safeBack ? [scaleService(input, backN!, true, why)] : [],
        notes,
      };
    }
    // More than one request may add: the button takes the first step, and the note says so.
    const step = over ? nearestAllowed(lim, 'instances', asg.desired, target) : target;
    if (over && step !== undefined)
      notes.push(
        `${plural(target, 'instance')} are needed, but one request may change the count by at most ${over.limit}${inAccount(input)} (${source(lim, over, 'instances')}): the button takes the first step, to ${step}; diagnose again after it.`,
      );
    const n = step ?? target;
    const change = n > asg.max ? `max ${asg.max} → ${n}` : `desired ${asg.desired} → ${n}`;
    const actions: RecommendedAction[] =
      step === undefined
        ? []
        : [
            {
              label: `Scale ${asg.name} to ${plural(n, 'instance')}`,
              primary: true,
              proposal: { a: 'scale-instances', c: cluster, n, g: asg.name, r: trim(`diagnose: ${why}`) },
            },
          ];
    if (safeBack) {
      actions.push(scaleService(input, backN!, false, why));
      notes.push(`Or ${back}.`);
    }
    return {
      summary: `${fits}, ${needs}: scale the Auto Scaling group ${asg.name} to ${target} (${change})`,
      actions,
      notes,
    };
  }

  // 5. Placement fails for something other than room.
  const placement = f.placement.groups.find((g) => PLACEMENT_FIX[g.reason]);
  if (placement && s.running < s.desired) return { summary: PLACEMENT_FIX[placement.reason]!, actions: [], notes };

  // 6. Whatever else is wrong: say the most important thing plainly.
  if (f.stops.failures > 0 && worstStop) return { summary: stopFix(input, worstStop.cause), actions: [], notes };
  if (deployment)
    return {
      summary: 'the deployment is not finishing: check the new tasks’ health and whether they can be placed',
      actions: [],
      notes,
    };
  const util = findings.find((x) => x.id === 'utilisation' && x.severity === 'warning');
  if (util) {
    return {
      summary: `${util.title.charAt(0).toLowerCase()}${util.title.slice(1)}: add tasks to spread the load, or raise the task’s reservation in a new revision`,
      actions: [],
      notes,
    };
  }
  if (f.stops.infrastructure > 0)
    return {
      summary:
        'tasks stopped because their instance went away: check the Auto Scaling group’s activity (Spot interruptions, scale-in, failed hosts)',
      actions: [],
      notes,
    };
  return undefined;
}
