/**
 * Which emoji reaction on an alarm card does what. Pure: parsed once from the REACTIONS setting
 * (`eyes=ack,white_check_mark=resolved,zzz=silence,mute=silence`) and looked up per event.
 */
export type ReactionAction = 'ack' | 'resolved' | 'silence';

export const REACTION_ACTIONS: readonly ReactionAction[] = ['ack', 'resolved', 'silence'];

export type ReactionMapping = Readonly<Record<string, ReactionAction>>;

export const DEFAULT_REACTIONS = 'eyes=ack,white_check_mark=resolved,zzz=silence,mute=silence';

/** Slack emoji names: lower-case letters, digits, `_`, `-`, `+` and `'` (e.g. `+1`, `man-raising-hand`). */
const EMOJI_RE = /^[a-z0-9_+'-]{1,100}$/;

/** Normalises an emoji name: drops surrounding colons and a skin-tone suffix (`+1::skin-tone-3` → `+1`). */
export function normaliseEmoji(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^:|:$/g, '')
    .replace(/::skin-tone-\d$/, '');
}

export class ReactionMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReactionMappingError';
  }
}

/**
 * Parses `emoji=action` pairs separated by commas. Colons around names are accepted (`:eyes:=ack`).
 * Empty input gives the default mapping; `none` turns reactions off. Throws ReactionMappingError with
 * every problem in one message.
 */
export function parseReactionMapping(text: string | undefined): ReactionMapping {
  const src = text?.trim() ? text.trim() : DEFAULT_REACTIONS;
  if (src.toLowerCase() === 'none' || src.toLowerCase() === 'off') return {};
  const out: Record<string, ReactionAction> = {};
  const problems: string[] = [];
  for (const pair of src
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      problems.push(`expected emoji=action, got "${pair}"`);
      continue;
    }
    const emoji = normaliseEmoji(pair.slice(0, eq));
    const action = pair
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (!EMOJI_RE.test(emoji)) {
      problems.push(`"${pair.slice(0, eq).trim()}" is not an emoji name`);
      continue;
    }
    if (!(REACTION_ACTIONS as readonly string[]).includes(action)) {
      problems.push(`unknown action "${action}" for :${emoji}: (known: ${REACTION_ACTIONS.join(', ')})`);
      continue;
    }
    if (out[emoji] && out[emoji] !== action) {
      problems.push(`:${emoji}: is mapped twice (${out[emoji]} and ${action})`);
      continue;
    }
    out[emoji] = action as ReactionAction;
  }
  if (problems.length > 0) throw new ReactionMappingError(problems.join('; '));
  return Object.freeze(out);
}

/** The action for a reaction name as Slack sends it, or undefined when the emoji means nothing to the bot. */
export function actionFor(mapping: ReactionMapping, reaction: string | undefined): ReactionAction | undefined {
  if (!reaction) return undefined;
  const key = normaliseEmoji(reaction);
  return Object.prototype.hasOwnProperty.call(mapping, key) ? mapping[key] : undefined;
}

/** The emoji names of one action, for help texts and the table in docs/alarms.md: `:zzz: or :mute:`. */
export function emojisFor(mapping: ReactionMapping, action: ReactionAction): string[] {
  return Object.keys(mapping).filter((k) => mapping[k] === action);
}
