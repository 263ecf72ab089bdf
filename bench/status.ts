import { bigWorld } from '../test/helpers/aws-world';
import { awsClientsFor } from '../test/helpers/aws-world-clients';
import { startFakeSlack } from '../test/helpers/fake-slack';
import { sendCommand } from '../test/helpers/slack-sign';
import { startBenchBot } from './bench-bot';
import type { BenchResult, Row } from './lib';

/**
 * Status at scale: `/ecs status big` on 300 services and 100 container instances, every fake AWS call
 * taking 50 ms, against the same command with no AWS latency (the bot's own CPU time) measured in
 * the same run. Counts the AWS calls by operation and the time from the signed request to the answer
 * on its response_url.
 */
export async function benchStatus(o: { runs?: number; latencyMs?: number } = {}): Promise<BenchResult> {
  const runs = o.runs ?? 3;
  const latencyMs = o.latencyMs ?? 50;
  const big = bigWorld(300, 100);
  const slack = await startFakeSlack();
  const b = await startBenchBot(slack, { aws: awsClientsFor(big.world), clock: { now: () => big.world.now } });
  const rows: Row[] = [];
  let calls: Map<string, number> | undefined;
  let seq = 0;
  const ask = async (): Promise<{ ms: number; ops: Map<string, number> }> => {
    big.world.calls.splice(0);
    const id = `status-bench-${++seq}`;
    const started = performance.now();
    const res = await sendCommand(b.url, { text: 'status big', response_url: slack.responseUrl(id) });
    if (res.status !== 200) throw new Error(`status command answered HTTP ${res.status}`);
    const answer = await slack.waitFor(() => slack.responsesTo(id)[0], 60_000, 'the status answer');
    const ms = performance.now() - started;
    if (!JSON.stringify(answer.body).includes('Cluster big'))
      throw new Error('the status answer does not show the cluster');
    const ops = new Map<string, number>();
    for (const c of big.world.calls) ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
    return { ms, ops };
  };
  try {
    await ask(); // warm-up: JIT, the task-definition-free path, the SQLite file
    for (const latency of [0, latencyMs]) {
      big.world.latencyMs = latency;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await ask();
        times.push(r.ms);
        calls = r.ops;
      }
      times.sort((a, b) => a - b);
      const total = [...(calls ?? new Map()).values()].reduce((a, n) => a + n, 0);
      rows.push({
        'AWS latency': `${latency} ms/call`,
        'AWS calls': total,
        'serial sum of latency ms': total * latency,
        'answer ms (median)': times[Math.floor(times.length / 2)],
        'answer ms (worst)': times[times.length - 1],
      });
    }
  } finally {
    await b.stop();
    await slack.stop();
  }
  const perOp = [...(calls ?? new Map()).entries()].map(([op, n]) => `${op} ${n}`).join(', ');
  const median = (r: Row | undefined) => Number(r?.['answer ms (median)'] ?? NaN);
  const roundTrips = (median(rows[1]) - median(rows[0])) / latencyMs;
  return {
    title: `Status at scale (/ecs status on 300 services, 100 instances; ${runs} runs each)`,
    rows,
    notes: [
      `AWS calls per answer: ${perOp}.`,
      'The 0 ms row is the baseline: the bot’s own work (parsing, rendering, CSV) without AWS latency, in the same run.',
      `The latency adds about ${roundTrips.toFixed(1)} sequential round trips (pages, then batches of 5 ECS / 4 CloudWatch calls in parallel), not ${rows[1]?.['AWS calls'] ?? '?'}.`,
    ],
  };
}
