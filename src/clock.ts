import { randomBytes } from 'node:crypto';

/** Time as the bot sees it; tests inject a FakeClock instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Short, URL-safe, unguessable ids for change requests and error references. Bytes come from a pool
 * of 4 KiB of CSPRNG output, each byte used once (as Node's randomUUID does): one randomBytes call
 * per id cost 9% of the bot's time answering a burst of commands (bench/ack.ts).
 */
export function newId(bytes = 9): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return id;
}
