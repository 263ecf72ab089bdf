import { LogLevel, WebClient } from '@slack/web-api';
import { AwsAccounts } from '../aws/accounts';
import { createAwsClients, destroyAwsClients } from '../aws/clients';
import { systemClock } from '../clock';
import { ConfigError, loadConfig, type Config } from '../config';
import { openStoreAsIs, type Store } from '../store';
import { formatDoctorText } from './format-text';
import { runDoctor } from './run-doctor';
import { result } from './types';
import type { DoctorDeps } from './types';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  color?: boolean;
}

/** Builds the Slack and AWS clients the doctor uses from config (tests pass fakes instead). */
export type DoctorClients = (
  config: Config,
) => Pick<DoctorDeps, 'slack' | 'aws' | 'snsForRegion' | 'accounts'> & { close(): void };

/** Opens the bot's database for its checks, as it is (tests may pass their own). */
export type DoctorStore = (config: Config) => Store | undefined;

export const defaultDoctorClients: DoctorClients = (config) => {
  const aws = createAwsClients(config.aws.region, { maxAttempts: 2 });
  const slack = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
  // Several accounts or regions: each account's role and regions are checked too.
  const accounts = new AwsAccounts({ settings: config.aws, clock: systemClock, defaultClients: aws });
  return {
    aws,
    slack,
    accounts,
    close: () => {
      accounts.destroy();
      destroyAwsClients(aws);
    },
  };
};

/**
 * `npm run doctor`: loads config the way the bot does (environment, then .env), runs every check and
 * prints it. The database is opened as it is — no migration applied, no SQLite file created — so its
 * checks (reachable, migrations, writes) and the alarm delivery check run as they do inside the bot.
 * Exit status: 0 when nothing failed (warnings allowed), 1 when a check failed, 2 when the
 * configuration itself is invalid.
 */
export async function runDoctorCli(
  env: Record<string, string | undefined>,
  io: CliIo,
  clients: DoctorClients = defaultDoctorClients,
  openStore: DoctorStore = (config) => openStoreAsIs(config.database),
): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(
        `ecs-chatops doctor: the configuration is invalid, so nothing else was checked.\n${err.message}\nSee .env.example and docs/operations.md (Configuration).\n`,
      );
      return 2;
    }
    throw err;
  }
  const c = clients(config);
  let store: Store | undefined;
  try {
    let storeProblem;
    try {
      store = openStore(config);
      if (!store && config.database.kind === 'sqlite')
        storeProblem = result(
          'store.reachable',
          'Database',
          'warn',
          `there is no SQLite file at ${config.database.path} yet`,
          'The bot creates it on its first start. If the bot already runs, point DATABASE_URL at the file it uses (and run the doctor where that file is).',
        );
    } catch (err) {
      storeProblem = result(
        'store.reachable',
        'Database',
        'fail',
        `the database cannot be opened: ${(err as Error).message}`,
        'Check DATABASE_URL and that the bot may read and write the SQLite file and its folder.',
      );
    }
    const report = await runDoctor({
      config,
      slack: c.slack,
      aws: c.aws,
      snsForRegion: c.snsForRegion,
      accounts: c.accounts,
      store,
    });
    if (storeProblem) report.results.push(storeProblem);
    io.out(formatDoctorText(report, { color: io.color }));
    return report.results.some((r) => r.status === 'fail') ? 1 : 0;
  } finally {
    c.close();
    await store?.close().catch(() => undefined);
  }
}
