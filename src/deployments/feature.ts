import { EcsReader } from '../aws/ecs';
import { scopeKey, type AwsScope } from '../aws/scope';
import type { AppContext, Feature, Subcommand } from '../context';
import { locateCluster, whereLabel } from '../slack/commands/scope-flags';
import { DEPLOYMENTS_FLAGS, DEPLOYMENTS_USAGE, parseDeploymentsRequest } from './args';
import { gatherDeployments } from './gather';
import { renderDeployments } from './render/deployments';

/**
 * /ecs deployments <cluster>/<service>: the service's recent deployments — revision, images, state,
 * when — and, for those the bot made, who asked and who approved. Read-only, answered to the asker
 * alone. ECS holds only the current deployments, so the rest is rebuilt (history.ts) and the answer
 * says from what.
 */
export function deploymentsSubcommand(readerFor: (scope: AwsScope) => EcsReader): Subcommand {
  return {
    name: 'deployments',
    usage: DEPLOYMENTS_USAGE,
    summary:
      "A service's recent deployments: revision, images, state and when; who asked and who approved those the bot made",
    flags: DEPLOYMENTS_FLAGS,
    async run(inv, ctx) {
      const req = parseDeploymentsRequest(inv.args, ctx.config.defaultCluster);
      const scope = await locateCluster(ctx, req.cluster, {
        words: inv.args.positional,
        flags: inv.args.flags,
        usage: DEPLOYMENTS_USAGE,
      });
      const view = await gatherDeployments(ctx, readerFor(scope), req, {
        scope,
        where: whereLabel(ctx, scope),
        log: inv.log,
      });
      const msg = renderDeployments(view);
      await inv.respond({ response_type: 'ephemeral', text: msg.text, blocks: msg.blocks });
      inv.log.info(
        {
          cluster: view.cluster,
          service: view.service,
          deployments: view.history.rows.length,
          sources: view.history.sources,
          gaps: view.gaps.length,
        },
        'deployments answered',
      );
    },
  };
}

export function deploymentsFeature(ctx: AppContext): Feature {
  // One reader per account and region: its task-definition cache outlives one answer.
  const readers = new Map<string, EcsReader>();
  const readerFor = (scope: AwsScope) => {
    let r = readers.get(scopeKey(scope));
    if (!r) {
      r = new EcsReader(ctx.accounts.read(scope).ecs, 5);
      readers.set(scopeKey(scope), r);
    }
    return r;
  };
  return { name: 'deployments', subcommands: [deploymentsSubcommand(readerFor)] };
}
