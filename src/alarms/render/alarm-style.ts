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
