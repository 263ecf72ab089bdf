import type { ContainerInstanceInfo, Resources, ServiceSummary, TaskDefinitionInfo, TaskInfo } from './model';

/**
 * Capacity math for EC2-backed services, pure: a task's CPU and memory against each container
 * instance's registered and remaining resources. How many tasks each instance holds and what limits
 * it, how many of the waiting tasks fit now, and how many instances of the current type the desired
 * count needs: instances now + ceil(unplaceable / tasks per empty instance).
 *
 * The diagnosis and the scale-service approval card both read their "room for N tasks" from
 * `planServiceCapacity`, so the two never disagree about the same service.
 */

const FARGATE_PROVIDER = /^FARGATE(_SPOT)?$/;

/** Fargate brings its own capacity: a Fargate launch type, or a strategy made only of Fargate providers. */
export function isFargate(s: Pick<ServiceSummary, 'launchType' | 'capacityProviderStrategy'>): boolean {
  if (s.launchType === 'FARGATE') return true;
  return (
    s.capacityProviderStrategy.length > 0 &&
    s.capacityProviderStrategy.every((c) => FARGATE_PROVIDER.test(c.capacityProvider))
  );
}

/** What stops one more task from fitting on an instance. */
export type Limit = 'memory' | 'cpu' | 'ports';

/** What one task of the service reserves on an instance. */
export interface TaskNeeds {
  cpu: number;
  memory: number;
  /** Fixed host ports (bridge/host networking): two tasks cannot share an instance. */
  hostPorts: number[];
}

/** The reservation of one task of this definition; `hostPorts` only when they pin a port on the host. */
export function taskNeeds(td: TaskDefinitionInfo): TaskNeeds {
  const pinsHostPorts = td.networkMode !== 'awsvpc';
  const ports = pinsHostPorts ? [...new Set(td.containers.flatMap((c) => c.hostPorts))].sort((a, b) => a - b) : [];
  return { cpu: Math.max(0, td.cpu), memory: Math.max(0, td.memory), hostPorts: ports };
}

/** The largest count the math reports (a task reserving nothing would otherwise fit infinitely). */
export const FIT_CAP = 1000;

export interface Fit {
  count: number;
  limitedBy: Limit;
}

/** How many tasks fit in `avail`, and which resource runs out first (memory wins a tie). */
export function fitIn(avail: Resources, task: TaskNeeds): Fit {
  const byMemory = task.memory > 0 ? Math.floor(Math.max(0, avail.memory) / task.memory) : FIT_CAP;
  const byCpu = task.cpu > 0 ? Math.floor(Math.max(0, avail.cpu) / task.cpu) : FIT_CAP;
  const count = Math.min(byMemory, byCpu, FIT_CAP);
  const limitedBy: Limit = byMemory <= byCpu ? 'memory' : 'cpu';
  if (task.hostPorts.length > 0 && count > 1) return { count: 1, limitedBy: 'ports' };
  return { count, limitedBy };
}

export interface InstanceFit {
  id: string;
  instanceType?: string;
  registered: Resources;
  remaining: Resources;
  /** ACTIVE with a connected agent: the scheduler may place tasks on it. */
  usable: boolean;
  /** Tasks of this service it could take now. */
  fitsNow: number;
  /** Tasks of this service an empty instance like it holds. */
  fitsEmpty: number;
  limitedBy: Limit;
}

/** The shape new capacity would have: the Auto Scaling group's instance type, or the cluster's usual one. */
export interface ReferenceInstance {
  instanceType?: string;
  registered: Resources;
  fitsEmpty: number;
  limitedBy: Limit;
}

export interface CapacityInput {
  task: TaskNeeds;
  instances: ContainerInstanceInfo[];
  desired: number;
  running: number;
  /** Tasks already placed on an instance and starting: they need no new room. */
  placedPending: number;
  /** Live tasks of this service per container instance id (a fixed host port is then taken). */
  serviceTasksOn?: Record<string, number>;
  /** The instance type new instances get (the Auto Scaling group's), when known. */
  newInstanceType?: string;
}

export interface CapacityPlan {
  task: TaskNeeds;
  instances: InstanceFit[];
  usableInstances: number;
  /** Tasks that still need a place: desired − running − placed pending. */
  waiting: number;
  /** How many of the waiting tasks the instances can take now. */
  placeableNow: number;
  /** Waiting tasks no instance has room for. */
  unplaceable: number;
  /** Tasks the usable instances can take now, waiting ones included. */
  room: number;
  /** Room for more tasks beyond the waiting ones (0 when some cannot be placed). */
  headroom: number;
  reference?: ReferenceInstance;
  /** The task is larger than an empty reference instance: more of them never helps. */
  neverFits: boolean;
  /** Instances of the reference type to add; undefined when unknown (no instance to measure) or never enough. */
  extraInstances?: number;
  /** Usable instances now + extra: what the desired count needs. */
  instancesNeeded?: number;
  /** Free resources over the usable instances. */
  free: Resources;
  /** What the waiting tasks need beyond the free resources (0 when enough is free in total). */
  missing: Resources;
  /** Enough is free in total, but not on any one instance. */
  fragmented: boolean;
}

const typeKey = (i: { instanceType?: string }) => i.instanceType ?? 'unknown';

