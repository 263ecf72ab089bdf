import { TRANSPORTS } from '../helpers/slack-transport';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';

describe.each(TRANSPORTS)('@mentions over %s', (transport) => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ transport });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers a mention in its thread with how to use the bot, escaping what was said', async () => {
    const res = await t.transport.event({
      type: 'app_mention',
      user: 'U0ALICE',
      text: '<@UBOT> status <!channel>',
      ts: '1700000100.000100',
      channel: ALARM_CHANNEL,
      event_ts: '1700000100.000100',
    });
    expect(res.status).toBe(200);
    const post = await t.slack.waitFor(
      () => t.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === '1700000100.000100'),
      5000,
      'the answer',
    );
    expect(post.args.channel).toBe(ALARM_CHANNEL);
    expect(post.args.text).toContain('<@U0ALICE>');
    expect(post.args.text).toContain('`/ecs help`');
    expect(post.args.text).toContain('`/ecs status`');
    expect(post.args.text).not.toContain('<!channel>');
  });
});
