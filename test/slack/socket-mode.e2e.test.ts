import { FakeClock } from '../alarms/helpers';
import { eventually } from '../helpers/eventually';
import { startFakeSlack } from '../helpers/fake-slack';
import { metric } from '../helpers/prom';
import { commandBody, slackHeaders } from '../helpers/slack-sign';
import { ALARM_CHANNEL, startTestBot, type TestBot, TEST_APP_TOKEN, TEST_BOT_TOKEN } from '../helpers/test-bot';

const RECONNECTS = 'ecs_chatops_slack_socket_reconnects_total';

function mention(ts: string) {
  return { type: 'app_mention', user: 'U0ALICE', text: '<@UBOT> hi', ts, channel: ALARM_CHANNEL, event_ts: ts };
}

describe('Slack over Socket Mode', () => {
  let t: TestBot;
  afterEach(async () => {
    await t?.stop();
  });

  it('connects through apps.connections.open at SLACK_API_URL with the app token, without a signing secret', async () => {
    t = await startTestBot({ transport: 'socket' });
    expect(t.config.slack.signingSecret).toBeUndefined();
    const open = t.slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0].token).toBe(TEST_APP_TOKEN);
    expect(t.slack.socket.openConnections).toHaveLength(1);
    expect(await metric(t.url, 'ecs_chatops_slack_socket_connected')).toBe(1);
    expect(t.logs.text).not.toContain(TEST_APP_TOKEN);
    expect(t.logs.text).not.toContain(TEST_BOT_TOKEN);
  });

  it('serves health, readiness and metrics on PORT, and no Slack endpoint', async () => {
    t = await startTestBot({ transport: 'socket' });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).status).toBe('ready');
    const m = await fetch(`${t.url}/metrics`);
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('# TYPE ecs_chatops_slack_socket_reconnects_total counter');
    // A signed request to the HTTP endpoint finds nothing: Slack only talks over the socket.
    const body = commandBody({ text: 'help', response_url: t.slack.responseUrl() });
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      body,
      headers: slackHeaders(body, 'application/x-www-form-urlencoded'),
    });
    expect(res.status).toBe(404);
    expect(t.slack.socket.acks).toHaveLength(0);
  });

  it('reconnects at once when Slack sends disconnect, and nothing sent meanwhile is lost', async () => {
    t = await startTestBot({ transport: 'socket' });
    const socket = t.slack.socket;
    // In flight when Slack asks for a refresh: acked on the first connection, answered over HTTP after.
    const before = await t.transport.command({ text: 'help', response_url: t.slack.responseUrl('before') });
    expect(before.body.text).toContain('/ecs help');

    socket.disconnect('refresh_requested');
    // Slack holds what arrives until the bot has a new connection.
    const during = Promise.all([
      t.transport.command({ text: 'frobnicate', response_url: t.slack.responseUrl('during') }),
      t.transport.event(mention('1700000200.000100')),
      t.transport.event(mention('1700000201.000100')),
    ]);
    await socket.waitForConnection(2);
    const [cmd] = await during;
    expect(cmd.body.text).toContain('unknown subcommand "frobnicate"');

    await eventually(
      () =>
        t.slack.callsTo('chat.postMessage').filter((c) => /^170000020[01]/.test(String(c.args.thread_ts))).length === 2,
      'both mentions answered in their threads',
    );
    expect(socket.acks.map((a) => [a.type, a.connection])).toEqual([
      ['slash_commands', 1],
      ['slash_commands', 2],
      ['events_api', 2],
      ['events_api', 2],
    ]);
    expect(socket.tickets).toHaveLength(2);
    expect(t.slack.callsTo('apps.connections.open')).toHaveLength(2);
    expect(socket.openConnections.map((c) => c.id)).toEqual([2]);
    expect(socket.problems).toEqual([]);
    expect(await metric(t.url, RECONNECTS, { reason: 'server_disconnect' })).toBe(1);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    // Each mention was answered exactly once.
    const answers = t.slack.callsTo('chat.postMessage').map((c) => c.args.thread_ts);
    expect(answers.filter((x) => x === '1700000200.000100')).toHaveLength(1);
    expect(answers.filter((x) => x === '1700000201.000100')).toHaveLength(1);
  });

  it('backs off while Slack refuses new connections, reports not ready past the grace, and recovers', async () => {
    const clock = new FakeClock();
    t = await startTestBot({ transport: 'socket', clock, socket: { backoffMs: 20, maxBackoffMs: 200 } });
    const socket = t.slack.socket;
    t.slack.failNext(1000, { status: 500 }, 'apps.connections.open');
    socket.drop();
    await socket.waitForNoConnection();
    await eventually(
      () => t.slack.calls.filter((c) => c.method === 'apps.connections.open' && c.status === 500).length >= 3,
      'three refused attempts',
    );
    // Still within the grace: a short outage does not take the bot out of rotation.
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    clock.advance(31_000);
    const down = await fetch(`${t.url}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as any).reason).toMatch(/^Slack socket disconnected for 31s$/);
    expect(await metric(t.url, 'ecs_chatops_slack_socket_connected')).toBe(0);

    t.slack.clearFaults();
    await socket.waitForConnection(2);
    await eventually(async () => (await fetch(`${t.url}/readyz`)).status === 200, 'ready again');
    expect(await metric(t.url, RECONNECTS, { reason: 'connection_lost' })).toBe(1);
    expect(await metric(t.url, RECONNECTS, { reason: 'connect_failed' })).toBeGreaterThanOrEqual(2);
    const a = await t.transport.command({ text: 'help', response_url: t.slack.responseUrl() });
    expect(a.body.text).toContain('/ecs help');
    expect(socket.problems).toEqual([]);
  });

  it('stops cleanly: the bot closes its connection with a normal close', async () => {
    const slack = await startFakeSlack();
    try {
      t = await startTestBot({ transport: 'socket', slack });
      await t.stop();
      await slack.socket.waitForNoConnection();
      expect(slack.socket.connections.map((c) => c.closeCode)).toEqual([1000]);
      expect(t.bot.socket?.isConnected()).toBe(false);
      expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
    } finally {
      await slack.stop();
    }
  });
});
