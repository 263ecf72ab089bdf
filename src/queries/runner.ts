import type { RespondArguments } from '@slack/bolt';
import {
  FINAL_STATUSES,
  LogGroupNotFoundError,
  MAX_PAGE,
  performanceLogGroup,
  type LogsInsights,
  type QueryPage,
  type QueryStats,
} from '../aws/logs';
import type { AppContext, Worker, CommandInvocation } from '../context';
import { UserFacingError } from '../errors';
import { escapeText } from '../slack/mrkdwn';
import type { Logger } from '../logger';
import {
  insightsDisabledText,
  notInChannelNote,
  renderQueryCsv,
  renderQueryEnded,
  renderQueryProgress,
  renderQueryResult,
  resultNeedsCsv,
  type QueryEnding,
  type QueryView,
  type SlackMessage,
} from './render';
import { QUERY_USAGE, type QueryRequest } from './args';
import { slackErrorCode } from '../slack/errors';
import { locateCluster, whereLabel } from '../slack/commands/scope-flags';
import type { AwsScope } from '../aws/scope';

export interface QueryRunnerOptions {
  /** Time between GetQueryResults polls (default 1 s). */
  pollMs: number;
  /** The bot's own deadline: StopQuery and say so after this long (default 5 min). */
  deadlineMs: number;
  /** Least time between two progress updates of the message (default 3 s). */
  progressEveryMs: number;
  /** Queries one user may have running at once in this process (default 3). */
  maxPerUser: number;
  /** Waits between polls; tests inject an instant or stepped one. */
  sleep: (ms: number) => Promise<void>;
}

/** Where the query's message lives: a channel message we update, or the requester's ephemeral one. */
type Surface =
  | { kind: 'channel'; channel: string; ts: string }
  | { kind: 'ephemeral'; respond: (msg: RespondArguments) => Promise<void> };

interface ActiveQuery {
  view: QueryView;
  /** Logs Insights in the account and region the query runs in. */
  logs: LogsInsights;
  surface: Surface;
  startedAt: number;
  cancelledBy?: string;
  wake: () => void;
  log: Logger;
}

export type CancelOutcome =
  { kind: 'cancelled'; local: boolean } | { kind: 'already'; by: string } | { kind: 'not_running' };

const ZERO: QueryStats = { recordsScanned: 0, recordsMatched: 0, bytesScanned: 0 };
const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);
const MAX_POLL_FAILURES = 3;

/**
 * Runs Logs Insights queries for /ecs query and follows each to its end: one message per query,
 * updated while it runs and replaced by the result or by a plain statement of how it ended.
 * Following happens in the background (the command answers at once); `worker().stop()` stops every
 * query still running when the bot shuts down, so no message is left saying "Running".
 */
export class QueryRunner {
  private readonly active = new Map<string, ActiveQuery>();
  private readonly loops = new Set<Promise<void>>();
  private stopping = false;

  /**
   * `logsIn` gives Logs Insights of one account and region: the query's every call (StartQuery,
   * GetQueryResults, StopQuery) runs there, with that account's read session.
   */
  constructor(
    private readonly ctx: AppContext,
    private readonly logsIn: (scope: AwsScope) => LogsInsights,
    private readonly opts: QueryRunnerOptions,
  ) {}

  get running(): number {
    return this.active.size;
  }

  isLocal(queryId: string): boolean {
    return this.active.has(queryId);
  }

