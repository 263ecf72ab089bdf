import type { Changes } from '../changes';
import type { InsightsValue } from '../types';
import { EcsReader } from '../../aws/ecs';
import { UsageError } from '../../errors';
import { submitChange } from './submit';
import { renderInsightsSetting } from '../render/insights-setting';
import { isEcsName } from '../../slack/commands/parse';
import { locateCluster, SCOPE_FLAGS, SCOPE_USAGE, scopeFilterOf } from '../../slack/commands/scope-flags';
import type { Subcommand } from '../../context';

export const INSIGHTS_USAGE = `insights [cluster] [enable|enhanced|disable] [--reason "…"] ${SCOPE_USAGE} [--dry-run]`;

const VERBS: Record<string, InsightsValue> = {
  enable: 'enabled',
  enabled: 'enabled',
  on: 'enabled',
  enhanced: 'enhanced',
  enhance: 'enhanced',
  disable: 'disabled',
  disabled: 'disabled',
  off: 'disabled',
};

/** `/ecs insights`: shows a cluster's Container Insights setting; changing it is a change request. */
export const insightsCommand = (changes: Changes): Subcommand => ({
  name: 'insights',
  usage: INSIGHTS_USAGE,
  summary: "Show a cluster's Container Insights setting, or request enable / enhanced / disable (an approver approves)",
  flags: { reason: 'string', 'dry-run': 'boolean', ...SCOPE_FLAGS },
  async run(inv, ctx) {
    const words = inv.args.positional;
    if (words.length > 2) throw new UsageError(`unexpected "${words.slice(2).join(' ')}"`, INSIGHTS_USAGE);
    let cluster: string | undefined;
    let verb: string | undefined;
    if (words.length === 2) [cluster, verb] = words;
    else if (words.length === 1 && VERBS[words[0].toLowerCase()] && ctx.config.defaultCluster)
      [cluster, verb] = [ctx.config.defaultCluster, words[0]];
    else cluster = words[0] ?? ctx.config.defaultCluster;
    if (!cluster) throw new UsageError('name the cluster (ECS_DEFAULT_CLUSTER is not set)', INSIGHTS_USAGE);
    if (!isEcsName(cluster)) throw new UsageError(`"${cluster}" is not a valid cluster name`, INSIGHTS_USAGE);
    const scope = scopeFilterOf(inv.args.flags, INSIGHTS_USAGE);
    if (verb === undefined) {
      if (inv.args.flags['dry-run'] || inv.args.flags.reason)
        throw new UsageError('say enable, enhanced or disable to request a change', INSIGHTS_USAGE);
      const t = await locateCluster(ctx, cluster, { flags: inv.args.flags, usage: INSIGHTS_USAGE });
      const ecs = ctx.accounts.multi ? ctx.accounts.read(t).ecs : ctx.aws.ecs;
      await inv.respond(renderInsightsSetting(await new EcsReader(ecs).getCluster(cluster)));
      return;
    }
    const insights = VERBS[verb.toLowerCase()];
    if (!insights) throw new UsageError(`"${verb}" is not one of enable, enhanced, disable`, INSIGHTS_USAGE);
    const reason = typeof inv.args.flags.reason === 'string' ? inv.args.flags.reason : undefined;
    await submitChange(
      inv,
      changes,
      { action: 'container-insights', cluster, insights, reason, ...scope },
      `/ecs insights ${cluster} ${verb.toLowerCase()}${scope.account ? ` --account ${scope.account}` : ''}${scope.region ? ` --region ${scope.region}` : ''}`,
    );
  },
});
