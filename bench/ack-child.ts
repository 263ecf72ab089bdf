import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import { labWorld } from '../test/helpers/aws-world';
import { awsClientsFor } from '../test/helpers/aws-world-clients';
import { startFakeSlack } from '../test/helpers/fake-slack';
import { TEST_SIGNING_SECRET } from '../test/helpers/slack-sign';
import { startBenchBot } from './bench-bot';

/**
 * One server of the acknowledgement benchmark, in its own process (so that the load generator, the
 * fake Slack and each app under test have their own event loop, as they would across a network):
 *
 *   fake-slack            the fake Slack Web API and response_url endpoint; answers "how many
 *                         responses reached id X" over IPC
 *   bare <apiUrl>         a bare Bolt app that only acks /ecs
 *   bot <apiUrl>          the real app, production log level, no AWS (for /ecs help)
 *   bot-lab <apiUrl> <ms> the real app with the lab world behind its AWS SDK clients (in this
 *                         process: the fake stands behind the real SDK clients, as in the tests),
 *                         <ms> of latency per AWS call
 *
 * Each sends { type: 'ready', url } once listening and exits on 'stop'.
 */
export type AckChildMessage = { type: 'ready'; url: string } | { type: 'count'; seq: number; n: number };
export type AckParentMessage = { type: 'stop' } | { type: 'count'; seq: number; id: string };

function send(m: AckChildMessage): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  const [role, apiUrl, latency] = process.argv.slice(2);
  let stop: () => Promise<void>;
  if (role === 'fake-slack') {
    const slack = await startFakeSlack();
    process.on('message', (m: AckParentMessage) => {
      if (m.type !== 'count') return;
      send({ type: 'count', seq: m.seq, n: slack.responsesTo(m.id).length });
      // The benchmark asks about one id at a time: keep memory flat over long runs.
      if (slack.calls.length > 10_000) slack.calls.splice(0);
    });
    stop = () => slack.stop();
    send({ type: 'ready', url: slack.url });
  } else if (role === 'bare') {
    // Token verification on (the default), as in the bot: one auth.test at start.
    const bare = new App({
      token: 'xoxb-bare',
      signingSecret: TEST_SIGNING_SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: apiUrl },
    });
    bare.command('/ecs', async ({ ack }) => {
      await ack();
    });
    const server = (await bare.start({ port: 0, host: '127.0.0.1' })) as Server;
    stop = async () => void (await bare.stop());
    send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  } else if (role === 'bot' || role === 'bot-lab') {
    let opts = {};
    if (role === 'bot-lab') {
      const lab = labWorld();
      lab.world.latencyMs = Number(latency ?? 0);
      // The world records every call's input; a long run would otherwise grow it without bound.
      const record = lab.world.record.bind(lab.world);
      lab.world.record = (service, op, input) => {
        if (lab.world.calls.length > 10_000) lab.world.calls.splice(0);
        record(service, op, input);
      };
      opts = { aws: awsClientsFor(lab.world), clock: { now: () => lab.world.now } };
    }
    const b = await startBenchBot({ apiUrl }, opts);
    stop = async () => void (await b.stop());
    send({ type: 'ready', url: b.url });
  } else {
    throw new Error(`unknown role ${role}`);
  }
  process.on('message', (m: AckParentMessage) => {
    if (m.type === 'stop') void stop().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
