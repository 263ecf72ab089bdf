import type { ContainerInstanceInfo, ServiceSummary } from '../../ecs/model';
import { formatPercent } from '../../ecs/sparkline';
import { code, escapeText, slackDate } from '../../slack/mrkdwn';
import { LIMITS } from '../../slack/limits';
import {
  MAX_INSTANCE_ROWS,
  MAX_SERVICE_ROWS,
  STATE_NOTE,
  insightsLabel,
  isMismatch,
  n,
  serviceState,
  sortServices,
  stamp,
  utilText,
  type Attachment,
  csvPlace,
  type ClusterView,
  type StatusFile,
  type StatusMessage,
  type UtilView,
} from './status-common';
import { plural } from '../../util/text';
import { context, fitTable, header, section, toCsv, type Column } from './status-table';
import { BlockBudget } from '../../slack/block-budget';

/**
 * `/ecs status <cluster>`: the cluster header, a services table with every mismatch flagged, and
 * capacity per container instance; what does not fit is counted and returned as CSV files.
 */

const SERVICE_COLS: Column[] = [
  { title: '!', align: 'left', max: 1 },
  { title: 'SERVICE', align: 'left', max: 32 },
  { title: 'DESIRED', align: 'right' },
  { title: 'RUNNING', align: 'right' },
  { title: 'PENDING', align: 'right' },
  { title: 'CPU', align: 'right' },
  { title: 'MEM', align: 'right' },
  { title: 'STATE', align: 'left' },
];

function serviceRow(s: ServiceSummary, u: UtilView | undefined): string[] {
  const st = serviceState(s);
  return [
    isMismatch(s) ? '!' : '',
    s.name,
    n(s.desired),
    n(s.running),
    n(s.pending),
    formatPercent(u?.cpu),
    formatPercent(u?.memory),
    STATE_NOTE[st],
  ];
}

const INSTANCE_COLS: Column[] = [
  { title: '!', align: 'left', max: 1 },
  { title: 'INSTANCE', align: 'left', max: 20 },
  { title: 'TYPE', align: 'left', max: 12 },
  { title: 'CPU FREE/REG', align: 'right' },
  { title: 'MEM FREE/REG MiB', align: 'right' },
  { title: 'TASKS', align: 'right' },
  { title: 'STATE', align: 'left' },
];

function instanceProblem(i: ContainerInstanceInfo): string {
  if (!i.agentConnected) return 'agent disconnected';
  if (i.status !== 'ACTIVE') return i.status.toLowerCase();
  return '';
}

function freeFraction(i: ContainerInstanceInfo): number {
  const m = i.registered.memory > 0 ? i.remaining.memory / i.registered.memory : 1;
  const c = i.registered.cpu > 0 ? i.remaining.cpu / i.registered.cpu : 1;
  return Math.min(m, c);
}

/** Problem instances first, then the fullest (least free CPU or memory), then by id. */
export function sortInstances(list: ContainerInstanceInfo[]): ContainerInstanceInfo[] {
  return [...list].sort(
    (a, b) =>
      (instanceProblem(b) ? 1 : 0) - (instanceProblem(a) ? 1 : 0) ||
      freeFraction(a) - freeFraction(b) ||
      a.id.localeCompare(b.id),
  );
}

function instanceRow(i: ContainerInstanceInfo): string[] {
  const problem = instanceProblem(i);
  const tasks = i.pendingTasks > 0 ? `${i.runningTasks}+${i.pendingTasks}p` : String(i.runningTasks);
  return [
    problem ? '!' : '',
    i.ec2InstanceId ?? i.id.slice(0, 12),
    i.instanceType ?? '—',
    `${n(i.remaining.cpu)}/${n(i.registered.cpu)}`,
    `${n(i.remaining.memory)}/${n(i.registered.memory)}`,
    tasks,
    problem || i.status.toLowerCase(),
  ];
}

/** Reserved share of registered CPU and memory over the given instances (what the ECS API says). */
export function capacityTotals(list: ContainerInstanceInfo[]) {
  const reg = { cpu: 0, memory: 0 };
  const free = { cpu: 0, memory: 0 };
  for (const i of list) {
    reg.cpu += i.registered.cpu;
    reg.memory += i.registered.memory;
    free.cpu += i.remaining.cpu;
    free.memory += i.remaining.memory;
  }
  const pct = (used: number, total: number) => (total > 0 ? (100 * used) / total : undefined);
  return {
    registered: reg,
    remaining: free,
    cpuReservedPct: pct(reg.cpu - free.cpu, reg.cpu),
    memoryReservedPct: pct(reg.memory - free.memory, reg.memory),
  };
}

