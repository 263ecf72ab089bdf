import type { App, RespondArguments } from '@slack/bolt';
import type { AppContext, Feature, Subcommand } from '../context';
import { ACTIONS } from '../slack/actions';
import { onClick } from '../slack/clicks';
import { LOGS_FLAGS, LOGS_USAGE, parseLogsRequest } from './args';
import { composeLogsAnswer, LogsSources, readLogs } from './answer';
import { handleLogsButton } from './button';

/**
 * /ecs logs <cluster>/<service>: the service's container output from CloudWatch Logs, read-only,
 * answered only to the asker unless --public. When the lines do not fit a Slack message the whole
 * result is attached as a .log file for whoever sees the answer: in the channel for --public, else in
 * the asker's direct messages with the bot. The Logs button of alarm cards is button.ts.
 */

export function logsSubcommand(sources: LogsSources): Subcommand {
  return {
    name: 'logs',
    usage: LOGS_USAGE,
    summary:
      "A service's container logs from CloudWatch Logs (last 15 min by default, newest last); --grep filters. Only you see it unless --public",
    flags: LOGS_FLAGS,
    async run(inv, ctx) {
      const req = parseLogsRequest(inv.args, ctx.config.defaultCluster);
      const view = await readLogs(ctx, sources, req, { words: inv.args.positional, flags: inv.args.flags });
      const isPublic = inv.args.flags.public === true;
      const msg = await composeLogsAnswer(
        ctx,
        view,
        { channelId: inv.channelId, userId: inv.userId, private: !isPublic },
        { requestedBy: isPublic ? inv.userId : undefined },
        inv.log,
      );
      const answer: RespondArguments = {
        response_type: isPublic ? 'in_channel' : 'ephemeral',
        text: msg.text,
        blocks: msg.blocks,
      };
      await inv.respond(answer);
      inv.log.info(
        {
          cluster: view.cluster,
          service: view.service,
          containers: view.containers.length,
          lines: view.containers.reduce((a, c) => a + c.lines.length, 0),
          calls: view.calls,
        },
        'logs answered',
      );
    },
  };
}

export function logsFeature(ctx: AppContext): Feature {
  const sources = new LogsSources(ctx);
  return {
    name: 'logs',
    subcommands: [logsSubcommand(sources)],
    register(app: App) {
      // Acked first; shutdown waits for the tracked answer. Nothing here touches the outbox.
      onClick(app, ctx, ACTIONS.alarmLogs, (c) => handleLogsButton(ctx, sources, c), { component: 'logs' });
    },
  };
}
