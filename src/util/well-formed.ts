/**
 * Well-formed Unicode. A JavaScript string may hold half of a UTF-16 surrogate pair on its own: JSON
 * can carry one (`"\ud83d"`), and so can a careless cut through an emoji. Such a string cannot be
 * percent-encoded (`encodeURIComponent` and Slack's form encoder throw URIError) nor written as UTF-8,
 * so text from outside is made well-formed before the bot keeps or sends it: every lone half becomes
 * U+FFFD, the replacement character, and nothing else changes.
 */

type WithWellFormed = { toWellFormed?: () => string; isWellFormed?: () => boolean };
const LONE_HALF = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// String.prototype.toWellFormed is native from Node 20 (ES2024; the TypeScript lib here is ES2022).
const native = typeof (String.prototype as WithWellFormed).toWellFormed === 'function';

export function wellFormed(s: string): string {
  if (native) return (s as unknown as Required<WithWellFormed>).toWellFormed();
  return s.replace(LONE_HALF, '\ufffd');
}

export function isWellFormed(s: string): boolean {
  if (native) return (s as unknown as Required<WithWellFormed>).isWellFormed();
  return !new RegExp(LONE_HALF.source).test(s);
}

/**
 * The same value with every string (and object key) well-formed. The value itself when it already is
 * (the usual case, checked without copying); otherwise a copy.
 */
export function wellFormedDeep<T>(value: T): T {
  return allWellFormed(value, 0) ? value : (clean(value, 0) as T);
}

function allWellFormed(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return isWellFormed(v);
  if (!v || typeof v !== 'object' || depth > MAX_DEPTH) return true;
  if (Array.isArray(v)) return v.every((x) => allWellFormed(x, depth + 1));
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    if (!isWellFormed(k) || !allWellFormed((v as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/** Deeper than any message the bot builds; a bound keeps a pathological value from overflowing the stack. */
const MAX_DEPTH = 64;

function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return wellFormed(v);
  if (!v || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[wellFormed(k)] = clean(x, depth + 1);
  return out;
}
