import type { Notification } from '../../notifications/types';

/**
 * What the alarm card and digest show of an incident. The renderers take this, not the store's row:
 * the feature passes its incident, which has these fields and more (delivery bookkeeping the card never
 * shows).
 */
export interface AlarmView {
  id: string;
  kind: Notification['kind'];
  name: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /** Event time of the latest state. */
  stateAt: number;
  /** When it first went to ALARM. */
  firedAt?: number;
  /** Start of the current ALARM period. */
  alarmSince?: number;
  /** Time spent in ALARM over finished periods. */
  alarmMs: number;
  /** How often it went back to ALARM after leaving it. */
  flaps: number;
  /** Notifications applied. */
  updates: number;
  cluster?: string;
  service?: string;
  ackBy?: string;
  ackAt?: number;
  silencedBy?: string;
  silencedUntil?: number;
  notification: Notification;
  createdAt: number;
}

/** One line of an incident's timeline, as the thread shows it; `text` is plain (the renderer escapes it). */
export interface TimelineLineView {
  at: number;
  kind: string;
  state?: string;
  text: string;
}
