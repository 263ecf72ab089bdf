/**
 * A tiny SQL layer that both stores share, so every repository is written once and runs on SQLite
 * and PostgreSQL alike. SQL is written in PostgreSQL style with $1, $2 … placeholders; the SQLite
 * driver rewrites them. Timestamps are integer epoch milliseconds, JSON is TEXT, booleans are 0/1.
 */
export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | bigint | null | boolean | undefined;

export interface Queryable {
  readonly dialect: Dialect;
  /** Rows of a SELECT (or of an UPDATE/INSERT … RETURNING). */
  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** A statement without rows; resolves with the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

export interface Db extends Queryable {
  /** Runs fn in one transaction; rolls back when it throws. Transactions never interleave on one connection. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  /** SQLite only: the database file (absolute), when there is one (not for ':memory:'). */
  readonly file?: string;
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached or a statement fails for a reason outside the bot's control. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** SQL fragments that differ between dialects. */
export function sqlFor(dialect: Dialect) {
  return {
    autoId: dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY',
    /** Appended to a SELECT that claims rows; SQLite has one writer, so it needs nothing. */
    skipLocked: dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '',
  };
}

export function json<T>(text: unknown): T {
  return (typeof text === 'string' ? JSON.parse(text) : text) as T;
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function numOrUndef(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

export function strOrUndef(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}
