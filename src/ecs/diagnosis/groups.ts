import { describeLimit, fitIn, taskNeeds, type TaskNeeds } from '../capacity';
import type { ContainerInstanceInfo, Resources } from '../model';
import { plural } from '../../util/text';
import type { AsgInfo, DiagnosisInput } from './types';

/**
 * Which of a cluster's Auto Scaling groups more capacity should come from, when it has several. New
 * instances are of the group's instance type, so the group must be one whose type holds a task; of
 * those, the one that holds the most tasks per instance (fewest instances to add; the name breaks a tie).
 * A type is measured on the cluster's registered instances of that type: a group whose type has no
 * instance in the cluster cannot be judged and is not chosen.
 */

export interface GroupFit {
  group: AsgInfo;
  /** Tasks an empty instance of the group's type holds; undefined when the type could not be measured. */
  fitsEmpty?: number;
  /** Why, as describeLimit says it ("memory: 512 MiB of 982 MiB"); undefined when not measured. */
  limit?: string;
}

export interface GroupChoice {
  /** The group to scale; undefined when no group's instance type is known to hold a task. */
  chosen?: AsgInfo;
  /** Every group with its fit, in name order. */
  fits: GroupFit[];
  /** One sentence on the choice (plain text): why this group, or why none. */
  why: string;
}

/** The largest registered resources among the cluster's instances of `type` (an instance of it, empty). */
function measured(instances: ContainerInstanceInfo[], type: string | undefined): Resources | undefined {
  if (!type) return undefined;
  const same = instances.filter((i) => i.instanceType === type);
  if (same.length === 0) return undefined;
  return same.reduce((a, b) => (b.registered.memory > a.registered.memory ? b : a)).registered;
}

function fitOf(group: AsgInfo, instances: ContainerInstanceInfo[], task: TaskNeeds): GroupFit {
  const registered = measured(instances, group.instanceType);
  if (!registered) return { group };
  const fit = fitIn(registered, task);
  return { group, fitsEmpty: fit.count, limit: describeLimit(task, { registered, limitedBy: fit.limitedBy }) };
}

/** "t3.micro instances fit 1 task when empty (memory: 512 MiB of 982 MiB)": what one group's instances hold. */
export function groupFitText(f: GroupFit): string {
  const type = f.group.instanceType;
  if (f.fitsEmpty === undefined)
    return `${type ? `${type} instances` : 'instance type unknown'}, none in the cluster to measure how many tasks one holds`;
  return `${type ?? 'its'} instances fit ${plural(f.fitsEmpty, 'task')} when empty (${f.limit})`;
}

/** "EcsLabAsg: t3.micro instances fit 1 task when empty (…)". */
export function groupFitLine(f: GroupFit): string {
  return `${f.group.name}: ${groupFitText(f)}`;
}

/** The choice among several groups; undefined when the cluster has at most one or the task is unknown. */
export function chooseGroup(input: DiagnosisInput): GroupChoice | undefined {
  const groups = input.asgs;
  if (!groups || groups.length < 2 || !input.taskDefinition) return undefined;
  const task = taskNeeds(input.taskDefinition);
  const fits = [...groups]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((g) => fitOf(g, input.instances ?? [], task));
  const holding = fits.filter((f) => (f.fitsEmpty ?? 0) > 0);
  if (holding.length > 0) {
    const best = holding.reduce((a, b) => (b.fitsEmpty! > a.fitsEmpty! ? b : a));
    const others = fits.filter((f) => f !== best);
    return {
      chosen: best.group,
      fits,
      why:
        `${best.group.name} is the group to scale: its ${best.group.instanceType} instances fit ${plural(best.fitsEmpty!, 'task')} each` +
        ` (of the cluster's ${plural(groups.length, 'Auto Scaling group')}; ${others.map(groupFitLine).join('; ')})`,
    };
  }
  const measuredFits = fits.filter((f) => f.fitsEmpty !== undefined);
  const unmeasured = fits.filter((f) => f.fitsEmpty === undefined);
  const how = `/ecs scale instances ${input.cluster.name} N --group NAME`;
  let why: string;
  if (measuredFits.length === 0)
    why = `the bot cannot measure the instance type of any of the cluster's ${plural(groups.length, 'Auto Scaling group')} (${fits.map(groupFitLine).join('; ')}): scale the one whose instances are large enough with ${how}`;
  else if (unmeasured.length > 0)
    why = `no Auto Scaling group the bot can measure has an instance type that fits a task (${measuredFits.map(groupFitLine).join('; ')}); ${unmeasured.map((f) => f.group.name).join(', ')} cannot be measured: if its instances are larger, scale it with ${how}`;
  else
    why = `no Auto Scaling group of the cluster has an instance type that fits a task (${fits.map(groupFitLine).join('; ')}): use a larger instance type or a smaller task`;
  return { fits, why };
}
