import 'dotenv/config';
import { createBot } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';

/** Process entry: load config, build the app, start, shut down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `ecs-chatops cannot start. ${err.message}\nSee .env.example and docs/operations.md (Configuration).\n`,
      );
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let bot;
  try {
    bot = await createBot({ config, logger });
  } catch (err) {
    // Features validate their own inputs at start (e.g. POLICY_FILE); report those like settings.
    if (err instanceof ConfigError) {
      process.stderr.write(
        `ecs-chatops cannot start. ${err.message}\nSee .env.example and docs/operations.md (Configuration).\n`,
      );
      process.exit(2);
    }
    throw err;
  }
  await bot.start();
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 25s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    bot.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

main().catch((err) => {
  process.stderr.write(`ecs-chatops failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