function typeMix(list: ContainerInstanceInfo[]): string {
  const counts = new Map<string, number>();
  for (const i of list) counts.set(i.instanceType ?? 'unknown', (counts.get(i.instanceType ?? 'unknown') ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([t, k]) => `${escapeText(t)} ×${n(k)}`)
    .join(', ');
}

export function clusterServicesCsv(v: ClusterView): StatusFile {
  const rows = sortServices(v.services).map((s) => {
    const u = v.serviceUtil.get(s.name);
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    return [
      s.name,
      s.status,
      s.desired,
      s.running,
      s.pending,
      isMismatch(s) ? 'yes' : 'no',
      serviceState(s),
      primary?.rolloutState,
      s.taskDefinition,
      s.launchType ?? s.capacityProviderStrategy.map((c) => c.capacityProvider).join(' '),
      u?.cpu,
      u?.memory,
    ];
  });
  return {
    filename: `ecs-status-${v.cluster.name}-services-${stamp(v.at)}.csv`,
    title: `Services of ${v.cluster.name}`,
    content: toCsv(
      [
        'service',
        'status',
        'desired',
        'running',
        'pending',
        'mismatch',
        'state',
        'rollout',
        'task_definition',
        'launch',
        'cpu_used_pct',
        'memory_used_pct',
      ],
      rows,
    ),
  };
}

export function clusterInstancesCsv(v: ClusterView): StatusFile {
  const rows = sortInstances(v.instances).map((i) => [
    i.id,
    i.ec2InstanceId,
    i.instanceType,
    i.status,
    i.agentConnected ? 'yes' : 'no',
    i.registered.cpu,
    i.remaining.cpu,
    i.registered.memory,
    i.remaining.memory,
    i.runningTasks,
    i.pendingTasks,
    i.asgName,
  ]);
  return {
    filename: `ecs-status-${v.cluster.name}-instances-${stamp(v.at)}.csv`,
    title: `Container instances of ${v.cluster.name}`,
    content: toCsv(
      [
        'container_instance',
        'ec2_instance',
        'instance_type',
        'status',
        'agent_connected',
        'cpu_registered',
        'cpu_remaining',
        'memory_registered_mib',
        'memory_remaining_mib',
        'running_tasks',
        'pending_tasks',
        'autoscaling_group',
      ],
      rows,
    ),
  };
}

interface ClusterPlan extends StatusMessage {
  servicesShown: number;
  instancesShown: number;
}

function planCluster(v: ClusterView, attachment: Attachment): ClusterPlan {
  const c = v.cluster;
  const budget = new BlockBudget();
  const footerReserve = { blocks: 1, chars: 900 };
  budget.add(header(`Cluster ${c.name}`));
  if (v.where) budget.add(context(`:cloud: ${escapeText(v.where)}`));

  const mismatches = v.services.filter(isMismatch);
  const cap = capacityTotals(v.instances);
  const summary = [
    `${insightsLabel(c.containerInsights)} · ${plural(c.registeredInstances, 'container instance')} · ${plural(c.activeServices, 'active service')} · tasks ${n(c.runningTasks)} running${c.pendingTasks ? `, *${n(c.pendingTasks)} pending*` : ''}`,
    `Latest minute (${c.containerInsights === 'enabled' || c.containerInsights === 'enhanced' ? 'Container Insights' : 'AWS/ECS'}) · ${utilText(v.clusterUtil)}`,
  ];
  if (v.instances.length > 0) {
    summary.push(
      `Reserved of registered (ECS API): CPU ${n(cap.registered.cpu - cap.remaining.cpu)} of ${n(cap.registered.cpu)} units (${formatPercent(cap.cpuReservedPct)}) · memory ${n(cap.registered.memory - cap.remaining.memory)} of ${n(cap.registered.memory)} MiB (${formatPercent(cap.memoryReservedPct)})`,
    );
  }
  budget.add(section(summary.join('\n')));

  if (mismatches.length > 0) {
    const names = sortServices(mismatches)
      .slice(0, 15)
      .map((s) => code(s.name));
    const more = mismatches.length > names.length ? ` and ${n(mismatches.length - names.length)} more` : '';
    budget.add(
      section(
        `:warning: *${plural(mismatches.length, 'service')} not at the desired count:* ${names.join(', ')}${more}`,
      ),
    );
  } else if (v.services.length > 0) {
    budget.add(section(`:white_check_mark: All ${plural(v.services.length, 'service')} at the desired count.`));
  }

  // Services table: mismatches first. Keep room for the capacity part and the footer.
  let servicesShown = 0;
  if (v.services.length === 0) {
    budget.add(section('No active services in this cluster.'));
  } else {
    const rows = sortServices(v.services).map((s) => serviceRow(s, v.serviceUtil.get(s.name)));
    const capacityReserve = v.instances.length > 0 ? 1800 : 200;
    const title = `*Services* (${n(v.services.length)}, mismatches first)`;
    const maxChars =
      Math.min(LIMITS.sectionText, budget.charsLeft(footerReserve.chars + capacityReserve)) - title.length - 1;
    const fit = fitTable(SERVICE_COLS, rows, MAX_SERVICE_ROWS, Math.max(0, maxChars));
    if (budget.add(section(`${title}\n${fit.text}`), footerReserve)) servicesShown = fit.shown;
  }

  // Capacity per container instance.
  let instancesShown = 0;
  if (v.instances.length === 0) {
    budget.add(
      section('*Capacity:* no container instances registered (Fargate only, or none launched yet).'),
      footerReserve,
    );
  } else {
    const title = `*Capacity* · ${plural(v.instances.length, 'container instance')} (${typeMix(v.instances)})`;
    const maxChars = Math.min(LIMITS.sectionText, budget.charsLeft(footerReserve.chars)) - title.length - 1;
    const fit = fitTable(
      INSTANCE_COLS,
      sortInstances(v.instances).map(instanceRow),
      MAX_INSTANCE_ROWS,
      Math.max(0, maxChars),
    );
    if (budget.add(section(`${title}\n${fit.text}`), footerReserve)) instancesShown = fit.shown;
  }

  const notes: string[] = [];
  const hidden: string[] = [];
  if (servicesShown < v.services.length) {
    const restMismatch = Math.max(0, mismatches.length - servicesShown);
    const rest = v.services.length - servicesShown;
    hidden.push(
      `${plural(rest, 'more service')}${restMismatch > 0 ? ` (${n(restMismatch)} not at desired count)` : ' (all at desired count)'}`,
    );
  }
  if (instancesShown < v.instances.length) hidden.push(plural(v.instances.length - instancesShown, 'more instance'));
  if (hidden.length > 0) {
    notes.push(
      attachment.ok
        ? `…and ${hidden.join(' and ')}: the full tables are in ${csvPlace(attachment)}.`
        : `…and ${hidden.join(' and ')} not shown (the CSV could not be attached: ${escapeText(attachment.reason)}).`,
    );
  }
  if (v.metricsError) notes.push(`:warning: Utilisation unavailable: ${escapeText(v.metricsError)}`);
  notes.push(`As of ${slackDate(v.at)} · ${code(`/ecs status ${c.name}/<service>`)} for one service`);
  budget.add(context(...notes));

  const text = `Cluster ${escapeText(c.name)}: ${plural(v.services.length, 'service')}${mismatches.length ? `, ${n(mismatches.length)} not at desired count` : ''}; ${plural(v.instances.length, 'container instance')}`;
  return { text, blocks: budget.blocks, servicesShown, instancesShown };
}

/** The CSV files a cluster answer needs: the services and/or instances tables that did not fit. */
export function clusterFiles(v: ClusterView): StatusFile[] {
  const p = planCluster(v, { ok: true });
  const files: StatusFile[] = [];
  if (p.servicesShown < v.services.length) files.push(clusterServicesCsv(v));
  if (p.instancesShown < v.instances.length) files.push(clusterInstancesCsv(v));
  return files;
}

/** `/ecs status <cluster>`: header, services table with every mismatch flagged, capacity per instance. */
export function renderCluster(v: ClusterView, attachment: Attachment = { ok: true }): StatusMessage {
  const { text, blocks } = planCluster(v, attachment);
  return { text, blocks };
}