function pickReference(fits: InstanceFit[], newType: string | undefined): InstanceFit | undefined {
  if (fits.length === 0) return undefined;
  if (newType) {
    const same = fits.filter((f) => f.instanceType === newType);
    if (same.length > 0) return same.reduce((a, b) => (b.registered.memory > a.registered.memory ? b : a));
  }
  // The most common type; ties go to the larger instance.
  const counts = new Map<string, number>();
  for (const f of fits) counts.set(typeKey(f), (counts.get(typeKey(f)) ?? 0) + 1);
  return [...fits].sort(
    (a, b) =>
      (counts.get(typeKey(b)) ?? 0) - (counts.get(typeKey(a)) ?? 0) ||
      b.registered.memory - a.registered.memory ||
      b.registered.cpu - a.registered.cpu,
  )[0];
}

/** The capacity plan for a service of `desired` tasks on these instances. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const { task } = input;
  const instances: InstanceFit[] = input.instances.map((i) => {
    const usable = i.status === 'ACTIVE' && i.agentConnected;
    const empty = fitIn(i.registered, task);
    let now = usable ? fitIn(i.remaining, task).count : 0;
    if (task.hostPorts.length > 0 && (input.serviceTasksOn?.[i.id] ?? 0) > 0) now = 0;
    return {
      id: i.id,
      instanceType: i.instanceType,
      registered: i.registered,
      remaining: i.remaining,
      usable,
      fitsNow: now,
      fitsEmpty: empty.count,
      limitedBy: empty.limitedBy,
    };
  });
  const usable = instances.filter((i) => i.usable);
  const waiting = Math.max(0, input.desired - input.running - input.placedPending);
  const roomNow = usable.reduce((a, i) => a + i.fitsNow, 0);
  const placeableNow = Math.min(waiting, roomNow);
  const unplaceable = waiting - placeableNow;
  const free = {
    cpu: usable.reduce((a, i) => a + Math.max(0, i.remaining.cpu), 0),
    memory: usable.reduce((a, i) => a + Math.max(0, i.remaining.memory), 0),
  };
  const missing = {
    cpu: Math.max(0, waiting * task.cpu - free.cpu),
    memory: Math.max(0, waiting * task.memory - free.memory),
  };
  const refFit = pickReference(usable.length > 0 ? usable : instances, input.newInstanceType);
  const reference: ReferenceInstance | undefined = refFit
    ? {
        instanceType: refFit.instanceType,
        registered: refFit.registered,
        fitsEmpty: refFit.fitsEmpty,
        limitedBy: refFit.limitedBy,
      }
    : undefined;
  const neverFits = !!reference && reference.fitsEmpty === 0;
  let extraInstances: number | undefined;
  if (unplaceable === 0) extraInstances = 0;
  else if (reference && !neverFits) extraInstances = Math.ceil(unplaceable / reference.fitsEmpty);
  return {
    task,
    instances,
    usableInstances: usable.length,
    waiting,
    placeableNow,
    unplaceable,
    room: roomNow,
    headroom: Math.max(0, roomNow - waiting),
    reference,
    neverFits,
    extraInstances,
    instancesNeeded: extraInstances === undefined ? undefined : usable.length + extraInstances,
    free,
    missing,
    fragmented: unplaceable > 0 && missing.cpu === 0 && missing.memory === 0,
  };
}

const NOT_YET_RUNNING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

/** Live tasks placed on an instance but not yet running: they already hold their room. */
export function placedPendingTasks(tasks: TaskInfo[]): number {
  return tasks.filter(
    (t) => t.desiredStatus === 'RUNNING' && NOT_YET_RUNNING.has(t.lastStatus) && !!t.containerInstanceId,
  ).length;
}

export interface ServiceCapacityInput {
  service: Pick<ServiceSummary, 'desired' | 'running'>;
  taskDefinition: TaskDefinitionInfo;
  instances: ContainerInstanceInfo[];
  /** The service's live tasks, when read: where they run (a fixed host port is then taken) and which are placed. */
  tasks?: TaskInfo[];
  /** The desired count to plan for; the service's own when omitted (a proposed count on an approval card). */
  desired?: number;
  newInstanceType?: string;
}

/** The capacity plan of an EC2 service, from what the adapters read: the one answer to "room for N tasks". */
export function planServiceCapacity(input: ServiceCapacityInput): CapacityPlan {
  const live = (input.tasks ?? []).filter((t) => t.desiredStatus === 'RUNNING');
  const serviceTasksOn: Record<string, number> = {};
  for (const t of live)
    if (t.containerInstanceId) serviceTasksOn[t.containerInstanceId] = (serviceTasksOn[t.containerInstanceId] ?? 0) + 1;
  return planCapacity({
    task: taskNeeds(input.taskDefinition),
    instances: input.instances,
    desired: input.desired ?? input.service.desired,
    running: input.service.running,
    placedPending: placedPendingTasks(live),
    serviceTasksOn,
    newInstanceType: input.newInstanceType,
  });
}

/** "memory: 512 MiB of 982 MiB", "CPU: 1024 units of 2048", "host port 80": why an instance holds what it holds. */
export function describeLimit(task: TaskNeeds, ref: Pick<ReferenceInstance, 'registered' | 'limitedBy'>): string {
  switch (ref.limitedBy) {
    case 'memory':
      return `memory: ${task.memory} MiB of ${ref.registered.memory} MiB`;
    case 'cpu':
      return `CPU: ${task.cpu} units of ${ref.registered.cpu}`;
    case 'ports':
      return `host port ${task.hostPorts.join(', ')}`;
  }
}
