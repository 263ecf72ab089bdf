// Linted as src/store/<file>.ts: the store importing context.ts, which imports the store (AppContext holds
// it), is a cycle between two core units that no other rule forbids. Type imports count: a folder that
// needs another's types depends on it.
import type { AppContext } from '../context';

export type Used = AppContext;
