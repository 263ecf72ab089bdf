import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { AppContext } from '../context';
import { ACTIONS, decodeValue } from '../slack/actions';
import { escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import type { AlarmButtonValue } from './render/alarm-card';
import {
  acknowledgeIncident,
  silenceIncident,
  unacknowledgeIncident,
  unsilenceIncident,
  type IncidentChange,
} from './incident-actions';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates a card button's value; undefined when it is not one the bot wrote. */
export function parseAlarmButton(value: string | undefined): AlarmButtonValue | undefined {
  const v = decodeValue<Record<string, unknown>>(value);
  if (!v || typeof v.k !== 'string' || !ID_RE.test(v.k)) return undefined;
  const op = v.op;
  if (op !== undefined && op !== 'ack' && op !== 'unack' && op !== 'silence' && op !== 'unsilence') return undefined;
  return { k: v.k, c: typeof v.c === 'string' ? v.c : undefined, s: typeof v.s === 'string' ? v.s : undefined, op };
}

type Kind = 'ack' | 'silence';

export function answer(kind: Kind, op: string, r: IncidentChange): string {
  const inc = r.incident;
  if (!inc) return ':x: This alarm is no longer known to the bot (its record may have been removed).';
  const name = `*${escapeText(inc.name).replace(/[*_~]/g, '')}*`;
  if (kind === 'ack') {
    if (op === 'ack') {
      return r.changed
        ? `:eyes: You acknowledged ${name}.`
        : `${name} was already acknowledged by ${mentionUser(inc.ackBy ?? '')}${inc.ackAt ? ` ${slackDate(inc.ackAt)}` : ''}.`;
    }
    return r.changed ? `You removed the acknowledgement of ${name}.` : `${name} is not acknowledged.`;
  }
  if (op === 'silence') {
    return r.changed
      ? `:no_bell: ${name} is silenced until ${slackDate(inc.silencedUntil ?? 0, '{time}')}: no new channel posts for it; its card and thread still update.`
      : `${name} is already silenced until ${slackDate(inc.silencedUntil ?? 0, '{time}')}.`;
  }
  return r.changed ? `:bell: ${name} is no longer silenced.` : `${name} is not silenced.`;
}

/** The Acknowledge and Silence 1h buttons of an alarm card. Diagnose, Status and Scale belong to their own features. */
export function registerAlarmButtons(app: App, ctx: AppContext): void {
  const handle =
    (kind: Kind) =>
    async ({
      ack,
      body,
      action,
      respond,
    }: {
      ack: () => Promise<void>;
      body: BlockAction;
      action: ButtonAction;
      respond: (m: Record<string, unknown>) => Promise<unknown>;
    }) => {
      await ack();
      const log = ctx.logger.child({ component: 'alarm-buttons', user: body.user.id, action: action.action_id });
      const say = (text: string) =>
        respond({ response_type: 'ephemeral', replace_original: false, text }).catch((err) =>
          log.warn({ err: { message: (err as Error).message } }, 'respond failed'),
        );
      const v = parseAlarmButton(action.value);
      if (!v) {
        log.warn('malformed alarm button value');
        await say(':x: This button is malformed; use the buttons on a current alarm card.');
        return;
      }
      const op = kind === 'ack' ? (v.op === 'unack' ? 'unack' : 'ack') : v.op === 'unsilence' ? 'unsilence' : 'silence';
      try {
        const fn = {
          ack: acknowledgeIncident,
          unack: unacknowledgeIncident,
          silence: silenceIncident,
          unsilence: unsilenceIncident,
        }[op];
        const r = await fn(ctx, v.k, body.user.id);
        log.info({ incident: v.k, op, changed: r.changed }, 'alarm button');
        await say(answer(kind, op, r));
      } catch (err) {
        const ref = ctx.newId(4);
        log.error({ ref, err: { name: (err as Error).name, message: (err as Error).message } }, 'alarm button failed');
        await say(`:warning: Something went wrong (ref ${ref}). The error is logged; try again in a moment.`);
      }
    };
  app.action<BlockAction<ButtonAction>>(ACTIONS.alarmAck, handle('ack') as never);
  app.action<BlockAction<ButtonAction>>(ACTIONS.alarmSilence, handle('silence') as never);
}
