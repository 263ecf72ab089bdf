import { startTestBot, type TestBot, TEST_BOT_TOKEN } from './helpers/test-bot';
import { commandBody, slackHeaders, TEST_SIGNING_SECRET } from './helpers/slack-sign';
import { TRANSPORTS } from './helpers/slack-transport';
import { escapeText } from '../src/slack/mrkdwn';

describe.each(TRANSPORTS)('slash commands over %s', (transport) => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ transport });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers /ecs help with every subcommand', async () => {
    const res = await t.transport.command({ text: 'help', response_url: t.slack.responseUrl() });
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('/ecs help');
    const section = body.blocks.find((b: any) => b.type === 'section');
    expect(section.text.text).toContain('`/ecs help`');
    for (const sub of t.bot.features.flatMap((f) => f.subcommands ?? []).filter((s) => !s.hidden)) {
      // The fallback is escaped like the blocks: `<preset>` arrives as `&lt;preset&gt;`.
      expect(body.text).toContain(escapeText(`/ecs ${sub.usage}`));
    }
    expect(body.text).not.toMatch(/<(?!!)[a-z]/);
  });

  it('answers a bare /ecs with the same help', async () => {
    const res = await t.transport.command({ text: '', response_url: t.slack.responseUrl() });
    expect(res.status).toBe(200);
    expect(res.body.text).toMatch(/^ECS ChatOps commands:/);
  });

  it('gives an unknown subcommand an ephemeral error that lists the subcommands', async () => {
    const res = await t.transport.command({ text: 'frobnicate now', response_url: t.slack.responseUrl() });
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('unknown subcommand "frobnicate"');
    expect(body.text).toContain('`help`');
  });
});

describe('the app over real HTTP', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('refuses a request signed with the wrong secret (401) and runs nothing', async () => {
    await t.slack.waitFor(() => t.slack.callsTo('auth.test').length > 0, 5000, "the bot's auth.test at start");
    const before = t.slack.calls.length;
    const body = commandBody({ text: 'help', response_url: t.slack.responseUrl() });
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      body,
      headers: slackHeaders(body, 'application/x-www-form-urlencoded', { secret: 'not-the-secret' }),
    });
    expect(res.status).toBe(401);
    expect(t.slack.calls.length).toBe(before);
  });

  it('refuses a timestamp older than 5 minutes', async () => {
    const body = commandBody({ text: 'help', response_url: t.slack.responseUrl() });
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      body,
      headers: slackHeaders(body, 'application/x-www-form-urlencoded', { ts: Math.floor(Date.now() / 1000) - 6 * 60 }),
    });
    expect(res.status).toBe(401);
  });

  it('refuses a body changed after signing', async () => {
    const body = commandBody({ text: 'help', response_url: t.slack.responseUrl() });
    const headers = slackHeaders(body, 'application/x-www-form-urlencoded');
    const res = await fetch(`${t.url}/slack/events`, { method: 'POST', body: body.replace('help', 'hélp'), headers });
    expect(res.status).toBe(401);
  });

  it('serves /healthz and /readyz', async () => {
    const h = await fetch(`${t.url}/healthz`);
    expect(h.status).toBe(200);
    expect((await h.json()) as any).toEqual({ status: 'ok' });
    const r = await fetch(`${t.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).store).toBe('sqlite');
  });

  it('never writes the bot token or signing secret to the logs', () => {
    expect(t.logs.lines.length).toBeGreaterThan(0);
    expect(t.logs.text).not.toContain(TEST_BOT_TOKEN);
    expect(t.logs.text).not.toContain(TEST_SIGNING_SECRET);
  });
});

describe('readiness when the store is gone', () => {
  it('turns /readyz to 503 once the store is closed', async () => {
    const t = await startTestBot();
    try {
      await t.store.close();
      const r = await fetch(`${t.url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).status).toBe('unavailable');
    } finally {
      await t.bot.app.stop().catch(() => undefined);
      await t.slack.stop();
    }
  });
});
