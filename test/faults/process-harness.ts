import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { TEST_SIGNING_SECRET } from '../helpers/slack-sign';
import { TEST_BOT_TOKEN } from '../helpers/test-bot';

/**
 * The kill-and-restart harness of the fault tests: the real bot in a process of its own
 * (bot-process.ts), killed with SIGKILL at a moment the test picks, then started again on the same
 * SQLite file with its clock past the dead process's outbox leases.
 */

/** The outbox's claim lease; a restarted bot runs its clock this far (and a little more) ahead. */
export const LEASE_MS = 120_000;

export interface BotProcess {
  child: ChildProcess;
  /** The bot's HTTP address. */
  url: string;
  /** Resolves with the signal that ended the process (null when it exited by itself). */
  exited: Promise<NodeJS.Signals | null>;
  stderr: string[];
}

/** The settings every bot process of these tests runs with; `extra` adds or replaces some. */
export function botProcessEnv(o: {
  slackApiUrl: string;
  db: string;
  certPem: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: o.slackApiUrl,
    AWS_REGION: 'us-east-1',
    DATABASE_URL: o.db,
    LOG_LEVEL: 'warn',
    SNS_TOPIC_ARNS: TEST_TOPIC_ARN,
    BOT_CERT_PEM: o.certPem,
    ...o.extra,
  };
}

/** Forks bot-process.ts with `env`; resolves once the bot listens. */
export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const child = fork(path.join(__dirname, 'bot-process.ts'), [], {
    execArgv: ['-r', '@swc-node/register'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) =>
      reject(new Error(`bot process exited (${code}) before starting: ${stderr.join('').slice(-2000)}`)),
    );
  });
  return { child, url: `http://127.0.0.1:${port}`, exited, stderr };
}

/**
 * Starts a bot again on `env`'s database, its clock past the dead one's leases, runs `fn` with it and
 * stops it (SIGTERM) however `fn` ends.
 */
export async function withRestartedBot<T>(
  env: Record<string, string>,
  fn: (bot: BotProcess) => Promise<T>,
): Promise<T> {
  const bot = await startBotProcess({ ...env, BOT_CLOCK_OFFSET_MS: String(LEASE_MS + 10_000) });
  try {
    return await fn(bot);
  } finally {
    bot.child.kill('SIGTERM');
    await bot.exited;
  }
}

/** Rows of `table` in the bot's SQLite file, read by a second, read-only connection. */
export function rowCount(file: string, table: 'outbox' | 'sns_messages'): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
