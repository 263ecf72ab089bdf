import type { Changes } from '../changes';
import type { ChangeProposal } from '../types';
import type { AppContext, ParsedArgs, Subcommand } from '../../context';
import { UsageError } from '../../errors';
import { submitChange } from './submit';
import { isEcsName } from '../../slack/commands/parse';
import { SCOPE_FLAGS, SCOPE_USAGE, scopeFilterOf } from '../../slack/commands/scope-flags';
import { parseRevisionRef } from '../../ecs/revision-diff';
import { ROLLBACK_REVISION_FORMS } from '../executors/rollback-service';

export const ROLLBACK_USAGE = `rollback <cluster>/<service> [revision] [--reason "…"] ${SCOPE_USAGE} [--dry-run]`;

function name(word: string, what: string): string {
  if (!isEcsName(word))
    throw new UsageError(`"${word}" is not a valid ${what} name (letters, digits, - and _)`, ROLLBACK_USAGE);
  return word;
}

function revisionOf(word: string | undefined): string | undefined {
  if (word === undefined) return undefined;
  if (!parseRevisionRef(word))
    throw new UsageError(`"${word}" is not a revision: use ${ROLLBACK_REVISION_FORMS}`, ROLLBACK_USAGE);
  return word;
}

/** A word that can only be a revision (a number, family:N or an ARN), never a service name. */
const looksLikeRevision = (w: string) => /^\d+$/.test(w) || w.includes(':');

/** Words → proposal: `c/s [revision]`, `c s [revision]`, or `s [revision]` in the default cluster. */
export function parseRollback(args: ParsedArgs, ctx: AppContext): ChangeProposal {
  const words = args.positional;
  const reason = typeof args.flags.reason === 'string' ? args.flags.reason : undefined;
  let cluster: string | undefined;
  let service: string | undefined;
  let rest: string[];
  if (words.length === 0) throw new UsageError('name the service to roll back', ROLLBACK_USAGE);
  if (words[0].includes('/') && !words[0].startsWith('arn:')) {
    const [c, s, ...extra] = words[0].split('/');
    if (!c || !s || extra.length) throw new UsageError(`"${words[0]}" is not cluster/service`, ROLLBACK_USAGE);
    [cluster, service, rest] = [c, s, words.slice(1)];
  } else if (words.length >= 2 && !looksLikeRevision(words[1])) {
    [cluster, service, rest] = [words[0], words[1], words.slice(2)];
  } else {
    if (!ctx.config.defaultCluster)
      throw new UsageError('name the cluster (ECS_DEFAULT_CLUSTER is not set)', ROLLBACK_USAGE);
    [cluster, service, rest] = [ctx.config.defaultCluster, words[0], words.slice(1)];
  }
  if (rest.length > 1) throw new UsageError(`unexpected "${rest.slice(1).join(' ')}"`, ROLLBACK_USAGE);
  const revision = revisionOf(rest[0]);
  return {
    action: 'rollback-service',
    cluster: name(cluster, 'cluster'),
    service: name(service, 'service'),
    ...(revision ? { revision } : {}),
    reason,
    ...scopeFilterOf(args.flags, ROLLBACK_USAGE),
  };
}

export function rollbackCommandLine(p: ChangeProposal): string {
  const reason = p.reason ? ` --reason "${p.reason.replace(/"/g, "'")}"` : '';
  const where = `${p.account ? ` --account ${p.account}` : ''}${p.region ? ` --region ${p.region}` : ''}`;
  return `/ecs rollback ${p.cluster}/${p.service ?? ''}${p.revision ? ` ${p.revision}` : ''}${where}${reason}`;
}

/** `/ecs rollback`: a change request to deploy the previous revision that ran steady, or the one named. */
export const rollbackCommand = (changes: Changes): Subcommand => ({
  name: 'rollback',
  usage: ROLLBACK_USAGE,
  summary:
    'Request a rollback to the previous revision that ran steady (or the one named); the card shows what changes',
  flags: { reason: 'string', 'dry-run': 'boolean', ...SCOPE_FLAGS },
  async run(inv, ctx) {
    const proposal = parseRollback(inv.args, ctx);
    await submitChange(inv, changes, proposal, rollbackCommandLine(proposal));
  },
});
