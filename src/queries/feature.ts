import { LogsInsights } from '../aws/logs';
import { createQuerySubcommand } from './command';
import type { ApprovalPolicy } from '../approvals/api';
import type { AppContext, Feature } from '../context';
import { registerQueryCancel } from './cancel-action';
import { QueryRunner } from './runner';
import { scopeKey, type AwsScope } from '../aws/scope';

/** How the query feature waits and polls; tests pass an instant or fake-clock sleep. */
export interface QueryOptions {
  /** Poll interval in ms (default 1000). */
  queryPollMs?: number;
  /** Replaces the wait between polls and back-offs; tests pass an instant or a fake-clock one. */
  querySleep?: (ms: number) => Promise<void>;
  /** The bot's own deadline in ms (default 5 minutes). */
  queryDeadlineMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** /ecs query: the subcommand, the Cancel button, and a worker that stops running queries on shutdown. */
export interface QueryDeps {
  /** The approval policy, which says who may cancel someone else's query. */
  policy: ApprovalPolicy;
}

export function queryFeature(ctx: AppContext, deps: QueryDeps, options: QueryOptions = {}): Feature {
  const sleep = options.querySleep ?? realSleep;
  // One Logs Insights per account and region, on that account's read clients (the default's in a single-account install).
  const insights = new Map<string, LogsInsights>();
  const logsIn = (scope: AwsScope) => {
    let l = insights.get(scopeKey(scope));
    if (!l) {
      l = new LogsInsights(ctx.accounts.read(scope).logs, { sleep });
      insights.set(scopeKey(scope), l);
    }
    return l;
  };
  const runner = new QueryRunner(ctx, logsIn, {
    pollMs: options.queryPollMs ?? 1000,
    deadlineMs: options.queryDeadlineMs ?? 5 * 60_000,
    progressEveryMs: 3000,
    maxPerUser: 3,
    sleep,
  });
  return {
    name: 'query',
    subcommands: [createQuerySubcommand(runner)],
    register(app) {
      registerQueryCancel(app, ctx, runner, deps.policy);
    },
    workers: [runner.worker()],
  };
}
