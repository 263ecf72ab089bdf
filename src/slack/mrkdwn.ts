import { graphemePrefix, wellFormed } from '../util/text';

/**
 * Text from users and from AWS goes into Slack mrkdwn only through these helpers, so an alarm
 * description or query result cannot mention @channel, inject a link or break formatting.
 */
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
    String(s ?? '')
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

/** Drops half an entity (&amp; …) or half a link or mention (<…>) from the end of a cut. */
function tidyCut(cut: string): string {
  const t = cut.replace(/&[a-z]{0,5}$/, '');
  const open = t.lastIndexOf('<');
  return open > t.lastIndexOf('>') ? t.slice(0, open) : t;
}

const fences = (t: string) => (t.match(/```/g) ?? []).length;

/**
 * Cuts mrkdwn the bot already escaped and formatted to at most `max` characters, on whole characters
 * (`graphemePrefix`), and marks the cut. It never leaves half an entity, half a link or mention, or an
 * open code span; a cut inside a ``` block closes the block. Plain text is cut with `truncate`.
 */
export function clipMrkdwn(s: string, max: number): string {
  if (s.length <= max) return wellFormed(s);
  if (max < 1) return '';
  let cut = tidyCut(graphemePrefix(s, max - 1));
  if (fences(cut) % 2 === 1) {
    const closing = '…\n```';
    const inside = tidyCut(graphemePrefix(s, max - closing.length));
    if (fences(inside) % 2 === 1) return inside + closing;
    cut = inside;
  }
  if ((cut.replace(/```/g, '').match(/`/g) ?? []).length % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('`'));
  return `${cut}…`;
}

/** Slack date formatting: shows in each reader's own time zone, with a fallback for old clients. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  const secs = Math.floor(ms / 1000);
  return `<!date^${secs}^${format}|${new Date(ms).toISOString().replace('.000Z', 'Z')}>`;
}

export function mentionUser(id: string): string {
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : escapeText(id);
}
