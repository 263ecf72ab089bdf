import type { FakeSlack, StoredMessage } from '../test/helpers/fake-slack';

/** What the channel shows for one alarm: the state on its own card, or on its line in a storm digest. */
export interface ShownState {
  where: 'card' | 'digest';
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' | 'other';
}

const LABELS: Record<string, ShownState['state']> = {
  ALARM: 'ALARM',
  WARNING: 'ALARM',
  OK: 'OK',
  'INSUFFICIENT DATA': 'INSUFFICIENT_DATA',
};
const EMOJI: Record<string, ShownState['state']> = {
  ':red_circle:': 'ALARM',
  ':large_orange_circle:': 'ALARM',
  ':large_green_circle:': 'OK',
  ':white_circle:': 'INSUFFICIENT_DATA',
};

function headerOf(m: StoredMessage): string | undefined {
  return (m.blocks ?? []).find((b: { type: string }) => b.type === 'header')?.text?.text;
}

/**
 * Reads the alarm cards and storm digests of a channel as a reader would see them now: for each alarm
 * name, the state its newest card shows (header `<emoji> <LABEL> · <name>`) or, failing that, the
 * state of its line in a digest (`<emoji> *<name>* — …`). Alarms a digest only counts ("…and N more")
 * are absent.
 */
export function shownStates(slack: FakeSlack, channel: string): Map<string, ShownState> {
  const out = new Map<string, ShownState>();
  const top = slack.messagesIn(channel).filter((m) => !m.thread_ts);
  for (const m of top) {
    const h = headerOf(m);
    if (!h || h.startsWith(':rotating_light: Alarm storm')) continue;
    const hm = /^(\S+) (ALARM|WARNING|OK|INSUFFICIENT DATA|NOTICE|INFO) · (.+)$/.exec(h);
    if (hm) out.set(hm[3], { where: 'card', state: LABELS[hm[2]] ?? 'other' });
  }
  for (const m of top) {
    if (!headerOf(m)?.startsWith(':rotating_light: Alarm storm')) continue;
    const text = (m.blocks ?? [])
      .filter((b: { type: string }) => b.type === 'section')
      .map((b: { text?: { text: string } }) => b.text?.text ?? '')
      .join('\n');
    for (const line of text.split('\n')) {
      const lm = /^(:[a-z_]+:) \*([^*]+)\*/.exec(line);
      if (lm && !out.has(lm[2])) out.set(lm[2], { where: 'digest', state: EMOJI[lm[1]] ?? 'other' });
    }
  }
  return out;
}
