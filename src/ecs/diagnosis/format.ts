import { formatDuration } from '../../util/duration';
import { oneLine as oneLineText } from '../../util/text';

/** Plain-text formatting shared by the diagnosis rules (no Slack markup). */

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h" — the same wording as alarm cards. */
export const duration = formatDuration;

/** "12 min ago" relative to now. */
export function ago(at: number, now: number): string {
  return `${duration(now - at)} ago`;
}

export function mib(n: number): string {
  return `${n} MiB`;
}

/** A one-line version of s, cut on whole characters to `max`. */
export function oneLine(s: string, max = 200): string {
  return oneLineText(s, max);
}

/** Shortens a 32-hex ECS id for reading ("1a2b3c4d…"); other ids stay as they are. */
export function shortId(id: string): string {
  return /^[0-9a-f]{32}$/.test(id) ? `${id.slice(0, 8)}…` : id;
}
