import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { commandBody, slackHeaders } from '../test/helpers/slack-sign';
import type { AckChildMessage, AckParentMessage } from './ack-child';
import { until } from './bench-bot';
import { load, type BenchResult, type Row } from './lib';

/** A server of the benchmark running in its own process (bench/ack-child.ts). */
interface Child {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function startChild(args: string[]): Promise<Child> {
  const prof = process.env.BENCH_PROF === args[0] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof3'] : [];
  const proc = fork(path.join(__dirname, 'ack-child.ts'), args, {
    execArgv: ['-r', '@swc-node/register', ...prof],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`bench server ${args[0]} exited with ${code} before it was ready`)));
    proc.on('message', (m: AckChildMessage) => {
      if (m.type === 'ready') resolve(m.url);
    });
  });
  return {
    url,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.send({ type: 'stop' } satisfies AckParentMessage);
      }),
  };
}

/** The fake Slack in its own process: counts the answers posted to a response_url id. */
class RemoteFakeSlack {
  private seq = 0;
  constructor(readonly child: Child) {}
  get apiUrl(): string {
    return `${this.child.url}/api/`;
  }
  responseUrl(id: string): string {
    return `${this.child.url}/respond/${id}`;
  }
  responsesTo(id: string): Promise<number> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const on = (m: AckChildMessage) => {
        if (m.type === 'count' && m.seq === seq) {
          this.child.proc.off('message', on);
          resolve(m.n);
        }
      };
      this.child.proc.on('message', on);
      this.child.proc.send({ type: 'count', seq, id } satisfies AckParentMessage);
    });
  }
}

export interface AckCommand {
  name: string;
  text: string;
  /** ack-child.ts role and arguments after the Slack API URL. */
  role: 'bot' | 'bot-lab';
  args?: string[];
  /** The real answer goes to the response_url after the ack (the row then also waits for every answer). */
  answersLater?: boolean;
}

/** `/ecs status <cluster>` against the lab world (bench/ack-child.ts `bot-lab`), `latencyMs` per AWS call. */
export function statusCommand(o: { latencyMs?: number } = {}): AckCommand {
  const ms = o.latencyMs ?? 0;
  return {
    name: `/ecs status EcsLabCluster${ms ? ` (AWS ${ms} ms/call)` : ''}`,
    text: 'status EcsLabCluster',
    role: 'bot-lab',
    args: [String(ms)],
    answersLater: true,
  };
}

/**
 * Command acknowledgement: p50/p99 latency and throughput of signed slash commands against the real
 * app, beside a bare Bolt app that only acks, measured in the same run. The load generator
 * (autocannon) runs in this process; the fake Slack, the bare app and each app under test run in
 * processes of their own, as they would across a network. Each command runs against its own bot; a
 * command that answers later (status) is given time to deliver every answer before the next row, so
 * no row pays for the previous one's backlog — and how long that took is shown.
 */
export async function benchAck(o: { seconds?: number; commands?: AckCommand[] } = {}): Promise<BenchResult> {
  const seconds = o.seconds ?? 5;
  const commands: AckCommand[] = [{ name: '/ecs help', text: 'help', role: 'bot' }, ...(o.commands ?? [])];
  const slack = new RemoteFakeSlack(await startChild(['fake-slack']));
  const children: Child[] = [slack.child];
  const rows: Row[] = [];
  try {
    const bare = await startChild(['bare', slack.apiUrl]);
    children.push(bare);
    const targets: (AckCommand & { url: string })[] = [];
    for (const c of commands) {
      const child = await startChild([c.role, slack.apiUrl, ...(c.args ?? [])]);
      children.push(child);
      targets.push({ ...c, url: `${child.url}/slack/events` });
    }
    /** Commands the bot started, and those it answered "busy" in the ack (never started, so no later answer), from its /metrics. */
    const counts = async (url: string): Promise<{ started: number; busy: number }> => {
      const text = await (await fetch(new URL('/metrics', url))).text();
      const started = /^ecs_chatops_commands_started_total (\d+)/m.exec(text);
      const busy = /^ecs_chatops_commands_refused_total\{reason="busy"\} (\d+)/m.exec(text);
      return { started: started ? Number(started[1]) : 0, busy: busy ? Number(busy[1]) : 0 };
    };
    let seq = 0;
    /** Loads one target; for one that answers later, waits (bounded) until every acked command has its answer. */
    const measure = async (url: string, text: string, answersLater: boolean, connections: number, secs: number) => {
      const id = `bench-${++seq}`;
      // Every request its own trigger_id, so its own signature: the bot refuses the same signed bytes twice.
      let n = 0;
      const signed = () => {
        const body = commandBody({ text, response_url: slack.responseUrl(id), trigger_id: `${id}.${++n}` });
        return { body, headers: slackHeaders(body, 'application/x-www-form-urlencoded') };
      };
      const before = answersLater ? await counts(url) : { started: 0, busy: 0 };
      const r = await load({ url, connections, seconds: secs, ...signed(), next: signed });
      let drainedS: number | string = '';
      let busy = 0;
      let started = 0;
      if (answersLater) {
        // Counted by the bot: the load generator stops with requests still in flight, which the bot answers.
        const after = await counts(url);
        busy = after.busy - before.busy;
        started = after.started - before.started;
        const t0 = performance.now();
        let got = 0;
        const ok = await until(async () => (got = await slack.responsesTo(id)) >= started, 180_000, 50);
        drainedS = ok ? (performance.now() - t0) / 1000 : `> 180 (${got}/${started})`;
      }
      return { r, drainedS, busy, started };
    };
    // Warm up every server (JIT, connection pools) so the first measured row is not penalised.
    await measure(`${bare.url}/slack/events`, 'help', false, 20, 1);
    for (const t of targets) await measure(t.url, t.text, !!t.answersLater, 20, 1);
    for (const connections of [50, 200]) {
      const { r: baseline } = await measure(`${bare.url}/slack/events`, 'help', false, connections, seconds);
      rows.push({
        command: 'bare Bolt (ack only)',
        conns: connections,
        'p50 ms': baseline.p50,
        'p99 ms': baseline.p99,
        'req/s': Math.round(baseline.rps),
        errors: baseline.errors + baseline.non2xx,
        'p99 vs bare': '1.00×',
        'answered busy': '',
        'started/s': '',
        'answers drained s': '',
      });
      for (const t of targets) {
        const { r, drainedS, busy, started } = await measure(t.url, t.text, !!t.answersLater, connections, seconds);
        rows.push({
          command: t.name,
          conns: connections,
          'p50 ms': r.p50,
          'p99 ms': r.p99,
          'req/s': Math.round(r.rps),
          errors: r.errors + r.non2xx,
          'p99 vs bare': `${(r.p99 / Math.max(1, baseline.p99)).toFixed(2)}×`,
          'answered busy': t.answersLater ? busy : '',
          'started/s': t.answersLater ? Math.round(started / seconds) : '',
          'answers drained s': drainedS,
        });
      }
    }
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
  return {
    title: 'Command acknowledgement (signed slash commands over loopback)',
    rows,
    notes: [
      'The load generator (autocannon) runs in the benchmark process; the fake Slack, the bare app and each bot run in processes of their own. Bots log at info into a sink.',
      'Target: p99 < 100 ms at 200 concurrent, within 1.5× of the bare Bolt app.',
      '"answered busy": commands the bot refused in the ack because it was saturated (see WorkGate); the others were run.',
      '"answers drained": after the load stops, seconds until every command it started had posted its answer to its response_url.',
    ],
  };
}
