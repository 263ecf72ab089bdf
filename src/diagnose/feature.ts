import type { App } from '@slack/bolt';
import { AutoScalingReader } from '../aws/autoscaling';
import { EcsReader } from '../aws/ecs';
import { EcsMetrics, MetricsReader } from '../aws/metrics';
import type { AppContext, Feature, Subcommand } from '../context';
import { diagnose, type Diagnosis, type DiagnosisInput } from '../ecs/diagnosis';
import { UserFacingError } from '../errors';
import type { Logger } from '../logger';
import { lastLinesReader } from '../logs/api';
import { ACTIONS } from '../slack/actions';
import { code, mentionUser } from '../slack/mrkdwn';
import { malformedButton, onClick, type Click, type ClickAnswer } from '../slack/clicks';
import { renderDiagnosis } from './render';
import { diagnosisGraph, graphInAnswer, graphInThread } from './graph';
import { DEFAULT_DASHBOARD_MS } from '../graphs/api';
import { LIMITS } from '../slack/limits';
import { showGraphButton } from '../status/api';
import { gatherEvidence, type DiagnoseDeps } from './gather';
import { DIAGNOSE_USAGE, parseDiagnoseButtonValue, parseDiagnoseTarget } from './target';
import { diagnosisWatcher, needsWatch, startWatch, WATCH_INTERVAL_MS, type DiagnoseOptions } from './watch';
import { scopeKey, type AwsScope } from '../aws/scope';
import type { ApprovalPolicy } from '../approvals/api';
import { alarmScopeFilter, locateCluster, SCOPE_FLAGS, whereLabel } from '../slack/commands/scope-flags';

/**
 * The readers of each account and region, made once (their task-definition caches outlive a
 * diagnosis). `home` is the default account and region, which a single-account install only has.
 */
export interface DiagnoseSources {
  home: Omit<DiagnoseDeps, 'log'>;
  in(scope: AwsScope | undefined): Omit<DiagnoseDeps, 'log'>;
}

function depsFor(
  ctx: AppContext,
  aws: AppContext['aws'],
  scope: AwsScope,
  policy: ApprovalPolicy | undefined,
): Omit<DiagnoseDeps, 'log'> {
  const account = scope.account;
  const ecs = new EcsReader(aws.ecs, 5);
  // The recommendation's buttons stay within what the approval policy allows in this account.
  const multi = ctx.accounts.multi;
  const bounds = policy
    ? (cluster: string) => ({
        tasks: policy.effective(cluster, 'scale-service', multi ? account : undefined).bounds,
        instances: policy.effective(cluster, 'scale-instances', multi ? account : undefined).bounds,
        ...(multi && account ? { account } : {}),
      })
    : undefined;
  return {
    ...(bounds ? { bounds } : {}),
    ecs,
    lastLines: lastLinesReader(ctx, ecs, scope),
    metrics: new EcsMetrics(new MetricsReader(aws.cloudwatch, 4)),
    autoscaling: new AutoScalingReader(aws.autoscaling, aws.ecs),
    appautoscaling: aws.appautoscaling,
    clock: ctx.clock,
    config: ctx.config,
  };
}

export function diagnoseSources(ctx: AppContext, policy?: ApprovalPolicy): DiagnoseSources {
  const home = depsFor(ctx, ctx.aws, ctx.accounts.defaultScope, policy);
  const made = new Map<string, Omit<DiagnoseDeps, 'log'>>([[scopeKey(ctx.accounts.defaultScope), home]]);
  return {
    home,
    in(scope) {
      if (!scope) return home;
      let d = made.get(scopeKey(scope));
      if (!d) {
        d = depsFor(ctx, ctx.accounts.read(scope), scope, policy);
        made.set(scopeKey(scope), d);
      }
      return d;
    },
  };
}

/** Where a diagnosis runs: undefined for a single-account install, else the account and region the cluster is in. */
async function diagnoseScope(
  ctx: AppContext,
  cluster: string,
  o: Parameters<typeof locateCluster>[2],
): Promise<AwsScope | undefined> {
  if (!ctx.accounts.multi) return undefined;
  const t = await locateCluster(ctx, cluster, o);
  return { account: t.account, region: t.region };
}

const isHome = (ctx: AppContext, s: AwsScope | undefined) => !s || scopeKey(s) === scopeKey(ctx.accounts.defaultScope);

/**
 * /ecs diagnose <cluster>/<service> and the Diagnose button of alarm cards: read the evidence, run the
 * rules, answer with the findings and a recommendation whose buttons open pre-filled approval requests.
 * Read-only. The command answers only the asker unless --public (like /ecs status); the button posts in
 * the alarm card's thread so the whole team sees the same diagnosis, and when the service is short the
 * bot watches it and says in that thread when it runs its desired count again (watch.ts).
 */