  /** Starts the query, posts the progress message and follows the query in the background. */
  async launch(inv: CommandInvocation, req: Extract<QueryRequest, { kind: 'run' }>): Promise<void> {
    const { ctx } = this;
    if (this.stopping) throw new UserFacingError('The bot is restarting; run the query again in a moment.');
    const mine = [...this.active.values()].filter((a) => a.view.requester === inv.userId).length;
    if (mine >= this.opts.maxPerUser) {
      throw new UserFacingError(`You already have ${mine} queries running; wait for one to finish or cancel it.`);
    }
    // The account and region the cluster is in: flags narrow the search, several matches are answered.
    const target = await locateCluster(ctx, req.cluster, { filter: req.where, usage: QUERY_USAGE });
    const scope: AwsScope = { account: target.account, region: target.region };
    const where = whereLabel(ctx, scope);
    const logs = this.logsIn(scope);
    const endMs = ctx.clock.now();
    const startMs = endMs - req.sinceMs;
    const logGroup = performanceLogGroup(req.cluster);
    let queryId: string;
    try {
      queryId = await logs.start({
        logGroupName: logGroup,
        queryString: req.query,
        startTimeSec: Math.floor(startMs / 1000),
        endTimeSec: Math.ceil(endMs / 1000),
        limit: req.limit,
      });
    } catch (err) {
      if (err instanceof LogGroupNotFoundError) {
        const flags = where ? ` --account ${scope.account} --region ${scope.region}` : '';
        const text = insightsDisabledText(req.cluster, logGroup, flags);
        throw new UserFacingError(where ? `${text} (in ${where})` : text, { cause: err });
      }
      throw err;
    }
    const log = inv.log.child({
      queryId,
      cluster: req.cluster,
      preset: req.preset ?? 'raw',
      ...(where ? { account: scope.account, region: scope.region } : {}),
    });
    log.info({ since: req.sinceLabel, limit: req.limit }, 'logs insights query started');
    const view: QueryView = {
      queryId,
      cluster: req.cluster,
      preset: req.preset,
      query: req.query,
      sinceLabel: req.sinceLabel,
      startMs,
      endMs,
      requester: inv.userId,
      limit: req.limit,
      ...(where ? { where, scope } : {}),
    };
    const progress = renderQueryProgress(view, { status: 'Scheduled', stats: ZERO, elapsedMs: 0 });

    let surface: Surface;
    try {
      const res = await ctx.slack.chat.postMessage({
        channel: inv.channelId,
        text: progress.text,
        blocks: progress.blocks,
      });
      surface = { kind: 'channel', channel: res.channel ?? inv.channelId, ts: String(res.ts) };
    } catch (err) {
      const code = slackErrorCode(err);
      log.info({ err }, 'cannot post the query message in the channel; answering ephemerally');
      const respond = async (msg: RespondArguments) => inv.respond(msg);
      const note = NOT_IN_CHANNEL.has(code) ? notInChannelNote() : undefined;
      const eph = renderQueryProgress(view, { status: 'Scheduled', stats: ZERO, elapsedMs: 0, note });
      try {
        await respond({ response_type: 'ephemeral', text: eph.text, blocks: eph.blocks });
      } catch (respondErr) {
        await logs.stop(queryId).catch(() => undefined);
        throw respondErr;
      }
      surface = { kind: 'ephemeral', respond };
    }

    const a: ActiveQuery = { view, logs, surface, startedAt: endMs, wake: () => undefined, log };
    this.active.set(queryId, a);
    const loop = this.follow(a)
      .catch((err: unknown) => log.error({ err }, 'query follow-up failed'))
      .finally(() => {
        this.active.delete(queryId);
        this.loops.delete(loop);
      });
    this.loops.add(loop);
  }

  /**
   * Cancels a query: the first click records who cancelled (shared by every replica), then
   * StopQuery in the account and region the query runs in (`scope`, from the button; the default when
   * it names none). When this process follows the query, its loop renders "cancelled by @user".
   */
  async cancel(queryId: string, userId: string, scope?: AwsScope): Promise<CancelOutcome> {
    const a = this.active.get(queryId);
    // Checked before the claim: a button naming an account no longer configured claims nothing.
    const logs = a?.logs ?? this.logsIn(scope ? this.ctx.accounts.check(scope) : this.ctx.accounts.defaultScope);
    const claim = await this.ctx.store.queryCancels.claim(queryId, userId, this.ctx.clock.now());
    if (!claim.won) return { kind: 'already', by: claim.cancel.userId };
    if (a) a.cancelledBy = userId;
    let outcome;
    try {
      outcome = await logs.stop(queryId);
    } catch (err) {
      if (a) a.cancelledBy = undefined;
      await this.ctx.store.queryCancels.release(queryId);
      throw err;
    }
    if (outcome !== 'stopped') {
      if (a) a.cancelledBy = undefined;
      await this.ctx.store.queryCancels.release(queryId);
      return { kind: 'not_running' };
    }
    a?.log.info({ by: userId }, 'logs insights query cancelled');
    a?.wake();
    return { kind: 'cancelled', local: !!a };
  }

  /** Stops every query still running (StopQuery, message says why) and waits for the loops. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const a of this.active.values()) a.wake();
    await Promise.allSettled([...this.loops]);
  }

  worker(): Worker {
    return {
      name: 'query-runner',
      start: () => undefined,
      stop: () => this.shutdown(),
      runOnce: async () => this.running,
    };
  }

  /** Sleeps for the poll interval, or less when woken (cancel, shutdown). */
  private nap(a: ActiveQuery): Promise<void> {
    return new Promise<void>((resolve) => {
      a.wake = resolve;
      this.opts.sleep(this.opts.pollMs).then(resolve, resolve);
    });
  }

