import { startFakeSlack } from '../test/helpers/fake-slack';
import { AwsWorld } from '../test/helpers/aws-world';
import { awsClientsFor } from '../test/helpers/aws-world-clients';
import { startBenchBot, until } from './bench-bot';
import type { BenchResult, Row } from './lib';
import { accepted, prepareSnsLoad } from './sns-load';
import { BodySigner, certFetcher, makeSigningKeys, TEST_TOPIC_ARN, type TrafficPlan } from './sns-traffic';

const WARM_UP = 1000;

/**
 * Alarms from SQS: signed notifications per second stored from a queue (the bot long-polls the fake
 * world's SQS behind the SDK client, batches of 10, verifies, deduplicates, stores each receive's batch
 * and deletes it in one DeleteMessageBatch), beside the HTTPS path (POST /sns from a load generator on
 * its own thread) in the same run. Same signed messages as the SNS table.
 */
export async function benchSqs(o: { messages?: number; connections?: number } = {}): Promise<BenchResult> {
  const messages = o.messages ?? 10_000;
  const connections = o.connections ?? 50;
  const keys = await makeSigningKeys();
  const signer = new BodySigner(keys.keyPem);
  const slack = await startFakeSlack();
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    // Baseline: the HTTPS path, as the SNS table measures it.
    let https: number;
    {
      const b = await startBenchBot(slack, {
        env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN },
        inject: { fetchCertificate: certFetcher(keys.certPem) },
      });
      try {
        const warm = await prepareSnsLoad({
          url: `${b.url}/sns`,
          keyPem: keys.keyPem,
          plan: { count: WARM_UP, alarms: 50, baseAt: Date.now() - 2400_000, prefix: 'warm-up' },
          from: 0,
          count: WARM_UP,
          connections,
          presign: true,
        });
        await warm.go();
        const load = await prepareSnsLoad({
          url: `${b.url}/sns`,
          keyPem: keys.keyPem,
          plan: { count: messages, alarms: 200, baseAt: Date.now() - 1800_000, prefix: 'https' },
          from: 0,
          count: messages,
          connections,
          presign: true,
        });
        const r = await load.go();
        const ok = accepted(r);
        https = ok / r.seconds;
        rows.push({
          path: `HTTPS: POST /sns → verify → dedup → SQLite → 200 (${connections} conns)`,
          messages: ok,
          'msgs/s': Math.round(https),
          'vs HTTPS': '1.00×',
        });
      } finally {
        await b.stop();
      }
    }

    for (const pollers of [2, 4]) {
      const world = new AwsWorld(Date.now());
      const queue = world.sqs.createQueue('ecs-chatops-alarms', { visibilityTimeout: 60 });
      const fill = (plan: TrafficPlan) => {
        for (let i = 0; i < plan.count; i++) world.sqs.send(queue.url, signer.body(plan, i));
      };
      fill({ count: WARM_UP, alarms: 50, baseAt: Date.now() - 2400_000, prefix: `sqs-warm-${pollers}` });
      const b = await startBenchBot(slack, {
        env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, SQS_QUEUE_URLS: queue.url, SQS_POLLERS_PER_QUEUE: String(pollers) },
        aws: awsClientsFor(world),
        inject: { fetchCertificate: certFetcher(keys.certPem) },
      });
      try {
        if (!(await until(() => queue.deleted.length === WARM_UP, 120_000)))
          throw new Error(`SQS warm-up: ${queue.deleted.length} of ${WARM_UP} deleted`);
        // Signed beforehand, so the clock measures the bot alone.
        const plan: TrafficPlan = {
          count: messages,
          alarms: 200,
          baseAt: Date.now() - 1800_000,
          prefix: `sqs-${pollers}`,
        };
        const bodies = Array.from({ length: messages }, (_, i) => signer.body(plan, i));
        const before = world.callsTo('ReceiveMessage').length;
        const started = performance.now();
        for (const body of bodies) world.sqs.send(queue.url, body);
        if (!(await until(() => queue.deleted.length === WARM_UP + messages, 300_000, 5)))
          throw new Error(`SQS: ${queue.deleted.length - WARM_UP} of ${messages} deleted`);
        const seconds = (performance.now() - started) / 1000;
        const [{ n }] = await b.store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM sns_messages');
        const stored = Number(n) - WARM_UP;
        const perSec = stored / seconds;
        const receives = world.callsTo('ReceiveMessage').length - before;
        const deletes = world.callsTo('DeleteMessageBatch').length;
        rows.push({
          path: `SQS: receive 10 → verify → dedup → SQLite → DeleteMessageBatch (${pollers} pollers)`,
          messages: stored,
          'msgs/s': Math.round(perSec),
          'vs HTTPS': `${(perSec / https).toFixed(2)}×`,
        });
        notes.push(
          `${pollers} pollers: ${stored} stored and deleted in ${seconds.toFixed(1)} s; ${receives} receives (${(messages / Math.max(1, receives)).toFixed(1)} messages each), ${deletes} DeleteMessageBatch calls in all.`,
        );
        if (pollers === 2)
          notes.push(
            `Target: SQS (2 pollers, the default) at least the HTTPS path's rate: ${perSec >= https ? 'met' : 'MISSED'}.`,
          );
      } finally {
        await b.stop();
        world.sqs.close();
      }
    }
    notes.push(
      `Both paths: same signed notifications (SignatureVersion 2, RSA-2048, distinct MessageIds, 200 alarms), after ${WARM_UP} of warm-up, outbox worker running, logs at info into a sink. The fake SQS answers in the bot's process through the SDK client (no network); the HTTPS load generator runs on its own thread over raw sockets.`,
    );
    return { title: 'Alarms from SQS (signed notifications stored per second, beside POST /sns)', rows, notes };
  } finally {
    await slack.stop();
  }
}
