import { randomBytes } from 'node:crypto';

/** Time as the bot sees it; tests inject a FakeClock instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Short, URL-safe, unguessable ids for change requests and error references. */
export function newId(bytes = 9): string {
  return randomBytes(bytes).toString('base64url');
}
