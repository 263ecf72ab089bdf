import type { FakeSlack, StoredMessage } from '../helpers/fake-slack';

/** Helpers that read alarm cards and their threads from the fake Slack as a reader would. */

export function header(m: StoredMessage): string {
  return m.blocks?.find((b: { type: string }) => b.type === 'header')?.text.text ?? '';
}

/** Top-level alarm cards of a channel whose header names `alarm` (`<emoji> <STATE> · <alarm>`). */
export function cardsOf(slack: FakeSlack, channel: string, alarm: string): StoredMessage[] {
  return slack.messagesIn(channel).filter((m) => !m.thread_ts && header(m).endsWith(` · ${alarm}`));
}

/** The state label a card header shows: ALARM, OK, INSUFFICIENT DATA … */
export function cardState(m: StoredMessage): string {
  return /^\S+ (.+) · /.exec(header(m))?.[1] ?? '';
}

/**
 * Every timeline line posted in a card's thread, as the ISO time its Slack date falls back to
 * (`<!date^…|2026-11-28T03:01:00Z>`) — one per state change the bot reported.
 */
export function threadLineTimes(slack: FakeSlack, channel: string, cardTs: string): string[] {
  return slack
    .repliesTo(channel, cardTs)
    .flatMap((m) => (m.text ?? '').split('\n'))
    .map((line) => /<!date\^\d+\^[^|]*\|([^>]+)>/.exec(line)?.[1])
    .filter((x): x is string => !!x);
}

/** ISO as Slack's date fallback prints it (seconds, no milliseconds when they are zero). */
export function isoSecs(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
