import type { QueryRunner } from './runner';
import { QUERY_FLAGS, QUERY_USAGE, parseQueryRequest } from './args';
import { QUERY_PRESETS } from './presets';
import { renderQueryHelp } from './render';
import type { Subcommand } from '../context';

/**
 * `/ecs query <preset>|"<raw query>" [--cluster C] [--since 1h] [--limit N] [--account NAME] [--region REGION]`:
 * a Logs Insights query over the cluster's Container Insights performance log group, in the account
 * and region the cluster is found in. The router has acked; the runner
 * posts one message that shows progress and then the result.
 */
export function createQuerySubcommand(runner: QueryRunner): Subcommand {
  return {
    name: 'query',
    usage: QUERY_USAGE,
    summary: `Logs Insights over Container Insights data (presets: ${QUERY_PRESETS.map((p) => p.name).join(', ')})`,
    flags: QUERY_FLAGS,
    ownLatency: true,
    async run(inv, ctx) {
      // The raw text, not the tokenized words, so quotes inside a raw query survive.
      const rest = inv.text.trimStart().replace(/^\S+/, '');
      const req = parseQueryRequest(rest, { defaultCluster: ctx.config.defaultCluster });
      if (req.kind === 'help') {
        await inv.respond(renderQueryHelp(QUERY_PRESETS, QUERY_USAGE));
        return;
      }
      await runner.launch(inv, req);
    },
  };
}
