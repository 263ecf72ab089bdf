import type { App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AppContext, Subcommand } from '../../context';
import { UsageError, UserFacingError, NotFoundError } from '../../errors';
import { renderError, renderHelp } from './help';
import { parseArgs, tokenize, decodeSlackEntities } from './parse';
import { sharedEventLoopPressure, WorkGate, type GateLimits } from './work-gate';

export const COMMAND = '/ecs';
/** Commands whose slow part runs at once; more wait in order, up to the queue limit, then "busy". */
export const COMMAND_LIMITS: GateLimits = { concurrency: 8, queueLimit: 32 };
/** The same while the event loop is saturated (see WorkGate). */
export const COMMAND_LIMITS_UNDER_PRESSURE: GateLimits = { concurrency: 1, queueLimit: 4, perSecond: 10 };

/** Finds the subcommand for the first word; undefined when unknown. */
export function findSubcommand(subcommands: Subcommand[], word: string): Subcommand | undefined {
  const w = word.toLowerCase();
  return subcommands.find((s) => s.name === w || s.aliases?.includes(w));
}

/**
 * The /ecs router: acks within Slack's 3-second window before any slow work, then runs the
 * subcommand. Typed user errors become an ephemeral message with the usage line; anything else is
 * logged with a reference the user can quote.
 */
/** `commandGate` replaces the work gate (tests use tiny limits). */
export function registerCommandRouter(
  app: App,
  ctx: AppContext,
  subcommands: Subcommand[],
  commandGate?: WorkGate,
): void {
  const help: Subcommand = {
    name: 'help',
    usage: 'help',
    summary: 'List every subcommand with its usage',
    async run() {
      /* answered in the ack */
    },
  };
  const all = [help, ...subcommands];
  // The help answer never changes while the bot runs: built once, not on every /ecs help.
  const helpAnswer = renderHelp(all);
  // Slow work after the ack is admitted here (see WorkGate); acks never wait.
  const gate = commandGate ?? new WorkGate(COMMAND_LIMITS, COMMAND_LIMITS_UNDER_PRESSURE, sharedEventLoopPressure());

  // Refusals come in floods: the first is logged, then one line with a count at most every 10 s.
  let refusedUnlogged = 0;
  let refusalLoggedAt = -Infinity;

  const handle = async ({ command, ack, respond }: Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'>) => {
    const started = process.hrtime.bigint();
    let words: string[];
    try {
      words = tokenize(command.text ?? '');
    } catch (err) {
      await ack(renderError(err as UsageError, undefined));
      return;
    }
    const name = words[0];
    if (!name || name.toLowerCase() === 'help' || name === '?') {
      await ack(helpAnswer);
      return;
    }
    const sub = findSubcommand(all, name);
    if (!sub) {
      await ack(renderError(new UsageError(`unknown subcommand "${name}"`), undefined, all));
      return;
    }
    let args;
    try {
      args = parseArgs(words.slice(1), sub.flags ?? {}, sub.usage);
    } catch (err) {
      await ack(renderError(err as UsageError, sub));
      return;
    }
    const admitted = gate.admit();
    if (!admitted) {
      ctx.metrics.commandsRefused.inc({ reason: 'busy' });
      refusedUnlogged += 1;
      const now = ctx.clock.now();
      if (now - refusalLoggedAt >= 10_000) {
        ctx.logger.warn(
          { subcommand: sub.name, user: command.user_id, load: gate.load, refused: refusedUnlogged },
          'commands refused: the bot is saturated (count since the last such line)',
        );
        refusalLoggedAt = now;
        refusedUnlogged = 0;
      }
      await ack({
        response_type: 'ephemeral',
        text: `:hourglass: The bot is busy with ${gate.load} other commands right now; \`/ecs ${sub.name}\` was not started. Try again in a minute.`,
      });
      return;
    }
    ctx.metrics.commandsStarted.inc();
    await ack();
    // Start the work on the next turn of the event loop, so that commands already waiting in the
    // socket queue are acked first (bench/ack.ts: halves the p99 ack latency under a burst of /ecs status).
    await new Promise<void>((resolve) => setImmediate(resolve));
    await admitted;
    const ref = ctx.newId(4);
    const log = ctx.logger.child({ ref, user: command.user_id, channel: command.channel_id });
    log.info({ subcommand: sub.name }, 'command received');
    let outcome = 'ok';
    const work = sub
      .run(
        {
          args,
          text: decodeSlackEntities(command.text ?? ''),
          userId: command.user_id,
          channelId: command.channel_id,
          teamId: command.team_id,
          triggerId: command.trigger_id,
          respond: async (msg) => {
            await respond(typeof msg === 'string' ? { response_type: 'ephemeral', text: msg } : msg);
          },
          log,
        },
        ctx,
      )
      .catch(async (err: unknown) => {
        outcome = err instanceof UserFacingError ? 'refused' : 'error';
        if (err instanceof UserFacingError) {
          log.info({ err }, 'command refused');
          await respond(renderError(err, sub)).catch((e) => log.warn({ err: e }, 'respond failed'));
        } else {
          log.error({ err }, 'command failed');
          await respond({
            response_type: 'ephemeral',
            text: `:warning: Something went wrong running \`/ecs ${sub.name}\` (ref ${ref}). The error is logged; try again or ask an admin.`,
          }).catch((e) => log.warn({ err: e }, 'respond failed'));
        }
      })
      .finally(() => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (!sub.ownLatency) ctx.metrics.commandLatency.observe({ subcommand: sub.name, outcome }, seconds);
        log.debug({ subcommand: sub.name, ms: seconds * 1000, outcome }, 'command done');
        gate.leave();
      });
    void ctx.track(work);
  };

  // Routed in one global middleware rather than app.command(): Bolt otherwise runs every registered
  // listener's middleware chain (some twenty) on each /ecs request before the one that acks it.
  app.use(async (args) => {
    const a = args as unknown as Partial<SlackCommandMiddlewareArgs>;
    if (a.command?.command === COMMAND && a.ack && a.respond) {
      await handle({ command: a.command, ack: a.ack, respond: a.respond });
      return;
    }
    await args.next();
  });
}

export { NotFoundError };