  private async follow(a: ActiveQuery): Promise<void> {
    const { ctx, opts } = this;
    const id = a.view.queryId;
    let stats: QueryStats = ZERO;
    let shown = { status: 'Scheduled', records: 0, at: a.startedAt };
    let failures = 0;
    for (;;) {
      await this.nap(a);
      const elapsed = () => ctx.clock.now() - a.startedAt;
      if (this.stopping) {
        await a.logs.stop(id).catch(() => undefined);
        return this.end(a, { kind: 'shutdown' }, stats, elapsed());
      }
      let page: QueryPage;
      try {
        page = await a.logs.results(id, { maxItems: Math.min(a.view.limit, MAX_PAGE) });
        failures = 0;
      } catch (err) {
        failures++;
        a.log.warn({ err, failures }, 'GetQueryResults failed');
        if (failures < MAX_POLL_FAILURES) continue;
        await a.logs.stop(id).catch(() => undefined);
        return this.end(a, { kind: 'lost', detail: (err as Error).message, ref: ctx.newId(4) }, stats, elapsed());
      }
      stats = page.stats;
      if (FINAL_STATUSES.has(page.status)) {
        if (page.status === 'Complete') {
          const all = page.nextToken ? await a.logs.allResults(id, a.view.limit, page) : page;
          return this.finishResult(a, all, elapsed());
        }
        if (page.status === 'Failed') return this.end(a, { kind: 'failed' }, stats, elapsed());
        if (page.status === 'Timeout') return this.end(a, { kind: 'timeout' }, stats, elapsed());
        const by = a.cancelledBy ?? (await ctx.store.queryCancels.get(id).catch(() => undefined))?.userId;
        return this.end(a, { kind: 'cancelled', by }, stats, elapsed());
      }
      if (elapsed() >= opts.deadlineMs) {
        await a.logs.stop(id).catch(() => undefined);
        return this.end(a, { kind: 'deadline', afterMs: elapsed() }, stats, elapsed());
      }
      const now = ctx.clock.now();
      const changed =
        page.status !== shown.status ||
        (stats.recordsScanned !== shown.records && now - shown.at >= opts.progressEveryMs);
      if (changed && a.surface.kind === 'channel') {
        shown = { status: page.status, records: stats.recordsScanned, at: now };
        const msg = renderQueryProgress(a.view, { status: page.status, stats, elapsedMs: elapsed() });
        await this.update(a, msg, false);
      }
    }
  }

  private async finishResult(a: ActiveQuery, page: QueryPage, elapsedMs: number): Promise<void> {
    const { ctx } = this;
    const input = { fields: page.fields, rows: page.rows, stats: page.stats, elapsedMs };
    const needsCsv = resultNeedsCsv(input);
    const delivery = !needsCsv ? 'none' : a.surface.kind === 'channel' ? 'thread' : 'unavailable';
    await this.update(a, renderQueryResult(a.view, input, delivery), true);
    this.observe('complete', elapsedMs);
    a.log.info({ rows: page.rows.length, ...page.stats, ms: elapsedMs }, 'logs insights query complete');
    if (delivery !== 'thread' || a.surface.kind !== 'channel') return;
    const { channel, ts } = a.surface;
    const stamp = new Date(a.view.endMs).toISOString().slice(0, 16).replace(/[-:]/g, '');
    try {
      await ctx.slack.filesUploadV2({
        channel_id: channel,
        thread_ts: ts,
        filename: `query-${a.view.preset ?? 'raw'}-${a.view.cluster}-${stamp}.csv`,
        title: `${a.view.preset ?? 'Raw query'} on ${a.view.cluster}: ${page.rows.length} rows`,
        content: renderQueryCsv(page.fields, page.rows),
      });
    } catch (err) {
      const code = slackErrorCode(err);
      a.log.warn({ err }, 'CSV upload failed');
      const hint = code === 'missing_scope' ? ' The Slack app needs the files:write scope.' : '';
      await ctx.slack.chat
        .postMessage({
          channel,
          thread_ts: ts,
          text: `:warning: Could not attach the full result as CSV (${escapeText(code)}).${hint}`,
        })
        .catch((e: unknown) => a.log.warn({ err: e }, 'could not report the CSV failure'));
    }
  }

  private async end(a: ActiveQuery, ending: QueryEnding, stats: QueryStats, elapsedMs: number): Promise<void> {
    await this.update(a, renderQueryEnded(a.view, ending, { stats, elapsedMs }), true);
    this.observe(ending.kind, elapsedMs);
    a.log.info({ ending: ending.kind, ...stats, ms: elapsedMs }, 'logs insights query ended without a result');
  }

  private observe(outcome: string, elapsedMs: number): void {
    this.ctx.metrics.commandLatency.observe({ subcommand: 'query', outcome }, Math.max(0, elapsedMs) / 1000);
  }

  /**
   * Replaces the query's message. Progress updates are best effort; the final one retries after a
   * rate limit (chat.update is Tier 3) so the message never stays at "Running".
   */
  private async update(a: ActiveQuery, msg: SlackMessage, final: boolean): Promise<void> {
    const { surface } = a;
    if (surface.kind === 'ephemeral') {
      await surface
        .respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks })
        .catch((err: unknown) => a.log.warn({ err }, 'could not update the ephemeral query message'));
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ctx.slack.chat.update({
          channel: surface.channel,
          ts: surface.ts,
          text: msg.text,
          blocks: msg.blocks,
        });
        return;
      } catch (err) {
        const retryAfter = (err as { retryAfter?: number }).retryAfter;
        if (final && typeof retryAfter === 'number' && attempt < 4) {
          await this.opts.sleep(Math.min(30, Math.max(1, retryAfter)) * 1000);
          continue;
        }
        a.log.warn({ err, final }, 'could not update the query message');
        return;
      }
    }
  }
}
