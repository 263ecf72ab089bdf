import type { Config } from '../config';
import type { ScaleSuggestion } from './render/scale-suggestions';
import { truncate } from '../util/text';

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/**
 * Sensible scale requests for a service in trouble (pure): one more task; back to what runs when
 * tasks are stuck pending; one more instance when the cluster has a group (in each group, named, when it
 * has several). Only within the bounds.
 */
export function scaleSuggestions(o: {
  cluster: string;
  service?: { name: string; desired: number; running: number; pending: number };
  group?: { desired: number };
  /** Every Auto Scaling group of a cluster that has several: one more instance in each, named by --group. */
  groups?: { name: string; desired: number }[];
  reason?: string;
  threadTs?: string;
  policy: Config['policy'];
  /** The account and region the cluster is in (several accounts or regions): the requests are made there. */
  scope?: { account: string; region: string };
}): ScaleSuggestion[] {
  const out: ScaleSuggestion[] = [];
  const r = o.reason ? truncate(o.reason, 150) : undefined;
  const reasonFlag = r ? ` --reason ${quote(r)}` : '';
  const common = {
    c: o.cluster,
    ...(r ? { r } : {}),
    ...(o.threadTs ? { t: o.threadTs } : {}),
    ...(o.scope ? { ac: o.scope.account, rg: o.scope.region } : {}),
  };
  const flags = o.scope ? ` --account ${o.scope.account} --region ${o.scope.region}` : '';
  const s = o.service;
  if (s) {
    const up = s.desired + 1;
    if (up <= o.policy.maxDesiredTasks && o.policy.maxStep >= 1) {
      out.push({
        label: `Service to ${up} tasks (+1)`,
        value: { a: 'scale-service', s: s.name, n: up, ...common },
        command: `/ecs scale service ${o.cluster}/${s.name} ${up}${flags}${reasonFlag}`,
      });
    }
    if (s.running > 0 && s.running < s.desired && s.desired - s.running <= o.policy.maxStep) {
      out.push({
        label: `Service back to ${s.running} running`,
        value: { a: 'scale-service', s: s.name, n: s.running, ...common },
        command: `/ecs scale service ${o.cluster}/${s.name} ${s.running}${flags}${reasonFlag}`,
      });
    }
  }
  if (o.group) {
    const up = o.group.desired + 1;
    if (up <= o.policy.maxInstances && o.policy.maxStep >= 1) {
      out.push({
        label: `Instances to ${up} (+1)`,
        value: { a: 'scale-instances', n: up, ...common },
        command: `/ecs scale instances ${o.cluster} ${up}${flags}${reasonFlag}`,
      });
    }
  }
  for (const g of o.groups ?? []) {
    const up = g.desired + 1;
    if (up <= o.policy.maxInstances && o.policy.maxStep >= 1) {
      out.push({
        label: `${g.name} to ${up} (+1)`,
        value: { a: 'scale-instances', n: up, g: g.name, ...common },
        command: `/ecs scale instances ${o.cluster} ${up} --group ${g.name}${reasonFlag}`,
      });
    }
  }
  return out;
}
