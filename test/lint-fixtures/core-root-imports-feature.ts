// Linted as src/<root file>.ts (root files other than the composition root are core).
import { parseReactions } from './reactions/mapping';

export const used: unknown[] = [parseReactions];
