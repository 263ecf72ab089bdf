import type { App, BlockAction, ButtonAction, RespondFn, types } from '@slack/bolt';
import type { AppContext } from '../context';
import { NotFoundError, UsageError, UserFacingError } from '../errors';
import type { Logger } from '../logger';
import { code, escapeOwnText } from './mrkdwn';

/** One button click, as a feature's handler sees it after the ack. */
export interface Click {
  actionId: string;
  userId: string;
  channelId?: string;
  /** ts of the clicked message when it is a real (non-ephemeral) channel message. */
  messageTs?: string;
  /** The thread the clicked message is in, if any (never for an ephemeral message). */
  threadTs?: string;
  /** The button's value as Slack sent it back: validate before use. */
  value?: string;
  body: BlockAction<ButtonAction>;
  /** The reference the clicker is given if the click fails unexpectedly; also on every log line. */
  ref: string;
  /** Carries ref, user, action and component. */
  log: Logger;
  respond: RespondFn;
}

/** A message to the clicker: mrkdwn text, blocks optional. */
export interface ClickMessage {
  text: string;
  blocks?: (types.KnownBlock | types.Block)[];
}

/** What the clicker is told: mrkdwn text, or a whole message. */
export type ClickAnswer = string | ClickMessage;

/** How a click ended: answered, refused with a user error, or failed unexpectedly. */
export type ClickOutcome = 'ok' | 'refused' | 'error';

export interface ClickOptions {
  /** Names the handler on its log lines (`alarm-buttons`, `approvals`). */
  component: string;
  /**
   * How an answer (the handler's, or the error answer) reaches the clicker. The default is an
   * ephemeral reply that leaves the clicked message as it is. App Home clicks have no response_url
   * and show it on the re-published tab instead.
   */
  answer?: (click: Click, msg: ClickMessage) => Promise<void>;
  /** Told once per click how it ended, for a feature's own metric. */
  counted?: (outcome: ClickOutcome, click: Click) => void;
}

/** The handler's work: its answer to the clicker, if any. Throw a UserFacingError to refuse. */
export type ClickWork = (click: Click) => Promise<ClickAnswer | void>;

/**
 * The answer to a click that was refused or failed: the same words for the same failure on every
 * button. A user error says what is wrong (and the usage line or the closest names when it has them);
 * anything else is "something went wrong" with the reference that finds its log line.
 */
export function clickErrorText(err: unknown, ref: string): string {
  if (err instanceof UserFacingError) {
    let t = `:x: ${err.mrkdwn ? err.message : escapeOwnText(err.message)}`;
    if (err instanceof NotFoundError && err.suggestions.length)
      t += `\nDid you mean: ${err.suggestions.slice(0, 5).map(code).join(', ')}?`;
    if (err instanceof UsageError && err.usage)
      t += `\nUse ${code(err.usage.startsWith('/ecs') ? err.usage : `/ecs ${err.usage}`)} instead.`;
    return t;
  }
  return `:warning: Something went wrong (ref ${ref}). The error is logged; nothing was changed by this click unless a message says so.`;
}

/** A button value that did not come back as the bot wrote it. `usage` names the command that does the same. */
export function malformedButton(what: string, usage?: string): UsageError {
  return new UsageError(`this button is malformed; ${what}`, usage);
}

function clickOf(body: BlockAction<ButtonAction>, action: ButtonAction, ref: string, log: Logger, respond: RespondFn) {
  const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean } | undefined;
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const ephemeral = container?.is_ephemeral === true;
  return {
    actionId: action.action_id,
    userId: body.user.id,
    channelId: body.channel?.id ?? container?.channel_id,
    messageTs: ephemeral ? undefined : (message?.ts ?? container?.message_ts),
    threadTs: ephemeral ? undefined : message?.thread_ts,
    value: action.value,
    body,
    ref,
    log,
    respond,
  } satisfies Click;
}

/**
 * Registers a button handler. Each click is acked at once, given a reference ID and a child logger,
 * and its work is tracked so shutdown waits for it. What the work returns is answered to the clicker;
 * a UserFacingError it throws is answered with its message and logged at info; anything else is
 * logged once at error with `{ err }` and answered with "something went wrong (ref …)".
 */
export function onClick(
  app: App,
  ctx: Pick<AppContext, 'logger' | 'newId' | 'track'>,
  actionId: string | RegExp,
  work: ClickWork,
  options: ClickOptions,
): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
    await ack();
    const ref = ctx.newId(4);
    const log = ctx.logger.child({ ref, component: options.component, user: body.user.id, action: action.action_id });
    const click = clickOf(body, action, ref, log, respond);
    const send = async (a: ClickAnswer) => {
      const msg = typeof a === 'string' ? { text: a } : a;
      try {
        if (options.answer) await options.answer(click, msg);
        else await respond({ response_type: 'ephemeral', replace_original: false, ...msg });
      } catch (err) {
        log.warn({ err }, 'could not answer the click');
      }
    };
    const run = (async () => {
      let outcome: ClickOutcome = 'ok';
      try {
        const answer = await work(click);
        if (answer) await send(answer);
      } catch (err) {
        outcome = err instanceof UserFacingError ? 'refused' : 'error';
        if (outcome === 'refused') log.info({ err }, 'click refused');
        else log.error({ err }, 'click failed');
        await send(clickErrorText(err, ref));
      }
      options.counted?.(outcome, click);
    })();
    void ctx.track(run);
  });
}
