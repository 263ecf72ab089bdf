/**
 * Text an attacker (or just an unlucky alarm description) would use to ping everyone, smuggle a
 * link or wreck a message's layout, and a checker that reads a rendered Slack message the way
 * Slack's mrkdwn parser does.
 */
export const HOSTILE = {
  channel: '<!channel> wake up',
  here: '@here @everyone @channel',
  link: '<https://evil.example/login|Open the AWS console>',
  mention: '<@U0BOSS> <#C0SECRET> <!subteam^S0ONCALL|@oncall>',
  fence: '``` closing fence ` tick *bold _it ~strike',
  entity: '&lt;!here&gt; &amp;lt;',
  /** A right-to-left override makes a name read backwards; zero-width characters hide inside one. */
  bidi: 'ok-\u202Egnp.exe \u2066iso\u2069 \u200Fmark pro\u200Bd\u2060db',
} as const;

export const HOSTILE_TEXT = Object.values(HOSTILE).join(' ');

type Anyish = Record<string, any>;

/** Every piece of text in a message that Slack parses as mrkdwn: top-level text, sections, fields, context, attachments. */
export function mrkdwnTexts(msg: Anyish): string[] {
  const out: string[] = [];
  const fromBlocks = (blocks: Anyish[] | undefined) => {
    for (const b of blocks ?? []) {
      if (b.text?.type === 'mrkdwn') out.push(b.text.text);
      for (const f of b.fields ?? []) if (f.type === 'mrkdwn') out.push(f.text);
      for (const e of b.elements ?? []) if (e.type === 'mrkdwn') out.push(e.text);
    }
  };
  if (typeof msg.text === 'string') out.push(msg.text);
  fromBlocks(msg.blocks);
  for (const a of msg.attachments ?? []) {
    if (typeof a.text === 'string') out.push(a.text);
    if (typeof a.fallback === 'string') out.push(a.fallback);
    fromBlocks(a.blocks);
  }
  return out;
}

/** Every plain_text a message shows (headers, button labels): Slack shows it as written, so only invisibles matter there. */
export function plainTexts(msg: Anyish): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Anyish;
      if (o.type === 'plain_text' && typeof o.text === 'string') out.push(o.text);
      else Object.values(o).forEach(visit);
    }
  };
  visit(msg.blocks);
  for (const a of msg.attachments ?? []) visit(a.blocks);
  return out;
}

const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
const INVISIBLE = /[\u200B\u2060-\u2064\uFEFF\u00AD\u115F\u1160\u3164\uFFA0\u180E]/u;
const JOINABLE = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\p{M}\p{L}]$/u;
const LATIN = /^\p{Script=Latin}$/u;

/**
 * Bidi controls anywhere, and invisible characters the bot did not put there itself: its own are a
 * zero-width joiner right after "@" (a neutralised @channel), a zero-width space beside a mrkdwn
 * marker (escapeLiteral), and joiners inside emoji sequences or joining scripts.
 */
export function invisibleProblems(text: string): string[] {
  const problems: string[] = [];
  const cps = Array.from(text);
  const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const joinable = (c: string | undefined) => c !== undefined && JOINABLE.test(c) && !LATIN.test(c);
  cps.forEach((c, i) => {
    if (BIDI.test(c)) problems.push(`bidi control ${hex(c)}`);
    else if (c === '\u200B') {
      if (!/[*_~`]/.test(cps[i - 1] ?? '') && !/[*_~`]/.test(cps[i + 1] ?? '')) problems.push(`invisible ${hex(c)}`);
    } else if (INVISIBLE.test(c)) problems.push(`invisible ${hex(c)}`);
    else if (c === '\u200D' || c === '\u200C') {
      const ownMention = c === '\u200D' && cps[i - 1] === '@';
      if (!ownMention && !(joinable(cps[i - 1]) && joinable(cps[i + 1]))) problems.push(`stray joiner ${hex(c)}`);
    }
  });
  return problems;
}

export interface SafetyOptions {
  /** Users the bot itself may mention (the requester, an approver). */
  users?: string[];
}

/** Control sequences the bot builds on purpose: dates, its own console and Slack links, the users it names. */
function allowed(seq: string, o: SafetyOptions): boolean {
  if (/^!date\^\d+\^[^|<>]*\|[^<>]*$/.test(seq)) return true;
  const user = /^@([UW][A-Z0-9]+)$/.exec(seq);
  if (user) return (o.users ?? []).includes(user[1]);
  return /^https:\/\/(([a-z0-9-]+\.)?console\.aws\.amazon\.com|test\.slack\.com)\/[^|<>\s]*(\|[^<>]*)?$/.test(seq);
}

/**
 * Problems with one mrkdwn text: a control sequence (`<…>`) the bot did not build, a bare
 * @channel/@here/@everyone, an odd number of ``` fences or of inline backticks outside them.
 */
export function mrkdwnProblems(text: string, o: SafetyOptions = {}): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(/<([^<>]*)>/g)) if (!allowed(m[1], o)) problems.push(`control sequence <${m[1]}>`);
  const bare = /(^|[^\w\u200d])@(channel|here|everyone)\b/i.exec(text);
  if (bare) problems.push(`bare @${bare[2]}`);
  const fences = text.split('```');
  if ((fences.length - 1) % 2 !== 0) problems.push('unbalanced ``` fence');
  const outside = fences.filter((_, i) => i % 2 === 0).join('');
  if ((outside.match(/`/g) ?? []).length % 2 !== 0) problems.push('unbalanced inline code backtick');
  problems.push(...invisibleProblems(text));
  return problems;
}

/**
 * Every text of `msg` with its problems, the top-level `text` fallback included (notifications and
 * screen readers show it); empty when the message is safe.
 */
export function unsafeParts(msg: Anyish, o: SafetyOptions = {}): { text: string; problems: string[] }[] {
  return [
    ...mrkdwnTexts(msg).map((text) => ({ text, problems: mrkdwnProblems(text, o) })),
    ...plainTexts(msg).map((text) => ({ text, problems: invisibleProblems(text) })),
  ].filter((x) => x.problems.length > 0);
}
