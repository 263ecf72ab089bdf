import type { ScaleSuggestion } from './render/scale-suggestions';
import { truncate, plural } from '../util/text';
import { boundsProblem, nearestAllowed, type BoundKind, type BoundsProblem, type ScaleBounds } from '../ecs/bounds';

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/** The bounds of the account and cluster suggested for, per kind (a policy rule may differ per action). */
export interface SuggestionBounds {
  tasks: ScaleBounds;
  instances: ScaleBounds;
}

/** Why a suggestion is missing or smaller than the obvious one, in words naming the bound and where it is set. */
function boundNote(what: string, kind: BoundKind, b: ScaleBounds, p: BoundsProblem, account?: string): string {
  const inAccount = account ? ` in ${account}` : '';
  if (p.bound === 'max') {
    const source =
      kind === 'tasks'
        ? (b.sources?.maxDesiredTasks ?? 'MAX_DESIRED_TASKS')
        : (b.sources?.maxInstances ?? 'MAX_INSTANCES');
    return `${what}: ${plural(p.limit, kind === 'tasks' ? 'task' : 'instance')} is the most a request may set${inAccount} (${source})`;
  }
  return `${what}: one request may change the count by at most ${p.limit}${inAccount} (${b.sources?.maxStep ?? 'MAX_STEP'})`;
}

/**
 * Sensible scale requests for a service in trouble (pure): one more task; back to what runs when
 * tasks are stuck pending; one more instance when the cluster has a group (in each group, named, when it
 * has several). Each is checked with the bounds the approval flow enforces in the cluster's account
 * (boundsProblem): one that would be refused is not suggested, or is cut to the step allowed, and a
 * note says which bound and where it is set.
 */
export function scaleSuggestions(o: {
  cluster: string;
  service?: { name: string; desired: number; running: number; pending: number };
  group?: { desired: number };
  /** Every Auto Scaling group of a cluster that has several: one more instance in each, named by --group. */
  groups?: { name: string; desired: number }[];
  reason?: string;
  threadTs?: string;
  bounds: SuggestionBounds;
  /** The account and region the cluster is in (several accounts or regions): the requests are made there. */
  scope?: { account: string; region: string };
}): { suggestions: ScaleSuggestion[]; notes: string[] } {
  const out: ScaleSuggestion[] = [];
  const notes: string[] = [];
  const r = o.reason ? truncate(o.reason, 150) : undefined;
  const reasonFlag = r ? ` --reason ${quote(r)}` : '';
  const common = {
    c: o.cluster,
    ...(r ? { r } : {}),
    ...(o.threadTs ? { t: o.threadTs } : {}),
    ...(o.scope ? { ac: o.scope.account, rg: o.scope.region } : {}),
  };
  const flags = o.scope ? ` --account ${o.scope.account} --region ${o.scope.region}` : '';
  const account = o.scope?.account;
  const { tasks, instances } = o.bounds;
  const s = o.service;
  if (s) {
    const up = s.desired + 1;
    const upProblem = boundsProblem(tasks, 'tasks', s.desired, up);
    if (!upProblem) {
      out.push({
        label: `Service to ${up} tasks (+1)`,
        value: { a: 'scale-service', s: s.name, n: up, ...common },
        command: `/ecs scale service ${o.cluster}/${s.name} ${up}${flags}${reasonFlag}`,
      });
    } else notes.push(boundNote(`No +1 for ${s.name}`, 'tasks', tasks, upProblem, account));
    if (s.running > 0 && s.running < s.desired) {
      const backProblem = boundsProblem(tasks, 'tasks', s.desired, s.running);
      const n = backProblem ? nearestAllowed(tasks, 'tasks', s.desired, s.running) : s.running;
      if (n !== undefined) {
        out.push({
          label:
            n === s.running ? `Service back to ${s.running} running` : `Service down to ${n} (towards ${s.running})`,
          value: { a: 'scale-service', s: s.name, n, ...common },
          command: `/ecs scale service ${o.cluster}/${s.name} ${n}${flags}${reasonFlag}`,
        });
      }
      if (backProblem)
        notes.push(
          boundNote(
            n === undefined
              ? `Not back to ${s.running} running`
              : `Back to ${s.running} running takes more than one request`,
            'tasks',
            tasks,
            backProblem,
            account,
          ),
        );
    }
  }
  const moreInstances = (g: { name?: string; desired: number }) => {
    const up = g.desired + 1;
    const problem = boundsProblem(instances, 'instances', g.desired, up);
    if (problem) {
      notes.push(boundNote(`No +1 instance${g.name ? ` in ${g.name}` : ''}`, 'instances', instances, problem, account));
      return;
    }
    out.push(
      g.name
        ? {
            label: `${g.name} to ${up} (+1)`,
            value: { a: 'scale-instances', n: up, g: g.name, ...common },
            command: `/ecs scale instances ${o.cluster} ${up} --group ${g.name}${flags}${reasonFlag}`,
          }
        : {
            label: `Instances to ${up} (+1)`,
            value: { a: 'scale-instances', n: up, ...common },
            command: `/ecs scale instances ${o.cluster} ${up}${flags}${reasonFlag}`,
          },
    );
  };
  if (o.group) moreInstances({ desired: o.group.desired });
  for (const g of o.groups ?? []) moreInstances(g);
  return { suggestions: out, notes };
}
