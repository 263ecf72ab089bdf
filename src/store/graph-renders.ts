import type { Queryable } from './db';
import { num } from './db';

/**
 * When each message last had a graph rendered, shared by every replica: one conditional upsert
 * claims the render, so two replicas asked at once for the same message render it once.
 */
export class GraphRenderRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Claims a render of `key` at `now` unless one was claimed within `windowMs`: true when this caller
   * may render. The insert, or the update of a lapsed row, is a single statement, so it is atomic.
   */
  async claim(key: string, now: number, windowMs: number): Promise<boolean> {
    const n = await this.db.run(
      `INSERT INTO graph_renders (render_key, last_at) VALUES ($1, $2)
       ON CONFLICT (render_key) DO UPDATE SET last_at = excluded.last_at WHERE graph_renders.last_at <= $3`,
      [key, now, now - windowMs],
    );
    return n === 1;
  }

  /** When `key` last had a render claimed, if it has. */
  async lastAt(key: string): Promise<number | undefined> {
    const rows = await this.db.query<{ last_at: unknown }>(`SELECT last_at FROM graph_renders WHERE render_key = $1`, [
      key,
    ]);
    return rows[0] ? num(rows[0].last_at) : undefined;
  }

  /** Forgets renders claimed before `before` (they no longer limit anything). */
  async prune(before: number): Promise<number> {
    return this.db.run(`DELETE FROM graph_renders WHERE last_at < $1`, [before]);
  }
}
