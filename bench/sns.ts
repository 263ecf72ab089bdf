import { X509Certificate, verify } from 'node:crypto';
import Validator from 'sns-payload-validator';
import { canonicalString } from '../src/sns/canonical';
import { startFakeSlack } from '../test/helpers/fake-slack';
import { startBenchBot } from './bench-bot';
import type { BenchResult, Row } from './lib';
import { accepted, prepareSnsLoad } from './sns-load';
import { BodySigner, CERT_URL, certFetcher, makeSigningKeys, TEST_TOPIC_ARN, type TrafficPlan } from './sns-traffic';

/** Runs `fn` over `items` round-robin for at least `seconds`; resolves with operations per second. */
async function rateOnce<T>(
  items: T[],
  seconds: number,
  fn: (item: T) => unknown,
): Promise<{ ops: number; perSec: number }> {
  const started = performance.now();
  let ops = 0;
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 200; i++) await fn(items[ops++ % items.length]);
  }
  return { ops, perSec: ops / ((performance.now() - started) / 1000) };
}

/** The median of three timed rounds (a VM's CPU speed wanders; one round can be a lucky or unlucky one). */
async function rate<T>(
  items: T[],
  seconds: number,
  fn: (item: T) => unknown,
): Promise<{ ops: number; perSec: number }> {
  const rounds = [];
  for (let i = 0; i < 3; i++) rounds.push(await rateOnce(items, seconds, fn));
  rounds.sort((a, b) => a.perSec - b.perSec);
  return { ops: rounds.reduce((a, r) => a + r.ops, 0), perSec: rounds[1].perSec };
}

/**
 * SNS ingest: signed notifications per second accepted end to end by the bot (HTTP, signature
 * verified with the cached parsed key, MessageId deduplicated, incident stored in SQLite, 200), beside
 * the verify-only rate of `sns-payload-validator` (certificate pre-cached as PEM: it re-parses it on
 * every message) and of a bare `crypto.verify` with a parsed key (the ceiling), in the same run.
 */
export async function benchSns(
  o: { messages?: number; connections?: number; seconds?: number } = {},
): Promise<BenchResult> {
  const messages = o.messages ?? 15_000;
  const connections = o.connections ?? 50;
  const seconds = o.seconds ?? 2;
  const keys = await makeSigningKeys();
  const signer = new BodySigner(keys.keyPem);
  const plan: TrafficPlan = { count: 2000, alarms: 200, baseAt: Date.now() - 3600_000, prefix: 'ingest-baseline' };
  const bodies = Array.from({ length: plan.count }, (_, i) => signer.body(plan, i));

  // Verify-only baselines, on this thread, one message at a time.
  const validator = new Validator();
  (validator as unknown as { certCache: { set(url: string, pem: string): void } }).certCache.set(
    CERT_URL,
    keys.certPem,
  );
  const pkg = await rate(bodies, seconds, (b) => validator.validate(b));
  const key = new X509Certificate(keys.certPem).publicKey;
  const signed = bodies.map((b) => {
    const env = JSON.parse(b);
    return { data: Buffer.from(canonicalString(env), 'utf8'), sig: Buffer.from(env.Signature, 'base64') };
  });
  let bad = 0;
  const bare = await rate(signed, seconds, (s) => {
    if (!verify('sha256', s.data, key, s.sig)) bad += 1;
  });
  if (bad) throw new Error(`bare crypto.verify refused ${bad} genuine signatures`);

  // The bot, end to end over HTTP, with a load generator on another thread.
  const slack = await startFakeSlack();
  const b = await startBenchBot(slack, {
    env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN },
    inject: { fetchCertificate: certFetcher(keys.certPem) },
  });
  const rows: Row[] = [];
  try {
    // Warm up: the SNS ingest thread starts with the first notification (and compiles TypeScript under
    // the benchmark's loader), and the JIT has yet to see the path; neither belongs in the figure.
    const warm = await prepareSnsLoad({
      url: `${b.url}/sns`,
      keyPem: keys.keyPem,
      plan: { count: 1000, alarms: 50, baseAt: Date.now() - 2400_000, prefix: 'warm-up' },
      from: 0,
      count: 1000,
      connections,
      presign: true,
    });
    const warmed = accepted(await warm.go());
    if (warmed !== 1000) throw new Error(`warm-up: ${warmed} of 1000 notifications accepted`);
    const load = await prepareSnsLoad({
      url: `${b.url}/sns`,
      keyPem: keys.keyPem,
      plan: { count: messages, alarms: 200, baseAt: Date.now() - 1800_000, prefix: 'ingest' },
      from: 0,
      count: messages,
      connections,
      presign: true,
    });
    const r = await load.go();
    const ok = accepted(r);
    const [{ n: storedAll }] = await b.store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM sns_messages');
    const stored = Number(storedAll) - warmed;
    const e2e = ok / r.seconds;
    rows.push(
      {
        path: 'sns-payload-validator 2.1.0, verify only (cert pre-cached as PEM)',
        messages: pkg.ops,
        'msgs/s': Math.round(pkg.perSec),
        'p50 ms': '',
        'p99 ms': '',
        'vs package': '1.00×',
      },
      {
        path: 'bare crypto.verify, parsed key (ceiling)',
        messages: bare.ops,
        'msgs/s': Math.round(bare.perSec),
        'p50 ms': '',
        'p99 ms': '',
        'vs package': `${(bare.perSec / pkg.perSec).toFixed(2)}×`,
      },
      {
        path: `bot end to end: HTTP → verify → dedup → SQLite → 200 (${connections} conns)`,
        messages: ok,
        'msgs/s': Math.round(e2e),
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'vs package': `${(e2e / pkg.perSec).toFixed(2)}×`,
      },
    );
    const non200 = Object.entries(r.statuses).filter(([s]) => s !== '200');
    return {
      title: 'SNS ingest (signed notifications, SignatureVersion 2, RSA-2048, distinct MessageIds, 200 alarms)',
      rows,
      notes: [
        `Bot: ${ok} of ${r.sent} accepted with 200, ${Number(stored)} MessageIds stored${non200.length ? `; other statuses: ${non200.map(([s, n]) => `${s}×${n}`).join(', ')}` : ''}; outbox worker running; logs formatted at info and discarded.`,
        `The load generator runs on its own thread, over raw sockets (bodies signed beforehand, ${load.signSeconds.toFixed(1)} s), after 1,000 notifications of warm-up; the verify-only rows run on the bot's thread before the bot starts, one message at a time, median of 3 rounds of ${seconds} s.`,
        `Target: the bot's end-to-end rate > the package's verify-only rate: ${e2e > pkg.perSec ? 'met' : 'MISSED'}.`,
      ],
    };
  } finally {
    await b.stop();
    await slack.stop();
  }
}
