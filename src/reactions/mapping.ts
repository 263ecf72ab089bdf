/**
 * Lookups in the REACTIONS mapping (parsed and validated with the other settings in config.ts): which
 * emoji reaction on an alarm card does what.
 */
import { normaliseEmoji, type ReactionAction, type ReactionMapping } from '../config';

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
