/**
 * Text from users and from AWS goes into Slack mrkdwn only through these helpers, so an alarm
 * description or query result cannot mention @channel, inject a link or break formatting.
 */

/**
 * Characters that reorder or hide text without showing themselves: bidirectional embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069), the direction marks (U+200E, U+200F, U+061C),
 * zero-width and invisible formatting characters, the soft hyphen and the Hangul fillers that render
 * as blank "letters". With them an alarm named `ok-\u202Egnp.exe` reads backwards and two different
 * names look the same. None of them is needed to read a name, a reason or a log line.
 */
const INVISIBLE =
  /[\u00AD\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0]/;
const ANY_SUSPECT =
  /[\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0]/;
const JOINERS = new Set(['\u200C', '\u200D']);
/** What a (non-)joiner may legitimately sit between: emoji parts, and letters or marks of scripts that join (not Latin). */
const JOINABLE = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\p{M}\p{L}]$/u;
const LATIN = /^[\p{Script=Latin}]$/u;
const joinable = (c: string | undefined) => c !== undefined && JOINABLE.test(c) && !LATIN.test(c);

/**
 * Removes the characters above from text the bot did not write (AWS names, reasons, events, query
 * results, user arguments). Removed rather than shown: without them the bidi algorithm orders the text
 * by its own letters, so it can no longer read backwards, and ordinary Korean, Arabic or Hindi text is
 * unchanged. The zero-width joiner and non-joiner stay where they do real work — between the parts of
 * an emoji sequence (👩‍💻) and between letters of joining scripts (Persian, Indic) — and go anywhere
 * else (next to ASCII or Latin letters, where they only hide). It runs at display time, not when a
 * notification is parsed, because the same names are identifiers the bot sends back to AWS.
 */
export function neutraliseText(s: unknown): string {
  const str = String(s ?? '');
  if (!ANY_SUSPECT.test(str)) return str;
  // Joiners are judged by the neighbours they keep, so that a second pass changes nothing.
  const cps = Array.from(str).filter((c) => !INVISIBLE.test(c));
  return cps.filter((c, i) => !JOINERS.has(c) || (joinable(cps[i - 1]) && joinable(cps[i + 1]))).join('');
}

/** For mrkdwn: neutralised, then escaped as below. (plain_text fields, which Slack shows literally, take neutraliseText alone.) */
export function escapeText(s: unknown): string {
  // A backtick from outside (an alarm description with ```) would open a code block or span that
  // swallows the bot's own formatting up to its next backtick: shown as the look-alike ˋ instead.
  return escapeOwnText(s).replace(/`/g, 'ˋ');
}

/**
 * For text the bot wrote itself, such as an error message, whose `code spans` are meant: &, <, >
 * and broadcast mentions are still neutralised (names quoted in it may come from users), backticks
 * are kept.
 */
export function escapeOwnText(s: unknown): string {
  return (
    neutraliseText(s)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // Zero-width joiner after @ keeps "@channel"/"@here"/"@everyone" from ever being read as a mention.
      .replace(/@(channel|here|everyone)\b/gi, '@\u200d$1')
  );
}

/** Escapes and neutralises mrkdwn control characters (*, _, ~, `) so text shows literally. */
export function escapeLiteral(s: unknown): string {
  return escapeText(s).replace(/([*_~`])/g, '\u200b$1\u200b');
}

/** Inline code; backticks inside are replaced so the span cannot be closed early. */
export function code(s: unknown): string {
  const t = escapeText(s).replace(/`/g, 'ˋ');
  return t.length === 0 ? '` `' : `\`${t}\``;
}

/** A link whose label is escaped; the URL must be one the bot built, never user text. */
export function link(url: string, label: string): string {
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeText(label).replace(/\|/g, '¦')}>`;
}

/** Cuts to at most `max` characters, marking the cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** Slack date formatting: shows in each reader's own time zone, with a fallback for old clients. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  const secs = Math.floor(ms / 1000);
  return `<!date^${secs}^${format}|${new Date(ms).toISOString().replace('.000Z', 'Z')}>`;
}

export function mentionUser(id: string): string {
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : escapeText(id);
}
