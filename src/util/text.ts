/**
 * Plain text helpers every layer shares (the domain, notifications, Slack renderers): counting words
 * and cutting text. Cutting is the delicate one. JavaScript strings are UTF-16, so `s.slice(0, n)` can
 * stop between the two halves of an emoji and leave a lone surrogate that Slack's form encoder and
 * `encodeURIComponent` refuse; it can also split a flag, a skin tone from its hand, or a ZWJ family into
 * its members. `truncate` cuts on grapheme clusters (what a reader sees as one character), and its result
 * is always well-formed.
 */

import { wellFormed } from './well-formed';

export { wellFormed };

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The longest prefix of `s` made of whole grapheme clusters and at most `max` UTF-16 code units long
 * (code units: never fewer than the code points or graphemes Slack may count, so within its limits too).
 */
export function graphemePrefix(s: string, max: number): string {
  if (max <= 0) return '';
  // A grapheme boundary depends on the text before it and on the code point right after it, never on
  // anything further (Unicode UAX #29 rules look back only), so segmenting the head of a long text
  // finds the same boundaries up to `max` as segmenting all of it.
  const head = wellFormed(s.slice(0, max + 2));
  if (head.length <= max) return head;
  let end = 0;
  for (const { index, segment } of graphemes.segment(head)) {
    const next = index + segment.length;
    if (next > max) break;
    end = next;
  }
  return head.slice(0, end);
}

/**
 * `s` cut to at most `max` UTF-16 code units, on a grapheme boundary, with `mark` (an ellipsis) at the
 * cut; `s` itself (made well-formed) when it fits.
 */
export function truncate(s: string, max: number, mark = '…'): string {
  if (s.length <= max) return wellFormed(s);
  if (max < mark.length) return graphemePrefix(s, max);
  return graphemePrefix(s, max - mark.length) + mark;
}

/** The text on one line, runs of white space made one space, cut to `max`. */
export function oneLine(s: string, max: number): string {
  return truncate(s.replace(/\s+/g, ' ').trim(), max);
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1 task", "3 tasks", "1,200 tasks", "2 policies" (with `many`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count.format(n)} ${n === 1 ? one : many}`;
}
