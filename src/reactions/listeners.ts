import type { App } from '@slack/bolt';
import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import type { Logger } from '../logger';
import type { Incident } from '../store/incidents';
import { ACTIONS, decodeValue, encodeValue } from '../slack/actions';
import { malformedButton, onClick, type Click, type ClickOptions } from '../slack/clicks';
import { code, escapeText, slackDate } from '../slack/mrkdwn';
import { applyReaction, type ReactionEvent } from './apply';
import type { IncidentFinder } from './find-incident';
import type { IncidentActions } from '../alarms/api';
import { createMuteRule, deleteMuteRule, mutePreflight } from './mute-rule';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

interface MuteValue {
  i: string;
}

/** The question asked before muting an alarm whose actions do more than notify. Pure. */
export function muteQuestion(
  inc: Pick<Incident, 'id' | 'name' | 'silencedUntil'>,
  alarmName: string,
  actions: string[],
) {
  const value = encodeValue({ i: inc.id } satisfies MuteValue);
  const list = [...new Set(actions)]
    .slice(0, 10)
    .map((a) => escapeText(a))
    .join(', ');
  const text =
    `:warning: ${code(alarmName)} is silenced in Slack until ${slackDate(inc.silencedUntil ?? 0, '{time}')}. ` +
    `Muting it in AWS too would also mute its other actions: *${list}*. Auto scaling would not react to this alarm for the hour.`;
  return {
    text: `${escapeText(alarmName)} also drives ${list}: mute it in AWS anyway?`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Mute in AWS anyway' },
            style: 'danger',
            action_id: ACTIONS.muteConfirm,
            value,
            confirm: {
              title: { type: 'plain_text', text: 'Mute every action?' },
              text: {
                type: 'plain_text',
                text: 'All actions of this alarm, auto scaling included, stop until the silence ends.',
              },
              confirm: { type: 'plain_text', text: 'Mute' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          { type: 'button', text: { type: 'plain_text', text: 'Slack only' }, action_id: ACTIONS.muteSkip, value },
        ],
      },
    ],
  };
}

async function ephemeral(
  ctx: AppContext,
  log: Logger,
  o: { channel: string; user: string; threadTs?: string; text: string; blocks?: unknown[] },
): Promise<void> {
  try {
    await ctx.slack.chat.postEphemeral({
      channel: o.channel,
      user: o.user,
      thread_ts: o.threadTs,
      text: o.text,
      blocks: o.blocks as never,
    });
  } catch (err) {
    log.warn({ err }, 'ephemeral reply failed');
  }
}

/** After a silence by reaction: make it a mute rule in AWS, or ask first when the alarm does more than notify. */
async function muteAfterSilence(
  ctx: AppContext,
  log: Logger,
  inc: Incident,
  ev: ReactionEvent,
  threadTs?: string,
): Promise<void> {
  const until = inc.silencedUntil;
  if (!until || !ev.channel) return;
  try {
    const pre = await mutePreflight(ctx, inc);
    if (pre.kind === 'skip') {
      log.info({ incident: inc.id, why: pre.why }, 'silence stays in Slack only');
      return;
    }
    if (pre.kind === 'ask') {
      await ephemeral(ctx, log, {
        channel: ev.channel,
        user: ev.user,
        threadTs,
        ...muteQuestion(inc, pre.alarmName, pre.actions),
      });
      return;
    }
    await createMuteRule(ctx, inc, ev.user, until, pre.alarmName);
  } catch (err) {
    log.warn({ incident: inc.id, err }, 'mute rule not created');
    const why = err instanceof UserFacingError ? err.message : 'an unexpected error (logged)';
    await ephemeral(ctx, log, {
      channel: ev.channel,
      user: ev.user,
      threadTs,
      text: `:warning: ${escapeText(inc.name)} is silenced in Slack, but it could not be muted in AWS: ${escapeText(why)}`,
    });
  }
}

/**
 * `reaction_added` / `reaction_removed` on alarm cards, and the two buttons of the mute question.
 * Events are acknowledged by Bolt before this runs; the work is tracked so shutdown waits for it.
 */
