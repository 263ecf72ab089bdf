import type { TimelineLineView } from './view';
import { clipMrkdwn, escapeText, slackDate } from '../../slack/mrkdwn';
import { styleFor } from './alarm-style';

/** Timeline lines posted in one thread reply at most (one chat.postMessage however many changes piled up). */
export const LINES_PER_REPLY = 20;

/**
 * Thread lines of an incident: one line per change, with the event time in each reader's time zone.
 * Text only, escaped, and no mentions, so a thread reply never pings anyone.
 */
export function renderThreadLines(events: TimelineLineView[]): { text: string } {
  const lines = events.slice(0, LINES_PER_REPLY).map((e) => {
    const st = styleFor(e.state ?? 'INFO', e.state === 'ALARM' ? 'critical' : e.state === 'OK' ? 'ok' : 'info');
    const icon = e.kind === 'late' ? ':hourglass:' : e.kind === 'info' ? ':information_source:' : st.emoji;
    return `${icon} ${slackDate(e.at, '{time_secs}')} ${clipMrkdwn(escapeText(e.text), 600)}`;
  });
  const more = events.length > LINES_PER_REPLY ? `\n…and ${events.length - LINES_PER_REPLY} more` : '';
  return { text: lines.join('\n') + more };
}

export type ChannelNoteKind = 'subscribed' | 'unsubscribed' | 'confirm_failed';

/** Short channel notes about the SNS subscription itself. */
export function renderNote(kind: ChannelNoteKind, topicArn: string): { text: string } {
  const topic = `\`${escapeText(topicArn).replace(/`/g, 'ˋ')}\``;
  switch (kind) {
    case 'subscribed':
      return { text: `:electric_plug: SNS topic ${topic} is now connected: its alarms will appear in this channel.` };
    case 'unsubscribed':
      return {
        text: `:warning: The bot was *unsubscribed* from SNS topic ${topic}: alarms from it will no longer arrive. If nobody meant to, subscribe the endpoint again (see docs/alarms.md, "Subscribe the endpoint").`,
      };
    case 'confirm_failed':
      return {
        text: `:warning: The bot could not confirm its subscription to SNS topic ${topic}. Check that its role may call \`sns:ConfirmSubscription\` on the topic; SNS will resend the confirmation.`,
      };
  }
}
