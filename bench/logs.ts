import { awsClientsFor } from '../test/helpers/aws-world-clients';
import { startFakeSlack } from '../test/helpers/fake-slack';
import { sendCommand } from '../test/helpers/slack-sign';
import { logsWorld } from '../test/logs/logs-world';
import { startBenchBot } from './bench-bot';
import type { BenchResult, Row } from './lib';

/**
 * /ecs logs over a service of 10 tasks: 10 streams (`--container app`), 50 matching lines each (500
 * in all, `--limit 500`), 20 events per FilterLogEvents page so every stream is read in 3 pages, every
 * fake AWS call (ECS and CloudWatch Logs) taking 50 ms, against the same command with no AWS latency
 * (the bot's own work: rendering, the .log file upload) measured in the same run.
 */
export async function benchLogs(o: { runs?: number; latencyMs?: number } = {}): Promise<BenchResult> {
  const runs = o.runs ?? 3;
  const latencyMs = o.latencyMs ?? 50;
  const w = logsWorld({ tasks: 10 });
  w.logs.filterPageSize = 20;
  for (const t of w.tasks())
    w.say(
      t,
      'app',
      Array.from({ length: 50 }, (_, i): [number, string] => [
        (60 - i) * 10_000,
        `GET /api/items/${i} 200 ${'x'.repeat(60)}`,
      ]),
    );
  const slack = await startFakeSlack();
  const b = await startBenchBot(slack, {
    aws: awsClientsFor(w.world, { logs: w.logs.client }),
    clock: { now: () => w.world.now },
  });
  const rows: Row[] = [];
  let seq = 0;
  const ask = async () => {
    w.world.calls.splice(0);
    w.logs.calls.splice(0);
    const id = `logs-bench-${++seq}`;
    const started = performance.now();
    const res = await sendCommand(b.url, {
      text: 'logs shop/web --container app --limit 500',
      response_url: slack.responseUrl(id),
      channel_id: 'C0BENCH',
    });
    if (res.status !== 200) throw new Error(`logs command answered HTTP ${res.status}`);
    const answer = await slack.waitFor(() => slack.responsesTo(id)[0], 60_000, 'the logs answer');
    const ms = performance.now() - started;
    if (!JSON.stringify(answer.body).includes('500 lines')) throw new Error('the logs answer does not show 500 lines');
    return { ms, ecs: w.world.calls.length, filter: w.logs.callsOf('FilterLogEvents').length };
  };
  try {
    await ask(); // warm-up
    for (const latency of [0, latencyMs]) {
      w.world.latencyMs = latency;
      w.logs.latencyMs = latency;
      const times: number[] = [];
      let last = { ecs: 0, filter: 0 };
      for (let i = 0; i < runs; i++) {
        const r = await ask();
        times.push(r.ms);
        last = r;
      }
      times.sort((x, y) => x - y);
      rows.push({
        'AWS latency': `${latency} ms/call`,
        'ECS calls': last.ecs,
        'FilterLogEvents calls': last.filter,
        'serial sum of latency ms': (last.ecs + last.filter) * latency,
        'answer ms (median)': Math.round(times[Math.floor(times.length / 2)]),
        'answer ms (worst)': Math.round(times[times.length - 1]),
      });
    }
  } finally {
    await b.stop();
    await slack.stop();
  }
  const worst = Number(rows[1]?.['answer ms (worst)'] ?? NaN);
  return {
    title: `Logs of a 10-task service (/ecs logs: 10 streams, 500 matching lines, pages of 20; ${runs} runs each)`,
    rows,
    notes: [
      'The 0 ms row is the baseline: the bot’s own work (reading pages, rendering, the .log file upload) without AWS latency, in the same run.',
      'Streams are read 8 at a time, each following its pages; the ECS calls read the service and its running and stopped tasks (task definitions are cached per revision after the warm-up).',
      `Target: under 2 s with 50 ms per AWS call: ${worst < 2000 ? 'met' : 'NOT met'} (worst ${worst} ms).`,
    ],
  };
}