/** A second click on the same card's Diagnose within this window gets a pointer to the thread, not a second diagnosis. */
const CLICK_DEBOUNCE_MS = 30_000;

async function runDiagnosis(
  deps: Omit<DiagnoseDeps, 'log'>,
  log: Logger,
  cluster: string,
  service: string,
): Promise<{ d: Diagnosis; input: DiagnosisInput }> {
  const started = process.hrtime.bigint();
  const input = await gatherEvidence({ ...deps, log }, cluster, service);
  const d = diagnose(input);
  log.info(
    {
      cluster,
      service,
      severity: d.severity,
      findings: d.findings.map((f) => `${f.id}:${f.severity}`),
      recommended: d.recommendation?.actions.map((a) => `${a.proposal.a}:${a.proposal.n ?? a.proposal.td}`) ?? [],
      gaps: d.gaps.length,
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
    },
    'diagnosis done',
  );
  return { d, input };
}

type Trigger = 'command' | 'button';

function count(ctx: AppContext, trigger: Trigger, outcome: 'healthy' | 'problem' | 'refused' | 'error'): void {
  ctx.metrics.diagnoses.inc({ trigger, outcome });
}

function countFailure(ctx: AppContext, trigger: Trigger, err: unknown): void {
  count(ctx, trigger, err instanceof UserFacingError ? 'refused' : 'error');
}

function diagnoseSubcommand(src: DiagnoseSources): Subcommand {
  const usage = DIAGNOSE_USAGE;
  return {
    name: 'diagnose',
    aliases: ['why'],
    usage,
    summary:
      'Why a service is short of tasks or unhealthy: findings with their evidence, and a fix to request. Only you see it unless --public',
    flags: { public: 'boolean', ...SCOPE_FLAGS },
    async run(inv, ctx) {
      let d: Diagnosis;
      let input: DiagnosisInput;
      let scope: AwsScope | undefined;
      try {
        const t = parseDiagnoseTarget(inv.args.positional, ctx.config.defaultCluster);
        scope = await diagnoseScope(ctx, t.cluster, { flags: inv.args.flags, words: inv.args.positional, usage });
        ({ d, input } = await runDiagnosis(src.in(scope), inv.log, t.cluster, t.service));
      } catch (err) {
        countFailure(ctx, 'command', err);
        throw err;
      }
      count(ctx, 'command', d.healthy ? 'healthy' : 'problem');
      const options = { requestedBy: inv.userId, scope, where: scope ? whereLabel(ctx, scope) : undefined };
      const msg = renderDiagnosis(d, options);
      const shared = inv.args.flags.public === true;
      const graph = diagnosisGraph(input, d, { region: scope?.region ?? ctx.config.aws.region });
      // Slack does not promise to show the bot's private file in an answer only the asker sees: that
      // answer offers the service's dashboard (task counts, memory against the reservation) instead.
      const blocks =
        graph && !shared && msg.blocks.length < LIMITS.blocksPerMessage
          ? [...msg.blocks, showGraphButton({ cluster: d.cluster, service: d.service }, DEFAULT_DASHBOARD_MS, scope)]
          : msg.blocks;
      await inv.respond({ response_type: shared ? 'in_channel' : 'ephemeral', text: msg.text, blocks });
      // Shared answers get their graph by a replacement once it is drawn; the answer never waits for it.
      if (graph && shared)
        void ctx.track(
          graphInAnswer(ctx, graph, {
            scope,
            log: inv.log,
            channelId: inv.channelId,
            respond: inv.respond,
            render: (graph) => renderDiagnosis(d, { ...options, graph }),
          }),
        );
    },
  };
}

/** Remembers which card's Diagnose was clicked when, so a double click posts one diagnosis. */
export class ClickDebounce {
  private readonly seen = new Map<string, { at: number; by: string }>();
  constructor(private readonly windowMs = CLICK_DEBOUNCE_MS) {}

  /** Undefined when the click may go ahead (and is remembered); else the earlier click. */
  claim(key: string, by: string, now: number): { at: number; by: string } | undefined {
    for (const [k, v] of this.seen) if (now - v.at >= this.windowMs) this.seen.delete(k);
    const prior = this.seen.get(key);
    if (prior) return prior;
    this.seen.set(key, { at: now, by });
    return undefined;
  }

  release(key: string): void {
    this.seen.delete(key);
  }
}

/**
 * The Diagnose button: diagnoses the card's service and posts the result in the card's thread. Bad
 * values, unknown services and AWS refusals are answered to the clicker alone.
 */