export function registerReactionListeners(
  app: App,
  ctx: AppContext,
  finder: IncidentFinder,
  incidents: IncidentActions,
): void {
  const onReaction =
    (kind: 'added' | 'removed') =>
    async ({
      event,
      context,
    }: {
      event: { user: string; reaction: string; item: { type: string; channel?: string; ts?: string } };
      context: { botUserId?: string };
    }) => {
      const ev: ReactionEvent = {
        kind,
        user: event.user,
        reaction: event.reaction,
        itemType: event.item?.type,
        channel: event.item?.channel,
        ts: event.item?.ts,
      };
      const log = ctx.logger.child({ component: 'reactions', user: ev.user, reaction: ev.reaction, kind });
      const work = (async () => {
        const r = await applyReaction(ctx, finder, incidents, ev, context.botUserId);
        if (!r.handled) {
          ctx.metrics.reactions.inc({ action: 'none', outcome: `ignored:${r.why}` });
          log.debug({ why: r.why }, 'reaction ignored');
          return;
        }
        ctx.metrics.reactions.inc({ action: r.action, outcome: r.changed ? 'applied' : 'unchanged' });
        log.info({ incident: r.incident.id, action: r.action, via: r.via, changed: r.changed }, 'reaction applied');
        if (!ctx.config.alarmMuteRules || r.action !== 'silence' || !r.changed) return;
        const threadTs = r.via === 'thread' ? (r.incident.cardTs ?? undefined) : undefined;
        if (kind === 'added') await muteAfterSilence(ctx, log, r.incident, ev, threadTs);
        else {
          await deleteMuteRule(ctx, r.incident.id, ev.user).catch(async (err: unknown) => {
            log.warn({ incident: r.incident.id, err }, 'mute rule not deleted');
            await ephemeral(ctx, log, {
              channel: ev.channel as string,
              user: ev.user,
              threadTs,
              text: `:warning: The silence of ${escapeText(r.incident.name)} is lifted in Slack, but its mute rule in AWS could not be deleted: ${escapeText((err as Error).message)}. It expires by itself.`,
            });
          });
        }
      })().catch((err: unknown) => log.error({ err }, 'reaction failed'));
      await ctx.track(work);
    };
  app.event('reaction_added', onReaction('added') as never);
  app.event('reaction_removed', onReaction('removed') as never);

  const muteButton = (confirm: boolean) => async (c: Click) => {
    const v = decodeValue<Record<string, unknown>>(c.value);
    if (!v || typeof v.i !== 'string' || !ID_RE.test(v.i)) throw malformedButton('nothing was muted');
    const inc = await ctx.store.incidents.get(v.i);
    const now = ctx.clock.now();
    if (!inc || !inc.silencedUntil || inc.silencedUntil <= now)
      return 'The silence has ended; nothing was muted in AWS.';
    if (!confirm)
      return `:no_bell: ${escapeText(inc.name)} stays silenced in Slack only; its actions in AWS keep running.`;
    if (inc.silencedBy !== c.userId) return ':x: Only the person who silenced this alarm can mute it in AWS.';
    const pre = await mutePreflight(ctx, inc);
    if (pre.kind === 'skip') return `Nothing was muted in AWS: ${escapeText(pre.why)}.`;
    const rule = await createMuteRule(ctx, inc, c.userId, inc.silencedUntil, pre.alarmName);
    return `:mute: ${code(pre.alarmName)} is muted in AWS until ${slackDate(inc.silencedUntil, '{time}')} (mute rule ${code(rule)}). Remove your reaction to lift it.`;
  };
  // The answer replaces the question, which has done its work either way.
  const options: ClickOptions = {
    component: 'reactions',
    answer: async (c, msg) => {
      await c.respond({ response_type: 'ephemeral', replace_original: true, ...msg });
    },
  };
  onClick(app, ctx, ACTIONS.muteConfirm, muteButton(true), options);
  onClick(app, ctx, ACTIONS.muteSkip, muteButton(false), options);
}
