import { mapLimit } from '../aws/batch';
import type { EcsReader } from '../aws/ecs';
import { LogGroupDeniedError, LogGroupMissingError, type LogEventsReader } from '../aws/log-events';
import type { ContainerDefinitionInfo, TaskDefinitionInfo, TaskInfo } from '../ecs/model';
import { NotFoundError, UserFacingError } from '../errors';
import type { LogsRequest } from './args';

/**
 * Reads the logs of a service: its tasks (running and recently stopped), each task's own task
 * definition, and for every container with the awslogs driver the stream `prefix/container/taskId`
 * in its group and region, one FilterLogEvents chain per stream, in parallel under a cap.
 */

export interface LogsDeps {
  ecs: EcsReader;
  /** The reader for a region (the cluster's own, or the awslogs-region a task definition names). */
  logsIn(region: string): LogEventsReader;
  /** The cluster's region. */
  region: string;
  now(): number;
  /** Streams read at once (default 8). */
  concurrency?: number;
}

export interface LogLine {
  taskId: string;
  at: number;
  message: string;
}

export interface ContainerLogs {
  container: string;
  group: string;
  region: string;
  /** Oldest first. */
  lines: LogLine[];
  /** Matching lines in the window over all streams (more than `lines` when the limit cut them). */
  matched: number;
  streams: number;
  /** Some stream had more pages than the bot reads: older lines of it are missing. */
  capped: boolean;
  /** Why this container's logs could not be read (group missing, access denied, region not searched). */
  problem?: string;
}

/** A container whose logs are not in CloudWatch Logs, or not where the bot can find them. */
export interface ElsewhereLogs {
  container: string;
  driver?: string;
  where: string;
}

export interface LogsView {
  cluster: string;
  service: string;
  startMs: number;
  endMs: number;
  windowLabel: string;
  grep?: string;
  limit: number;
  containers: ContainerLogs[];
  elsewhere: ElsewhereLogs[];
  /** Tasks whose streams were read. */
  tasks: number;
  /** Tasks left out (more than MAX_TASKS). */
  tasksSkipped: number;
  /** FilterLogEvents calls made. */
  calls: number;
}

/** Tasks whose streams are read at most (running first, then the most recently stopped). */
export const MAX_TASKS = 50;

/** Where the logs of a container with another driver go, in words. */
export function elsewhere(c: ContainerDefinitionInfo): ElsewhereLogs | undefined {
  const driver = c.log?.driver;
  const o = c.log?.options ?? {};
  if (!driver) return { container: c.name, where: 'no log driver is set: ECS keeps none of its output' };
  if (driver === 'awslogs') {
    if (!o['awslogs-group']) return { container: c.name, driver, where: 'awslogs without awslogs-group' };
    if (!o['awslogs-stream-prefix'])
      return {
        container: c.name,
        driver,
        where: `log group ${o['awslogs-group']}, in streams named by Docker container ID (no awslogs-stream-prefix, so the bot cannot tell which stream is which task)`,
      };
    return undefined;
  }
  if (driver === 'awsfirelens') {
    const dest = o.Name ? ` to its ${o.Name} output` : '';
    const target = o.log_group_name ?? o.delivery_stream ?? o.Host ?? o.bucket;
    return {
      container: c.name,
      driver,
      where: `FireLens routes them${dest}${target ? ` (${target})` : ''}; see the log router container's configuration`,
    };
  }
  if (driver === 'splunk')
    return { container: c.name, driver, where: `Splunk${o['splunk-url'] ? ` at ${o['splunk-url']}` : ''}` };
  if (driver === 'none') return { container: c.name, driver, where: 'the none driver: its output is discarded' };
  return { container: c.name, driver, where: `the ${driver} driver sends them outside CloudWatch Logs` };
}

interface StreamJob {
  container: string;
  group: string;
  region: string;
  taskId: string;
  stream: string;
}

/** The tasks to read: the one asked for, or running ones first, then the most recently stopped. */
async function tasksToRead(
  deps: LogsDeps,
  req: LogsRequest,
  startMs: number,
): Promise<{ tasks: TaskInfo[]; skipped: number }> {
  const [running, stopped] = await Promise.all([
    deps.ecs.listTasks(req.cluster, { service: req.service, desiredStatus: 'RUNNING', max: 200 }),
    deps.ecs.listTasks(req.cluster, { service: req.service, desiredStatus: 'STOPPED', max: 100 }),
  ]);
  const recentFirst = [...stopped].sort((a, b) => (b.stoppedAt ?? 0) - (a.stoppedAt ?? 0));
  // A task stopped before the window has no lines in it.
  const all = [...running, ...recentFirst.filter((t) => (t.stoppedAt ?? Infinity) >= startMs)];
  if (req.task) {
    const t = all.find((x) => x.id === req.task) ?? [...running, ...stopped].find((x) => x.id === req.task);
    return { tasks: t ? [t] : [], skipped: 0 };
  }
  return { tasks: all.slice(0, MAX_TASKS), skipped: Math.max(0, all.length - MAX_TASKS) };
}

