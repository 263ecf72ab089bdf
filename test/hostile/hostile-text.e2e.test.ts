import type { AwsClients } from '../../src/aws/clients';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { FakeLogs } from '../helpers/fake-logs';
import type { StoredMessage } from '../helpers/fake-slack';
import { sendCommand } from '../helpers/slack-sign';
import { ALARM_CHANNEL, refusingAwsClients, startTestBot, type TestBot } from '../helpers/test-bot';
import { ecsEvent, pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { ask } from '../status/status-helpers';
import { ACTIONS, ALICE, BOB, decision, startHarness } from '../approvals/harness';
import { HOSTILE, HOSTILE_TEXT, mrkdwnTexts, unsafeParts } from './safe-mrkdwn';

/**
 * Text that comes from AWS (alarm names, descriptions, reasons, ECS events, service events, query
 * results) and from users (command arguments, change reasons), rendered end to end: what the fake
 * Slack finally holds must not ping @channel, carry a link or mention the bot did not build, or open a
 * code block it does not close. The hostile text must still be there — escaped, not dropped.
 */
function expectSafe(messages: Record<string, any>[], o: { users?: string[] } = {}): void {
  expect(messages.length).toBeGreaterThan(0);
  for (const m of messages) expect(unsafeParts(m, o)).toEqual([]);
  const all = messages.flatMap((m) => mrkdwnTexts(m)).join('\n');
  expect(all).toContain('&lt;!channel&gt;');
}

const slackView = (m: StoredMessage) => ({ text: m.text, blocks: m.blocks, attachments: m.attachments });

describe('hostile text from AWS in alarm cards, threads and digests', () => {
  let t: AlarmBot;
  beforeEach(async () => {
    t = await startAlarmBot({ env: { STORM_THRESHOLD: '2' } });
  });
  afterEach(async () => {
    await t.stop();
  });

  const hostileAlarm = (name: string, state: string, at: number) => ({
    ...pendingTaskAlarm({ name, state, at, service: 'api' }),
    AlarmDescription: `Runbook: ${HOSTILE_TEXT}`,
    NewStateReason: `Threshold Crossed: ${HOSTILE_TEXT}`,
  });

  it('escapes alarm names, descriptions and reasons on the card, in its thread and in the storm digest', async () => {
    const at = t.clock.now() - 600_000;
    const names = [`db ${HOSTILE.channel}`, `api ${HOSTILE.link}`, `q ${HOSTILE.mention}`, `w ${HOSTILE.fence}`];
    for (const [i, name] of names.entries())
      expect((await t.notify(hostileAlarm(name, 'ALARM', at + i * 1000))).status).toBe(200);
    expect((await t.notify(hostileAlarm(names[0], 'OK', at + 60_000))).status).toBe(200);
    await t.drain();
    const messages = t.slack.messagesIn(ALARM_CHANNEL);
    // Two cards (the threshold), one digest for the rest, and a thread line for the OK.
    expect(messages.filter((m) => !m.thread_ts).length).toBe(3);
    expect(messages.some((m) => m.thread_ts)).toBe(true);
    expectSafe(messages.map(slackView));
    // Nothing was posted with link expansion or a parse mode that would re-enable mentions.
    for (const c of t.slack.callsTo('chat.postMessage')) {
      expect(c.args.link_names).toBeFalsy();
      expect(c.args.parse).not.toBe('full');
    }
  });

  it('escapes an ECS event reason and a message it cannot parse (the raw card)', async () => {
    const event = ecsEvent(
      'ECS Deployment State Change',
      {
        eventType: 'ERROR',
        eventName: 'SERVICE_DEPLOYMENT_FAILED',
        deploymentId: 'ecs-svc/0123456789012345678',
        updatedAt: new Date(t.clock.now() - 1000).toISOString(),
        reason: `ECS deployment circuit breaker: ${HOSTILE_TEXT}`,
      },
      { time: new Date(t.clock.now() - 1000).toISOString() },
    );
    expect((await t.notify(event)).status).toBe(200);
    expect((await t.notify(`Not JSON at all: ${HOSTILE_TEXT}`, { subject: `Subject ${HOSTILE.channel}` })).status).toBe(
      200,
    );
    await t.drain();
    expectSafe(t.slack.messagesIn(ALARM_CHANNEL).map(slackView));
  });
});

describe('hostile text in command answers', () => {
  it('/ecs status: service events from AWS and a hostile target name', async () => {
    const lab = labWorld();
    lab.world.addServiceEvent(lab.cluster, lab.service, `(service EcsLabApi) ${HOSTILE_TEXT}`);
    const t = await startTestBot({ aws: awsClientsFor(lab.world), clock: { now: () => lab.world.now } });
    try {
      const service = await ask(t, `status ${lab.cluster}/${lab.service}`);
      expectSafe([service]);
      // Slack HTML-escapes command text; the bot decodes it to parse, and must escape it again to answer.
      const bad = await sendCommand(t.url, {
        text: 'status &lt;!channel&gt; &lt;https://evil.example|x&gt;',
        response_url: t.slack.responseUrl('bad'),
      });
      const body =
        (await bad.text()) ||
        JSON.stringify((await t.slack.waitFor(() => t.slack.responsesTo('bad')[0], 5000, 'the answer')).body);
      const answer = JSON.parse(body);
      expect(unsafeParts(answer)).toEqual([]);
      expect(JSON.stringify(answer)).not.toContain('<!channel>');
    } finally {
      await t.stop();
    }
  });

  it('/ecs query: result values and field names from Logs Insights', async () => {
    const fake = new FakeLogs().addCluster('prod');
    fake.when(() => true, {
      rows: [
        { [`name ${HOSTILE.channel}`]: HOSTILE.link, value: HOSTILE.fence },
        { [`name ${HOSTILE.channel}`]: HOSTILE.here, value: HOSTILE.mention },
      ],
    });
    const aws: AwsClients = { ...refusingAwsClients(), logs: fake.client };
    let now = Date.UTC(2025, 0, 2, 4, 0, 0);
    const t: TestBot = await startTestBot({
      aws,
      clock: { now: () => now },
      inject: {
        querySleep: async (ms: number) => {
          now += ms;
          await new Promise((r) => setImmediate(r));
        },
      },
    });
    try {
      const res = await sendCommand(t.url, {
        text: 'query "fields @message | limit 2" --cluster prod',
        response_url: t.slack.responseUrl('q'),
        channel_id: ALARM_CHANNEL,
      });
      expect(res.status).toBe(200);
      const final = await t.slack.waitFor(
        () => t.slack.messagesIn(ALARM_CHANNEL).find((m) => !m.thread_ts && m.text?.startsWith('Query ')),
        5000,
        'the query result',
      );
      expect(unsafeParts(slackView(final), { users: ['U0ALICE'] })).toEqual([]);
      expect(mrkdwnTexts(slackView(final)).join('\n')).toContain('&lt;!channel&gt;');
    } finally {
      await t.stop();
    }
  });

  it('a change request reason on the approval card', async () => {
    const lab = labWorld();
    lab.world.addInstance(lab.cluster, 't3.medium');
    const h = await startHarness({ lab });
    try {
      const id = await h.requestVia(
        `scale service EcsLabCluster/EcsLabApi 2 --reason "${HOSTILE_TEXT.replace(/"/g, '')}"`,
      );
      expectSafe([slackView(await h.card(id))], { users: [ALICE] });
      await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
      await h.settled(id, 'succeeded');
      expectSafe([slackView(await h.card(id))], { users: [ALICE, BOB] });
    } finally {
      await h.stop();
    }
  });
});
