import { LogsInsights } from '../aws/logs';
import { createQuerySubcommand } from './command';
import type { AppContext, Feature } from '../context';
import { registerQueryCancel } from './cancel-action';
import { QueryRunner } from './runner';

/** Test seams this feature reads from ctx.inject (BotOptions.inject). */
export interface QueryInjections {
  /** Poll interval in ms (default 1000). */
  queryPollMs?: number;
  /** Replaces the wait between polls and back-offs; tests pass an instant or a fake-clock one. */
  querySleep?: (ms: number) => Promise<void>;
  /** The bot's own deadline in ms (default 5 minutes). */
  queryDeadlineMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** /ecs query: the subcommand, the Cancel button, and a worker that stops running queries on shutdown. */
export function queryFeature(ctx: AppContext): Feature {
  const inject = ((ctx as { inject?: Record<string, unknown> }).inject ?? {}) as QueryInjections;
  const sleep = inject.querySleep ?? realSleep;
  const logs = new LogsInsights(ctx.aws.logs, { sleep });
  const runner = new QueryRunner(ctx, logs, {
    pollMs: inject.queryPollMs ?? 1000,
    deadlineMs: inject.queryDeadlineMs ?? 5 * 60_000,
    progressEveryMs: 3000,
    maxPerUser: 3,
    sleep,
  });
  return {
    name: 'query',
    subcommands: [createQuerySubcommand(runner)],
    register(app) {
      registerQueryCancel(app, ctx, runner);
    },
    workers: [runner.worker()],
  };
}
