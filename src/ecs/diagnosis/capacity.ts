import { describeLimit, type CapacityPlan, type InstanceFit } from '../capacity';
import type { Facts } from './facts';
import { mib } from './format';
import { plural } from '../../util/text';
import { groupFitText } from './groups';
import type { AsgInfo, DiagnosisInput, Finding } from './types';

/** "Each instance fits 1 task (memory: 512 MiB of 982 MiB)"; names the type when the cluster mixes types. */
export function fitsSentence(plan: CapacityPlan): string | undefined {
  const ref = plan.reference;
  if (!ref) return undefined;
  const types = new Set(plan.instances.filter((i) => i.usable).map((i) => i.instanceType ?? 'unknown'));
  const who = types.size > 1 && ref.instanceType ? `each ${ref.instanceType} instance` : 'each instance';
  return `${who} fits ${plural(ref.fitsEmpty, 'task')} (${describeLimit(plan.task, ref)})`;
}

function typeLines(plan: CapacityPlan): string[] {
  const byType = new Map<string, InstanceFit[]>();
  for (const i of plan.instances) {
    const k = `${i.instanceType ?? 'unknown type'}${i.usable ? '' : ' (not usable: draining or agent disconnected)'}`;
    byType.set(k, [...(byType.get(k) ?? []), i]);
  }
  return [...byType].map(([type, list]) => {
    const r = list[0].registered;
    const freeMem = list.reduce((a, i) => a + Math.max(0, i.remaining.memory), 0);
    const freeCpu = list.reduce((a, i) => a + Math.max(0, i.remaining.cpu), 0);
    const now = list.reduce((a, i) => a + i.fitsNow, 0);
    return (
      `${list.length} × ${type}: ${mib(r.memory)} and ${r.cpu} CPU units registered each, fits ${plural(list[0].fitsEmpty, 'task')} when empty; ` +
      `${mib(freeMem)} and ${freeCpu} CPU units free, room for ${now} more now`
    );
  });
}

/** The capacity math as a finding: what each instance holds, what the desired count needs, what is missing. */
export function capacityFinding(input: DiagnosisInput, f: Facts): Finding | undefined {
  const { service } = input;
  const td = input.taskDefinition;
  if (f.fargate) {
    if (service.running >= service.desired) return undefined;
    return {
      id: 'capacity',
      severity: 'info',
      title: 'Fargate provides the capacity: there are no instances to add',
      detail:
        'Each Fargate task gets its own capacity from AWS; instance counts do not apply. Placement on Fargate fails only for want of AWS capacity or subnet addresses.',
      evidence: td ? [`Task size: ${td.cpu} CPU units, ${mib(td.memory)}`] : [],
    };
  }
  const plan = f.capacity;
  if (!plan) return undefined;
  const taskLine = `Task ${td ? `${td.family}:${td.revision} ` : ''}reserves ${plan.task.cpu} CPU units and ${mib(plan.task.memory)}${plan.task.hostPorts.length ? `, host port ${plan.task.hostPorts.join(', ')}` : ''}`;
  const evidence = [taskLine, ...typeLines(plan)];
  const groupLine = (asg: AsgInfo) =>
    `Auto Scaling group ${asg.name} (found by ${asg.foundBy}): desired ${asg.desired}, min ${asg.min}, max ${asg.max}` +
    `${asg.launching ? `, ${asg.launching} launching` : ''}${asg.managedScaling ? ', managed scaling on' : ''}`;
  if (f.groupChoice) {
    for (const g of f.groupChoice.fits) evidence.push(`${groupLine(g.group)}; ${groupFitText(g)}`);
  } else if (f.asg) {
    evidence.push(groupLine(f.asg));
  }
  if (plan.instances.length === 0) {
    if (service.desired === 0) return undefined;
    return {
      id: 'capacity',
      severity: 'critical',
      title: 'The cluster has no container instances',
      detail:
        'EC2 tasks need registered container instances: start some in the cluster’s Auto Scaling group, and check they join this cluster.',
      evidence,
    };
  }
  const ref = plan.reference!;
  if (plan.neverFits) {
    return {
      id: 'capacity',
      severity: 'critical',
      title: `A task needs more than an empty ${ref.instanceType ?? 'instance'} has (${describeLimit(plan.task, ref)})`,
      detail:
        'No number of these instances can run the task: use a larger instance type, or reduce the task’s CPU or memory.',
      evidence,
    };
  }
  const fits = fitsSentence(plan)!;
  const cap = fits.charAt(0).toUpperCase() + fits.slice(1);
  if (plan.unplaceable > 0) {
    const needs =
      plan.instancesNeeded !== undefined
        ? `; ${plural(service.desired, 'task')} need ${plural(plan.instancesNeeded, 'instance')}, the cluster has ${plan.usableInstances}`
        : '';
    if (plan.fragmented) {
      evidence.push(
        `${mib(plan.free.memory)} and ${plan.free.cpu} CPU units are free in total, but no single instance has room for a task`,
      );
    } else {
      const short = [
        plan.missing.memory > 0 ? mib(plan.missing.memory) : '',
        plan.missing.cpu > 0 ? `${plan.missing.cpu} CPU units` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      evidence.push(
        `${plural(plan.waiting, 'waiting task')} need ${mib(plan.waiting * plan.task.memory)} and ${plan.waiting * plan.task.cpu} CPU units; the cluster is ${short} short`,
      );
    }
    return {
      id: 'capacity',
      severity: 'critical',
      title: `${cap}${needs}`,
      detail: `${plural(plan.unplaceable, 'task')} cannot be placed: no instance has room, so they wait until capacity is added or the desired count comes down.`,
      evidence,
    };
  }
  if (plan.waiting > 0) {
    return {
      id: 'capacity',
      severity: 'info',
      title: `${cap}; the instances have room for the ${plural(plan.waiting, 'waiting task')}`,
      detail: 'Capacity is not what holds these tasks back.',
      evidence,
    };
  }
  if (plan.headroom === 0 && service.desired > 0) {
    return {
      id: 'capacity',
      severity: 'info',
      title: `${cap}; no room for one more`,
      detail:
        'The next deployment or scale-out has to wait for capacity: a rolling deployment starts new tasks before it stops old ones.',
      evidence,
    };
  }
  return {
    id: 'capacity',
    severity: 'ok',
    title: `${cap}; room for ${plural(plan.headroom, 'more task')}`,
    detail: 'The instances have room to spare.',
    evidence,
  };
}
