import type { App } from '@slack/bolt';
import type { AppContext } from '../context';
import { ACTIONS, decodeValue } from '../slack/actions';
import { malformedButton, onClick, type Click } from '../slack/clicks';
import { escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import type { AlarmButtonValue } from './render/alarm-card';
import type { IncidentActions, IncidentChange } from './incident-actions';

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
export function registerAlarmButtons(app: App, ctx: AppContext, incidents: IncidentActions): void {
  const handle = (kind: Kind) => async (c: Click) => {
    const v = parseAlarmButton(c.value);
    if (!v) throw malformedButton('use the buttons on a current alarm card');
    const op = kind === 'ack' ? (v.op === 'unack' ? 'unack' : 'ack') : v.op === 'unsilence' ? 'unsilence' : 'silence';
    const r = await {
      ack: () => incidents.acknowledge(v.k, c.userId),
      unack: () => incidents.unacknowledge(v.k, c.userId),
      silence: () => incidents.silence(v.k, c.userId),
      unsilence: () => incidents.unsilence(v.k, c.userId),
    }[op]();
    c.log.info({ incident: v.k, op, changed: r.changed }, 'alarm button');
    return answer(kind, op, r);
  };
  onClick(app, ctx, ACTIONS.alarmAck, handle('ack'), { component: 'alarm-buttons' });
  onClick(app, ctx, ACTIONS.alarmSilence, handle('silence'), { component: 'alarm-buttons' });
}
