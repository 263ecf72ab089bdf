import { WorkGate } from '../../../src/slack/commands/work-gate';
import { labWorld } from '../../helpers/aws-world';
import { awsClientsFor } from '../../helpers/aws-world-clients';
import { eventually } from '../../helpers/eventually';
import { sendCommand } from '../../helpers/slack-sign';
import { startTestBot, type TestBot } from '../../helpers/test-bot';

describe('a saturated bot answers "busy" in the ack', () => {
  let t: TestBot;
  afterEach(async () => {
    await t?.stop();
  });

  it('refuses a command beyond the gate at once, in the ack, and still runs the one it admitted', async () => {
    const lab = labWorld();
    lab.world.latencyMs = 300; // the first command is still loading the cluster when the second arrives
    const pressure = { high: true };
    const gate = new WorkGate({ concurrency: 8, queueLimit: 8 }, { concurrency: 1, queueLimit: 0 }, pressure);
    t = await startTestBot({
      aws: awsClientsFor(lab.world),
      clock: { now: () => lab.world.now },
      inject: { commandGate: gate },
    });
    const first = await sendCommand(t.url, {
      text: `status ${lab.cluster}`,
      response_url: t.slack.responseUrl('first'),
    });
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('');
    // The gate changes without a call to the fake Slack, so it is polled.
    await eventually(() => gate.load === 1, 'the first command to be admitted');

    const second = await sendCommand(t.url, {
      text: `status ${lab.cluster}`,
      response_url: t.slack.responseUrl('second'),
    });
    expect(second.status).toBe(200);
    const busy = (await second.json()) as { response_type: string; text: string };
    expect(busy.response_type).toBe('ephemeral');
    expect(busy.text).toMatch(/busy with 1 other command.*`\/ecs status` was not started\. Try again in a minute\./);
    const refused = await t.bot.ctx.metrics.commandsRefused.get();
    expect(refused.values).toEqual([expect.objectContaining({ labels: { reason: 'busy' }, value: 1 })]);
    expect((await t.bot.ctx.metrics.commandsStarted.get()).values[0].value).toBe(1);
    expect(t.logs.records().filter((r) => r.msg.startsWith('commands refused'))).toHaveLength(1);

    // The admitted one answers; the refused one never posts later.
    const answer = await t.slack.waitFor(() => t.slack.responsesTo('first')[0], 10_000, 'the first answer');
    expect(JSON.stringify(answer.body)).toContain(lab.cluster);
    expect(t.slack.responsesTo('second')).toHaveLength(0);
    await eventually(() => gate.load === 0, 'the slot to be given back after the answer');

    // Once the pressure is gone, commands are admitted again.
    pressure.high = false;
    const third = await sendCommand(t.url, {
      text: `status ${lab.cluster}`,
      response_url: t.slack.responseUrl('third'),
    });
    expect(await third.text()).toBe('');
    await t.slack.waitFor(() => t.slack.responsesTo('third')[0], 10_000, 'the third answer');
  });
});
