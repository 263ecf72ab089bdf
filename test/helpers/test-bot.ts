import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createBot, type Bot, type BotOptions } from '../../src/app';
import type { AwsClients } from '../../src/aws/clients';
import type { Clock } from '../../src/clock';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openStore, type Store } from '../../src/store';
import { FakeSlack, startFakeSlack } from './fake-slack';
import { TEST_SIGNING_SECRET } from './slack-sign';
import { httpTransport, socketTransport, type SlackTransport, type TransportKind } from './slack-transport';

export const TEST_BOT_TOKEN = 'xoxb-test-token-000';
export const TEST_APP_TOKEN = 'xapp-1-A1-test-app-token-000';
export const ALARM_CHANNEL = 'C0ALARMS';

/** AWS clients that refuse every call: a test that needs AWS passes a fake world's clients instead. */
export function refusingAwsClients(): AwsClients {
  const clients: AwsClients = {
    ecs: new ECSClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    sqs: new SQSClient({ region: 'us-east-1' }),
    autoscaling: new AutoScalingClient({ region: 'us-east-1' }),
    appautoscaling: new ApplicationAutoScalingClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
  };
  for (const c of Object.values(clients))
    mockClient(c as any)
      .onAnyCommand()
      .rejects(new Error('unexpected AWS call in a test'));
  return clients;
}

/** Captures log lines so tests can assert on them (and that secrets never appear). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): any[] {
    return this.lines.map((l) => JSON.parse(l));
  }
}

export function tempDbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-test-'));
  return path.join(dir, 'bot.db');
}

export function testEnv(
  fake: Pick<FakeSlack, 'apiUrl'>,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ALARM_CHANNEL: ALARM_CHANNEL,
    AWS_REGION: 'us-east-1',
    DATABASE_URL: tempDbPath(),
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

export interface TestBot {
  bot: Bot;
  url: string;
  port: number;
  slack: FakeSlack;
  store: Store;
  config: Config;
  logs: LogCapture;
  /** Delivers Slack requests the way this bot receives them (signed HTTP, or Socket Mode envelopes). */
  transport: SlackTransport;
  /** Stops the bot (the fake Slack too unless it was passed in). */
  stop(): Promise<void>;
}

export interface TestBotOptions extends Partial<Omit<BotOptions, 'config'>> {
  env?: Record<string, string | undefined>;
  slack?: FakeSlack;
  clock?: Clock;
  /** Reuse an open store (e.g. to restart a bot on the same database); otherwise one is opened from env. */
  store?: Store;
  /** Do not start workers automatically (tests then call runOnce). */
  noWorkers?: boolean;
  /** 'socket': Slack over Socket Mode (SLACK_APP_TOKEN, no signing secret); default 'http'. */
  transport?: TransportKind;
}

/** Starts the real app on 127.0.0.1:0 with a temporary SQLite file, a fake Slack and fake AWS. */
export async function startTestBot(o: TestBotOptions = {}): Promise<TestBot> {
  const ownSlack = !o.slack;
  const slack = o.slack ?? (await startFakeSlack());
  const socket = o.transport === 'socket';
  const config = loadConfig(
    testEnv(slack, socket ? { SLACK_APP_TOKEN: TEST_APP_TOKEN, SLACK_SIGNING_SECRET: undefined, ...o.env } : o.env),
  );
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const store = o.store ?? (await openStore(config.database));
  let bot: Bot;
  try {
    bot = await createBot({
      ...o,
      config,
      store,
      logger,
      aws: o.aws ?? (o.awsSeams ? undefined : refusingAwsClients()),
      slackRetries: o.slackRetries ?? 0,
    });
  } catch (err) {
    if (!o.store) await store.close();
    if (ownSlack) await slack.stop();
    throw err;
  }
  if (o.noWorkers) bot.workers.splice(0, bot.workers.length);
  const port = await bot.start(0, '127.0.0.1');
  return {
    bot,
    url: `http://127.0.0.1:${port}`,
    port,
    slack,
    store,
    config,
    logs,
    transport: socket ? socketTransport(slack.socket) : httpTransport(`http://127.0.0.1:${port}`),
    async stop() {
      await bot.stop();
      if (ownSlack) await slack.stop();
    },
  };
}
