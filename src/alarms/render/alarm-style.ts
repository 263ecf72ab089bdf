import type { Level, NotificationState } from '../../notifications/types';

/** Emoji, colour and label of a card by state and level, in one place for card, digest and thread. */
export interface Style {
  emoji: string;
  color: string;
  label: string;
}

export function styleFor(state: NotificationState | string, level: Level, kind?: string): Style {
  if (kind === 'raw' && state === 'ALARM') return { emoji: ':large_purple_circle:', color: '#8E6BBF', label: 'NOTICE' };
  switch (state) {
    case 'ALARM':
      return level === 'warning'
        ? { emoji: ':large_orange_circle:', color: '#E8912D', label: 'WARNING' }
        : { emoji: ':red_circle:', color: '#D93F3C', label: 'ALARM' };
    case 'OK':
      return { emoji: ':large_green_circle:', color: '#2EB67D', label: 'OK' };
    case 'INSUFFICIENT_DATA':
      return { emoji: ':white_circle:', color: '#9E9E9E', label: 'INSUFFICIENT DATA' };
    default:
      return { emoji: ':information_source:', color: '#4A90D9', label: 'INFO' };
  }
}

/**
 * Cuts already-escaped mrkdwn to `max` characters without splitting an entity (&amp; …) or a
 * Slack control sequence (<…>), marking the cut.
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - 1));
  cut = cut.replace(/&[a-z]{0,5}$/, '');
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  const ticks = (cut.match(/`/g) ?? []).length;
  if (ticks % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('`'));
  return `${cut}…`;
}

/** Plain text cut to `max` characters (header, button labels). */
export function clipPlain(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