export async function gatherLogs(deps: LogsDeps, req: LogsRequest, endMs = deps.now()): Promise<LogsView> {
  const startMs = endMs - req.windowMs;
  const svc = await deps.ecs.getService(req.cluster, req.service);
  const { tasks, skipped } = await tasksToRead(deps, req, startMs);
  // A task ECS no longer lists (stopped long ago) is read with the service's current task definition.
  const taskRefs: { id: string; taskDefinition: string }[] =
    req.task && tasks.length === 0
      ? [{ id: req.task, taskDefinition: svc.taskDefinition }]
      : tasks.map((t) => ({ id: t.id, taskDefinition: t.taskDefinition }));
  const refs = [...new Set([svc.taskDefinition, ...taskRefs.map((t) => t.taskDefinition)])];
  const defs = new Map<string, TaskDefinitionInfo>();
  await Promise.all(refs.map(async (r) => defs.set(r, await deps.ecs.describeTaskDefinition(r))));

  const current = defs.get(svc.taskDefinition)!;
  const known = new Set([...defs.values()].flatMap((d) => d.containers.map((c) => c.name)));
  if (req.container && !known.has(req.container))
    throw new NotFoundError(
      `container "${req.container}" is not in the task definitions of ${req.cluster}/${req.service} (${[...known].join(', ')})`,
      [...known],
    );
  const wanted = (c: ContainerDefinitionInfo) => !req.container || c.name === req.container;

  const others = new Map<string, ElsewhereLogs>();
  for (const c of current.containers.filter(wanted)) {
    const e = elsewhere(c);
    if (e) others.set(c.name, e);
  }
  const jobs: StreamJob[] = [];
  for (const t of taskRefs) {
    for (const c of defs.get(t.taskDefinition)!.containers.filter(wanted)) {
      if (elsewhere(c)) continue;
      const o = c.log!.options;
      jobs.push({
        container: c.name,
        group: o['awslogs-group'],
        region: o['awslogs-region'] ?? deps.region,
        taskId: t.id,
        stream: `${o['awslogs-stream-prefix']}/${c.name}/${t.id}`,
      });
    }
  }

  const byContainer = new Map<string, ContainerLogs>();
  const entry = (j: StreamJob) => {
    const key = `${j.container}\u0000${j.group}\u0000${j.region}`;
    let e = byContainer.get(key);
    if (!e) {
      e = {
        container: j.container,
        group: j.group,
        region: j.region,
        lines: [],
        matched: 0,
        streams: 0,
        capped: false,
      };
      byContainer.set(key, e);
    }
    return e;
  };
  for (const j of jobs) entry(j).streams += 1;

  let calls = 0;
  await mapLimit(jobs, deps.concurrency ?? 8, async (j) => {
    const e = entry(j);
    if (e.problem) return;
    try {
      const r = await deps.logsIn(j.region).read({
        group: j.group,
        streams: [j.stream],
        startMs,
        endMs,
        pattern: req.pattern,
        keep: req.limit,
      });
      calls += r.calls;
      e.matched += r.matched;
      e.capped ||= r.capped;
      for (const ev of r.events) e.lines.push({ taskId: j.taskId, at: ev.at, message: ev.message });
    } catch (err) {
      // One container's group missing or closed to the bot does not hide the others' lines.
      if (err instanceof LogGroupMissingError || err instanceof LogGroupDeniedError || err instanceof UserFacingError)
        e.problem = err.message;
      else throw err;
    }
  });

  // The newest `limit` lines over every container, each container's shown oldest first.
  const all = [...byContainer.values()].flatMap((c) => c.lines.map((l) => ({ c, l })));
  all.sort((a, b) => a.l.at - b.l.at);
  const keep = new Set(all.slice(-req.limit).map((x) => x.l));
  for (const c of byContainer.values()) c.lines = c.lines.filter((l) => keep.has(l)).sort((a, b) => a.at - b.at);

  return {
    cluster: svc.cluster,
    service: svc.name,
    startMs,
    endMs,
    windowLabel: req.windowLabel,
    grep: req.grep,
    limit: req.limit,
    containers: [...byContainer.values()],
    elsewhere: [...others.values()],
    tasks: taskRefs.length,
    tasksSkipped: skipped,
    calls,
  };
}
