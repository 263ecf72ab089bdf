import { SQSClient } from '@aws-sdk/client-sqs';
import { createBot } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { refusingAwsClients } from '../helpers/test-bot';

/**
 * The real bot in a process of its own, so a test can SIGKILL it: no graceful stop, no finally, no
 * flush — whatever was not committed is gone. Started by process-harness.ts with fork(); it
 * reads its settings from the environment like main.ts, takes the SNS signing certificate from
 * BOT_CERT_PEM (served for any URL the verifier already accepted), runs its clock BOT_CLOCK_OFFSET_MS
 * ahead (so a restarted bot sees the dead one's outbox leases expired) and reports its port over IPC.
 * With BOT_SQS_ENDPOINT its SQS client talks to a fake SQS there (test/helpers/fake-sqs-http.ts).
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const certPem = process.env.BOT_CERT_PEM ?? '';
  const offset = Number(process.env.BOT_CLOCK_OFFSET_MS ?? 0);
  const aws = refusingAwsClients();
  if (process.env.BOT_SQS_ENDPOINT)
    aws.sqs = new SQSClient({
      region: config.aws.region,
      endpoint: process.env.BOT_SQS_ENDPOINT,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  const bot = await createBot({
    config,
    logger: createLogger(config.logLevel, process.stderr),
    aws,
    clock: { now: () => Date.now() + offset },
    slackRetries: 0,
    inject: { fetchCertificate: async () => certPem, sqs: { backoffMs: 50, maxBackoffMs: 500 } },
  });
  const port = await bot.start(0, '127.0.0.1');
  process.send?.({ type: 'started', port });
}

main().catch((err) => {
  process.stderr.write(`bot process failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
