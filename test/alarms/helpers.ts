import { SNSClient } from '@aws-sdk/client-sns';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { Clock } from '../../src/clock';
import type { OutboxWorker } from '../../src/alarms/outbox-worker';
import { refusingAwsClients, startTestBot, type TestBot, type TestBotOptions } from '../helpers/test-bot';
import { postSns, SnsSigner, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import type { SnsMessageType } from '../../src/sns/envelope';
import type { AwsWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';

/** A clock tests move by hand. Starts near real time so signed Timestamps look current. */
export class FakeClock implements Clock {
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(t: number): void {
    this.t = Math.max(this.t, t);
  }
}

let signerP: Promise<SnsSigner> | undefined;
/** One key pair and certificate per test file (RSA generation takes a moment). */
export function testSigner(): Promise<SnsSigner> {
  signerP ??= SnsSigner.create();
  return signerP;
}

export interface AlarmBot extends TestBot {
  clock: FakeClock;
  signer: SnsSigner;
  sns: AwsClientStub<SNSClient>;
  cloudwatch?: AwsClientStub<CloudWatchClient>;
  worker: OutboxWorker;
  /** Posts a signed notification whose Message is `message`. */
  notify(
    message: string | object,
    o?: { messageId?: string; subject?: string; version?: '1' | '2'; type?: SnsMessageType },
  ): Promise<Response>;
  /** Runs the outbox until it is empty, moving the fake clock to each next due item (bounded). */
  drain(maxPasses?: number): Promise<void>;
}

export interface AlarmBotOptions extends TestBotOptions {
  clock?: FakeClock;
  /** Answer CloudWatch calls (the graph) with this mock instead of refusing them. */
  cloudwatch?: (stub: AwsClientStub<CloudWatchClient>) => void;
  /** Answer CloudWatch calls (the graph) from this fake AWS world. */
  world?: AwsWorld;
}

/** The real app over HTTP with a fake clock, a signed-SNS helper, and the outbox worker driven by hand. */
export async function startAlarmBot(o: AlarmBotOptions = {}): Promise<AlarmBot> {
  const clock = o.clock ?? new FakeClock();
  const signer = await testSigner();
  const aws = refusingAwsClients();
  const snsClient = new SNSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  const sns = mockClient(snsClient);
  sns.onAnyCommand().rejects(new Error('unexpected SNS call in a test'));
  aws.sns = snsClient;
  let cloudwatch: AwsClientStub<CloudWatchClient> | undefined;
  if (o.cloudwatch) {
    const cw = new CloudWatchClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    });
    cloudwatch = mockClient(cw);
    o.cloudwatch(cloudwatch);
    aws.cloudwatch = cw;
  }
  if (o.world) aws.cloudwatch = awsClientsFor(o.world).cloudwatch;
  const t = await startTestBot({
    ...o,
    clock,
    aws: o.aws ?? aws,
    noWorkers: o.noWorkers ?? true,
    env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, ...o.env },
    inject: { fetchCertificate: signer.fetchCertificate, ...o.inject },
  });
  const feature = t.bot.features.find((f) => f.name === 'alarms');
  const worker = feature?.workers?.[0] as OutboxWorker;
  return {
    ...t,
    clock,
    signer,
    sns,
    cloudwatch,
    worker,
    notify(message, n = {}) {
      return postSns(t.url, signer.envelope({ message, timestamp: clock.now(), ...n }));
    },
    async drain(maxPasses = 100) {
      for (let i = 0; i < maxPasses; i++) {
        await worker.runOnce();
        const items = await t.store.outbox.list();
        if (items.length === 0) return;
        const next = Math.min(...items.map((x) => Math.max(x.availableAt, x.claimedUntil ?? 0)));
        clock.set(next);
      }
      throw new Error(`outbox not drained after ${maxPasses} passes: ${JSON.stringify(await t.store.outbox.list())}`);
    },
  };
}
