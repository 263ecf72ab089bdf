import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import { startTestBot } from '../test/helpers/test-bot';
import { commandBody, slackHeaders, TEST_SIGNING_SECRET } from '../test/helpers/slack-sign';
import { load, type BenchResult, type Row } from './lib';

/**
 * Command acknowledgement: p50/p99 latency and throughput of signed slash commands against the real
 * app, beside a bare Bolt app that only acks, measured in the same run.
 */
export async function benchAck(o: { seconds?: number; extraCommands?: { name: string; text: string; opts?: Parameters<typeof startTestBot>[0] }[] } = {}): Promise<BenchResult> {
  const seconds = o.seconds ?? 5;
  const t = await startTestBot({ env: { LOG_LEVEL: 'warn' } });
  const bare = new App({
    token: 'xoxb-bare',
    signingSecret: TEST_SIGNING_SECRET,
    logLevel: LogLevel.ERROR,
    tokenVerificationEnabled: false,
    clientOptions: { slackApiUrl: t.slack.apiUrl },
  });
  bare.command('/ecs', async ({ ack }) => {
    await ack();
  });
  const bareServer = (await bare.start({ port: 0, host: '127.0.0.1' })) as Server;
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/slack/events`;

  const rows: Row[] = [];
  const commands = [{ name: '/ecs help', text: 'help', url: `${t.url}/slack/events` }];
  const extra = [];
  for (const c of o.extraCommands ?? []) {
    const b = await startTestBot({ ...c.opts, env: { LOG_LEVEL: 'warn', ...(c.opts?.env ?? {}) } });
    extra.push(b);
    commands.push({ name: c.name, text: c.text, url: `${b.url}/slack/events` });
  }
  try {
    // Warm up both servers (JIT, connection pools) so the first measured row is not penalised.
    for (const url of [bareUrl, ...commands.map((c) => c.url)]) {
      const wb = commandBody({ text: 'help', response_url: t.slack.responseUrl('bench') });
      await load({ url, connections: 20, seconds: 1, body: wb, headers: slackHeaders(wb, 'application/x-www-form-urlencoded') });
    }
    for (const connections of [50, 200]) {
      const body = commandBody({ text: 'help', response_url: t.slack.responseUrl('bench') });
      const headers = slackHeaders(body, 'application/x-www-form-urlencoded');
      const baseline = await load({ url: bareUrl, connections, seconds, body, headers });
      rows.push({ command: 'bare Bolt (ack only)', conns: connections, 'p50 ms': baseline.p50, 'p99 ms': baseline.p99, 'req/s': Math.round(baseline.rps), errors: baseline.errors + baseline.non2xx, 'p99 vs bare': '1.00×' });
      for (const c of commands) {
        const cb = commandBody({ text: c.text, response_url: t.slack.responseUrl('bench') });
        const r = await load({ url: c.url, connections, seconds, body: cb, headers: slackHeaders(cb, 'application/x-www-form-urlencoded') });
        rows.push({
          command: c.name,
          conns: connections,
          'p50 ms': r.p50,
          'p99 ms': r.p99,
          'req/s': Math.round(r.rps),
          errors: r.errors + r.non2xx,
          'p99 vs bare': `${(r.p99 / Math.max(1, baseline.p99)).toFixed(2)}×`,
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
    notes: ['Target: p99 < 100 ms at 200 concurrent, within 1.5× of the bare Bolt app.'],
  };
}
