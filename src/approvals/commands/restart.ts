import type { Changes } from '../changes';
import type { ChangeProposal } from '../types';
import type { AppContext, ParsedArgs, Subcommand } from '../../context';
import { UsageError } from '../../errors';
import { submitChange } from './submit';
import { isEcsName } from '../../slack/commands/parse';
import { SCOPE_FLAGS, SCOPE_USAGE, scopeFilterOf } from '../../slack/commands/scope-flags';

export const RESTART_USAGE = `restart <cluster>/<service> [--reason "…"] ${SCOPE_USAGE} [--dry-run]`;

function name(word: string, what: string): string {
  if (!isEcsName(word))
    throw new UsageError(`"${word}" is not a valid ${what} name (letters, digits, - and _)`, RESTART_USAGE);
  return word;
}

/** Words → proposal. `c/s`, `c s`, or `s` in the default cluster. */
export function parseRestart(args: ParsedArgs, ctx: AppContext): ChangeProposal {
  return { ...parseRestartWords(args, ctx), ...scopeFilterOf(args.flags, RESTART_USAGE) };
}

function parseRestartWords(args: ParsedArgs, ctx: AppContext): ChangeProposal {
  const words = args.positional;
  const reason = typeof args.flags.reason === 'string' ? args.flags.reason : undefined;
  let cluster: string | undefined;
  let service: string | undefined;
  if (words.length === 0) throw new UsageError('name the service to restart', RESTART_USAGE);
  if (words.length > 2 || (words[0].includes('/') && words.length > 1))
    throw new UsageError(`unexpected "${words.slice(words[0].includes('/') ? 1 : 2).join(' ')}"`, RESTART_USAGE);
  if (words[0].includes('/')) {
    const [c, s, ...extra] = words[0].split('/');
    if (!c || !s || extra.length) throw new UsageError(`"${words[0]}" is not cluster/service`, RESTART_USAGE);
    [cluster, service] = [c, s];
  } else if (words.length === 2) {
    [cluster, service] = words;
  } else {
    if (!ctx.config.defaultCluster)
      throw new UsageError('name the cluster (ECS_DEFAULT_CLUSTER is not set)', RESTART_USAGE);
    [cluster, service] = [ctx.config.defaultCluster, words[0]];
  }
  return { action: 'restart-service', cluster: name(cluster, 'cluster'), service: name(service, 'service'), reason };
}

export function restartCommandLine(p: ChangeProposal): string {
  const reason = p.reason ? ` --reason "${p.reason.replace(/"/g, "'")}"` : '';
  const where = `${p.account ? ` --account ${p.account}` : ''}${p.region ? ` --region ${p.region}` : ''}`;
  return `/ecs restart ${p.cluster}/${p.service ?? ''}${where}${reason}`;
}

/** `/ecs restart`: a change request for a new deployment of the service's current task definition. */
export const restartCommand = (changes: Changes): Subcommand => ({
  name: 'restart',
  usage: RESTART_USAGE,
  summary: 'Request a new deployment of the same task definition: every task replaced (an approver approves)',
  flags: { reason: 'string', 'dry-run': 'boolean', ...SCOPE_FLAGS },
  async run(inv, ctx) {
    const proposal = parseRestart(inv.args, ctx);
    await submitChange(inv, changes, proposal, restartCommandLine(proposal));
  },
});
