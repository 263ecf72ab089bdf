import type { Changes } from '../changes';
import type { ChangeProposal } from '../types';
import type { AppContext, ParsedArgs, Subcommand } from '../../context';
import { UsageError } from '../../errors';
import { submitChange } from './submit';
import { isEcsName } from '../../slack/commands/parse';
import { SCOPE_FLAGS, SCOPE_USAGE, scopeFilterOf } from '../../slack/commands/scope-flags';
import { isAsgName } from '../../aws/autoscaling';

export const SCALE_USAGE = `scale service <cluster>/<service> <count> | scale instances <cluster> <count> [--group NAME] [--reason "…"] ${SCOPE_USAGE} [--dry-run]`;

function count(word: string | undefined): number {
  if (word === undefined) throw new UsageError('the count is missing', SCALE_USAGE);
  if (!/^\d{1,6}$/.test(word))
    throw new UsageError(`the count must be a whole number of 0 or more, got "${word}"`, SCALE_USAGE);
  return Number(word);
}

function name(word: string, what: string): string {
  if (!isEcsName(word))
    throw new UsageError(`"${word}" is not a valid ${what} name (letters, digits, - and _)`, SCALE_USAGE);
  return word;
}

function defaultCluster(ctx: AppContext): string {
  if (!ctx.config.defaultCluster)
    throw new UsageError('name the cluster (ECS_DEFAULT_CLUSTER is not set)', SCALE_USAGE);
  return ctx.config.defaultCluster;
}

/**
 * Words → proposal. `service c/s N`, `service c s N`, `service s N` (default cluster); `instances c N`,
 * `instances N`, each with `--group NAME` when the cluster has several Auto Scaling groups.
 */
export function parseScale(args: ParsedArgs, ctx: AppContext): ChangeProposal {
  const scope = scopeFilterOf(args.flags, SCALE_USAGE);
  return { ...parseScaleWords(args, ctx), ...scope };
}

function parseScaleWords(args: ParsedArgs, ctx: AppContext): ChangeProposal {
  const [kindWord, ...rest] = args.positional;
  const reason = typeof args.flags.reason === 'string' ? args.flags.reason : undefined;
  const group = typeof args.flags.group === 'string' ? args.flags.group : undefined;
  if (group !== undefined && !isAsgName(group))
    throw new UsageError(
      `"${group}" is not a valid Auto Scaling group name (1 to 255 printable characters, no colon)`,
      SCALE_USAGE,
    );
  if (!kindWord) throw new UsageError('say what to scale: service or instances', SCALE_USAGE);
  const kind = kindWord.toLowerCase();
  if (['service', 'svc', 'services'].includes(kind) || kindWord.includes('/')) {
    const words = kindWord.includes('/') ? [kindWord, ...rest] : rest;
    let cluster: string;
    let service: string;
    let n: string | undefined;
    if (words[0]?.includes('/')) {
      const [c, s, ...extra] = words[0].split('/');
      if (!c || !s || extra.length) throw new UsageError(`"${words[0]}" is not cluster/service`, SCALE_USAGE);
      [cluster, service, n] = [c, s, words[1]];
      if (words.length > 2) throw new UsageError(`unexpected "${words.slice(2).join(' ')}"`, SCALE_USAGE);
    } else if (words.length === 3) {
      [cluster, service, n] = words;
    } else if (words.length === 2) {
      [cluster, service, n] = [defaultCluster(ctx), words[0], words[1]];
    } else {
      throw new UsageError('name the service and the count: scale service <cluster>/<service> <count>', SCALE_USAGE);
    }
    if (group !== undefined)
      throw new UsageError('--group names an Auto Scaling group: it goes with scale instances', SCALE_USAGE);
    return {
      action: 'scale-service',
      cluster: name(cluster, 'cluster'),
      service: name(service, 'service'),
      desired: count(n),
      reason,
    };
  }
  if (['instances', 'instance', 'nodes', 'capacity'].includes(kind)) {
    if (rest.length > 2) throw new UsageError(`unexpected "${rest.slice(2).join(' ')}"`, SCALE_USAGE);
    const [cluster, n] = rest.length === 2 ? rest : [defaultCluster(ctx), rest[0]];
    return {
      action: 'scale-instances',
      cluster: name(cluster, 'cluster'),
      desired: count(n),
      ...(group !== undefined ? { group } : {}),
      reason,
    };
  }
  throw new UsageError(`cannot scale "${kindWord}": say service or instances`, SCALE_USAGE);
}

export function commandLine(p: ChangeProposal): string {
  const reason = p.reason ? ` --reason "${p.reason.replace(/"/g, "'")}"` : '';
  const where = `${p.account ? ` --account ${p.account}` : ''}${p.region ? ` --region ${p.region}` : ''}`;
  return p.action === 'scale-service'
    ? `/ecs scale service ${p.cluster}/${p.service} ${p.desired}${where}${reason}`
    : `/ecs scale instances ${p.cluster} ${p.desired}${p.group ? ` --group ${p.group}` : ''}${where}${reason}`;
}

/** `/ecs scale`: a change request for a service's desired count or the cluster's instance count. */
export const scaleCommand = (changes: Changes): Subcommand => ({
  name: 'scale',
  usage: SCALE_USAGE,
  summary: "Request a new desired count for a service or the cluster's instances (an approver approves)",
  flags: { reason: 'string', group: 'string', 'dry-run': 'boolean', ...SCOPE_FLAGS },
  async run(inv, ctx) {
    const proposal = parseScale(inv.args, ctx);
    await submitChange(inv, changes, proposal, commandLine(proposal));
  },
});
