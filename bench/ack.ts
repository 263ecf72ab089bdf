import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import { labWorld } from '../test/helpers/aws-world';
import { awsClientsFor } from '../test/helpers/aws-world-clients';
import type { FakeSlack } from '../test/helpers/fake-slack';
import { startTestBot, type TestBot } from '../test/helpers/test-bot';
import { until } from './bench-bot';
import { commandBody, slackHeaders, TEST_SIGNING_SECRET } from '../test/helpers/slack-sign';
import { load, type BenchResult, type Row } from './lib';

export interface ExtraCommand {
  name: string;
  text: string;
  opts?: Parameters<typeof startTestBot>[0];
  /** The real answer goes to the response_url after the ack (the row then also waits for every answer). */
  answersLater?: boolean;
}

/**
 * `/ecs status <cluster>` with the lab world behind the bot: the ack is measured while every acked
 * command goes on to load the cluster from (fake) AWS, render it and post it to its response_url.
 */
export function statusCommand(o: { latencyMs?: number } = {}): ExtraCommand {
  const lab = labWorld();
  lab.world.latencyMs = o.latencyMs ?? 0;
  // The world records every call's input; a long run would otherwise grow it without bound.
  const record = lab.world.record.bind(lab.world);
  lab.world.record = (service, op, input) => {
    if (lab.world.calls.length > 10_000) lab.world.calls.splice(0);
    record(service, op, input);
  };
  return { name: `/ecs status ${lab.cluster}${lab.world.latencyMs ? ` (AWS ${lab.world.latencyMs} ms/call)` : ''}`, text: `status ${lab.cluster}`, answersLater: true, opts: { aws: awsClientsFor(lab.world), clock: { now: () => lab.world.now } } };
}

interface Target {
  name: string;
  text: string;
  url: string;
  slack: FakeSlack;
  answersLater: boolean;
}

/**
 * Command acknowledgement: p50/p99 latency and throughput of signed slash commands against the real
 * app, beside a bare Bolt app that only acks, measured in the same run. Each command runs against its
 * own bot; a command that answers later (status) is given time to deliver every answer before the
 * next row, so no row pays for the previous one's backlog — and how long that took is shown.
 */
export async function benchAck(o: { seconds?: number; extraCommands?: ExtraCommand[] } = {}): Promise<BenchResult> {
  const seconds = o.seconds ?? 5;
  const t = await startTestBot({ env: { LOG_LEVEL: 'warn' } });
  // Token verification on (the default), as in the bot: one auth.test at start. With it off, Bolt calls
  // auth.test on every request, which would make the baseline slower than an ack-only app is.
  const bare = new App({
    token: 'xoxb-bare',
    signingSecret: TEST_SIGNING_SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: t.slack.apiUrl },
  });
  bare.command('/ecs', async ({ ack }) => {
    await ack();
  });
  const bareServer = (await bare.start({ port: 0, host: '127.0.0.1' })) as Server;
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/slack/events`;

  const rows: Row[] = [];
  const commands: Target[] = [{ name: '/ecs help', text: 'help', url: `${t.url}/slack/events`, slack: t.slack, answersLater: false }];
  const extra: TestBot[] = [];
  for (const c of o.extraCommands ?? []) {
    const b = await startTestBot({ ...c.opts, env: { LOG_LEVEL: 'warn', ...(c.opts?.env ?? {}) } });
    extra.push(b);
    commands.push({ name: c.name, text: c.text, url: `${b.url}/slack/events`, slack: b.slack, answersLater: !!c.answersLater });
  }
  let seq = 0;
  /** Loads one target; for one that answers later, waits (bounded) until every acked command has its answer. */
  const measure = async (c: Target, connections: number, secs: number) => {
    const id = `bench-${++seq}`;
    const body = commandBody({ text: c.text, response_url: c.slack.responseUrl(id) });
    const r = await load({ url: c.url, connections, seconds: secs, body, headers: slackHeaders(body, 'application/x-www-form-urlencoded') });
    let drainedS: number | string = '';
    if (c.answersLater) {
      const acked = r.requests - r.errors - r.non2xx;
      const t0 = performance.now();
      const ok = await until(() => c.slack.responsesTo(id).length >= acked, 180_000, 50);
      drainedS = ok ? (performance.now() - t0) / 1000 : `> 180 (${c.slack.responsesTo(id).length}/${acked})`;
    }
    return { r, drainedS };
  };
  try {
    // Warm up every server (JIT, connection pools) so the first measured row is not penalised.
    const wb = commandBody({ text: 'help', response_url: t.slack.responseUrl('warm') });
    await load({ url: bareUrl, connections: 20, seconds: 1, body: wb, headers: slackHeaders(wb, 'application/x-www-form-urlencoded') });
    for (const c of commands) await measure(c, 20, 1);
    for (const connections of [50, 200]) {
      const body = commandBody({ text: 'help', response_url: t.slack.responseUrl('bench') });
      const headers = slackHeaders(body, 'application/x-www-form-urlencoded');
      const baseline = await load({ url: bareUrl, connections, seconds, body, headers });
      rows.push({ command: 'bare Bolt (ack only)', conns: connections, 'p50 ms': baseline.p50, 'p99 ms': baseline.p99, 'req/s': Math.round(baseline.rps), errors: baseline.errors + baseline.non2xx, 'p99 vs bare': '1.00×', 'answers drained s': '' });
      for (const c of commands) {
        const { r, drainedS } = await measure(c, connections, seconds);
        rows.push({
          command: c.name,
          conns: connections,
          'p50 ms': r.p50,
          'p99 ms': r.p99,
          'req/s': Math.round(r.rps),
          errors: r.errors + r.non2xx,
          'p99 vs bare': `${(r.p99 / Math.max(1, baseline.p99)).toFixed(2)}×`,
          'answers drained s': drainedS,
        });
      }
    }
  } finally {
    await bare.stop();
    for (const b of extra) await b.stop();
    await t.stop();
  }
  return {
    title: 'Command acknowledgement (signed slash commands over loopback)',
    rows,
    notes: [
      'Target: p99 < 100 ms at 200 concurrent, within 1.5× of the bare Bolt app.',
      '"answers drained": after the load stops, seconds until every acked command had posted its answer to its response_url.',
    ],
  };
}
