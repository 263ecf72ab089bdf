import type { Queryable } from './db';
import { num, numOrUndef, strOrUndef } from './db';

/** Why a message carries no graph, said once in its footer. */
export type GraphProblem = 'metrics-denied' | 'upload-denied' | 'account-unconfigured';

/** The graph of one Slack message (an alarm card): which uploaded file its image block shows. */
export interface MessageGraph {
  channel: string;
  ts: string;
  /** The file the message's image block shows (Slack accepted it). */
  fileId?: string;
  /** Uploaded, not yet accepted by Slack in the message (a fresh file is refused for a moment). */
  pendingFileId?: string;
  /** What the image shows (an alarm state), so a change renders it again. */
  renderedFor?: string;
  renderedAt?: number;
  /** Slack refused the pending file this many times. */
  attempts: number;
  problem?: GraphProblem;
  /** The image went into the thread instead (Slack kept refusing it in the message). */
  sharedInThread: boolean;
  updatedAt: number;
}

function rowToGraph(r: Record<string, unknown>): MessageGraph {
  return {
    channel: String(r.channel),
    ts: String(r.ts),
    fileId: strOrUndef(r.file_id),
    pendingFileId: strOrUndef(r.pending_file_id),
    renderedFor: strOrUndef(r.rendered_for),
    renderedAt: numOrUndef(r.rendered_at),
    attempts: num(r.attempts ?? 0),
    problem: strOrUndef(r.problem) as GraphProblem | undefined,
    sharedInThread: num(r.shared_in_thread ?? 0) === 1,
    updatedAt: num(r.updated_at),
  };
}

/** The graphs of messages, by channel and ts. */
export class MessageGraphRepo {
  constructor(private readonly db: Queryable) {}

  async get(channel: string, ts: string): Promise<MessageGraph | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM message_graphs WHERE channel = $1 AND ts = $2`,
      [channel, ts],
    );
    return rows[0] ? rowToGraph(rows[0]) : undefined;
  }

  /** Writes the whole record (insert or replace). */
  async put(g: MessageGraph): Promise<void> {
    await this.db.run(
      `INSERT INTO message_graphs (channel, ts, file_id, pending_file_id, rendered_for, rendered_at, attempts, problem, shared_in_thread, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (channel, ts) DO UPDATE SET file_id = excluded.file_id, pending_file_id = excluded.pending_file_id,
         rendered_for = excluded.rendered_for, rendered_at = excluded.rendered_at, attempts = excluded.attempts,
         problem = excluded.problem, shared_in_thread = excluded.shared_in_thread, updated_at = excluded.updated_at`,
      [
        g.channel,
        g.ts,
        g.fileId ?? null,
        g.pendingFileId ?? null,
        g.renderedFor ?? null,
        g.renderedAt ?? null,
        g.attempts,
        g.problem ?? null,
        g.sharedInThread ? 1 : 0,
        g.updatedAt,
      ],
    );
  }

  /** Forgets graphs of messages older than `before` (their files stay in Slack). */
  async prune(before: number): Promise<number> {
    return this.db.run(`DELETE FROM message_graphs WHERE updated_at < $1`, [before]);
  }
}