async function handleDiagnoseButton(
  ctx: AppContext,
  src: DiagnoseSources,
  debounce: ClickDebounce,
  c: Click,
  watchIntervalMs = WATCH_INTERVAL_MS,
): Promise<ClickAnswer | void> {
  const value = parseDiagnoseButtonValue(c.value);
  if (!value) throw malformedButton('it names no valid cluster or service', DIAGNOSE_USAGE);
  if (!value.c || !value.s) {
    const hint = value.c ? `/ecs diagnose ${value.c}/<service>` : '/ecs diagnose <cluster>/<service>';
    return `:information_source: This alarm names no ECS service${value.c ? ` (only cluster ${code(value.c)})` : ''}, so there is nothing specific to diagnose. Name one: ${code(hint)}, or see ${code(value.c ? `/ecs status ${value.c}` : '/ecs status')}.`;
  }
  const channel = c.channelId;
  // A click on a reply in the thread diagnoses into the same thread; a click on the card starts it.
  const threadTs = c.threadTs ?? c.messageTs;
  const key = `${channel}:${threadTs}:${value.c}/${value.s}`;
  const prior = debounce.claim(key, c.userId, ctx.clock.now());
  if (prior)
    return `:hourglass_flowing_sand: ${mentionUser(prior.by)} asked for this diagnosis moments ago: it is in the thread.`;
  try {
    // The alarm's account and region; an account the bot is not configured for is answered with how to add it.
    const scope = await diagnoseScope(ctx, value.c, { filter: await alarmScopeFilter(ctx, value) });
    const where = scope ? { scope, where: whereLabel(ctx, scope) } : {};
    const { d, input } = await runDiagnosis(src.in(scope), c.log, value.c, value.s);
    count(ctx, 'button', d.healthy ? 'healthy' : 'problem');
    if (!channel || !threadTs) return renderDiagnosis(d, { requestedBy: c.userId, ...where });
    const watching = needsWatch(d);
    const options = { requestedBy: c.userId, threadTs, watching, ...where };
    const msg = renderDiagnosis(d, options);
    let posted: { ts?: string };
    try {
      posted = await ctx.slack.chat.postMessage({
        channel,
        thread_ts: threadTs,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (err) {
      // The thread is the place, but the clicker must get the answer even when Slack refuses the post.
      c.log.warn({ err }, 'diagnosis could not be posted in the thread; answering the clicker');
      debounce.release(key);
      return renderDiagnosis(d, { requestedBy: c.userId, ...where });
    }
    // The diagnosis is out; its graph is added by an update when drawn, off this click's path.
    const graph = diagnosisGraph(input, d, { region: scope?.region ?? ctx.config.aws.region });
    if (graph && posted.ts)
      void ctx.track(
        graphInThread(ctx, graph, {
          scope,
          log: c.log,
          channel,
          threadTs,
          ts: posted.ts,
          render: (graph) => renderDiagnosis(d, { ...options, graph }),
        }),
      );
    if (watching) {
      // The diagnosis is out; failing to watch only costs the "back to desired" line, so it is logged.
      // A watch in the default account and region names none, as watches did before there were accounts.
      const elsewhere = isHome(ctx, scope) ? undefined : scope;
      await startWatch(ctx, d, { channel, threadTs, scope: elsewhere }, watchIntervalMs).then(
        (id) => c.log.info({ watch: id }, 'watching the service in the thread'),
        (err: unknown) => c.log.error({ err }, 'could not start watching the service'),
      );
    }
  } catch (err) {
    debounce.release(key);
    throw err;
  }
}

/** The diagnose capability: the subcommand and the alarm card's Diagnose button. */
export function diagnoseFeature(
  ctx: AppContext,
  options: DiagnoseOptions = {},
  deps: { policy?: ApprovalPolicy } = {},
): Feature {
  // One reader per account and region: its task-definition cache outlives a single diagnosis.
  const src = diagnoseSources(ctx, deps.policy);
  const debounce = new ClickDebounce();
  const intervalMs = options.watchIntervalMs ?? WATCH_INTERVAL_MS;
  const owner = options.instanceId ?? `watcher-${ctx.newId(6)}`;
  return {
    name: 'diagnose',
    subcommands: [diagnoseSubcommand(src)],
    register(app: App) {
      onClick(app, ctx, ACTIONS.alarmDiagnose, (c) => handleDiagnoseButton(ctx, src, debounce, c, intervalMs), {
        component: 'diagnose',
        // Every click counts, the refused and failed ones too (a healthy or problem outcome is counted where it is known).
        counted: (outcome) => {
          if (outcome !== 'ok') count(ctx, 'button', outcome === 'refused' ? 'refused' : 'error');
        },
      });
    },
    workers: [diagnosisWatcher(ctx, (scope) => src.in(scope).ecs, { owner, intervalMs })],
  };
}
