import { ACTIONS } from '../../src/slack/actions';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import type { SlackAnswer } from '../helpers/slack-transport';
import { buttonClick } from '../helpers/slack-sign';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { HOSTILE, mrkdwnTexts, unsafeParts } from './safe-mrkdwn';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const MALLORY = 'U0MALLORY';
const USERS = { users: [ALICE, BOB, MALLORY] };

type Msg = { text?: unknown; blocks?: unknown; attachments?: unknown };

/**
 * Everything the bot said to Slack, as Slack would read it: every Web API call's `text`, blocks and
 * attachments (a published view's blocks too), every response_url post, and every ack body.
 */
function everythingSaid(t: AlarmBot, acks: SlackAnswer[]): { where: string; msg: Msg }[] {
  const out: { where: string; msg: Msg }[] = [];
  for (const c of t.slack.calls) {
    const a = c.args;
    if (a.text !== undefined || a.blocks !== undefined || a.attachments !== undefined)
      out.push({ where: c.method, msg: { text: a.text, blocks: a.blocks, attachments: a.attachments } });
    if (a.view && typeof a.view === 'object') out.push({ where: `${c.method} view`, msg: { blocks: a.view.blocks } });
  }
  for (const r of t.slack.responses) out.push({ where: `response_url ${r.id}`, msg: r.body });
  for (const [i, a] of acks.entries())
    if (a.body && typeof a.body === 'object') out.push({ where: `ack ${i}`, msg: a.body });
  return out;
}

/**
 * One alarm whose name carries a channel ping, a disguised link, mentions and bidi controls, followed
 * through every reply it leads to: its card, the Scale… ephemeral answer (whose `text` once carried the
 * name raw), a propose click, a refused approve click, and commands quoting hostile text. No `text`
 * fallback, block or attachment may hold a control sequence the bot did not build, a bare @channel,
 * a bidi control or a stray invisible character.
 */
describe('escaped text fallbacks', () => {
  let t: AlarmBot;
  let lab: ReturnType<typeof labWorld>;
  const acks: SlackAnswer[] = [];
  const name = `EcsLabApi-pending ${HOSTILE.channel} ${HOSTILE.link} ${HOSTILE.mention} ${HOSTILE.bidi}`;

  beforeAll(async () => {
    lab = labWorld();
    lab.raiseDesired(4);
    t = await startAlarmBot({ aws: awsClientsFor(lab.world), env: { APPROVERS: BOB } });
    await t.slack.waitFor(() => t.slack.calls.some((c) => c.method === 'auth.test'), 5000, 'the start-up auth.test');
  });
  afterAll(async () => {
    await t.stop();
  });

  const click = async (actionId: string, value: string, userId: string, responseId: string, messageTs?: string) => {
    const ack = await t.transport.interaction(
      buttonClick({
        actionId,
        value,
        userId,
        channelId: ALARM_CHANNEL,
        messageTs,
        responseUrl: t.slack.responseUrl(responseId),
      }),
    );
    acks.push(ack);
    expect(ack.status).toBe(200);
    return (await t.slack.waitFor(() => t.slack.responsesTo(responseId)[0], 8000, `the reply to ${actionId}`)).body;
  };
  const command = async (text: string, responseId: string) => {
    const ack = await t.transport.command({ text, user_id: ALICE, response_url: t.slack.responseUrl(responseId) });
    acks.push(ack);
    expect(ack.status).toBe(200);
    if (ack.body?.text) return ack.body;
    return (await t.slack.waitFor(() => t.slack.responsesTo(responseId)[0], 8000, `the answer to /ecs ${text}`)).body;
  };

  it('the card, the Scale… answer, a proposal, a refused approval and command answers are all safe', async () => {
    const alarm = pendingTaskAlarm({ name, cluster: lab.cluster, service: lab.service, at: t.clock.now() - 1000 });
    expect((await t.notify(alarm)).status).toBe(200);
    await t.drain();
    const card = t.slack.messagesIn(ALARM_CHANNEL).find((m) => !m.thread_ts);
    expect(card).toBeDefined();
    const buttons = (card!.blocks ?? []).flatMap((b: any) => (b.type === 'actions' ? b.elements : []));
    const scale = buttons.find((b: any) => b.action_id === ACTIONS.alarmScale);
    expect(scale).toBeDefined();

    const scaleReply = await click(ACTIONS.alarmScale, scale.value, ALICE, 'scale', card!.ts);
    // The alarm name is in the reply (as the reason of the suggested requests), escaped in its text too.
    expect(scaleReply.text).toContain('&lt;!channel&gt;');
    const propose = scaleReply.blocks
      .flatMap((b: any) => (b.type === 'actions' ? b.elements : []))
      .find((b: any) => String(b.action_id).startsWith(ACTIONS.changePropose));
    expect(propose).toBeDefined();

    const posted = await click(propose.action_id, propose.value, ALICE, 'propose', card!.ts);
    expect(posted.text).toContain('Requested');
    const [request] = await t.store.changeRequests.list();
    expect(request.reason).toContain('<!channel>'); // kept as written; escaped only where it is shown
    await click(ACTIONS.changeApprove, JSON.stringify({ id: request.id }), MALLORY, 'mallory');

    await command('help', 'help');
    await command(`status ${HOSTILE.channel.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`, 'status');
    await command(`scale service ${lab.cluster}/${lab.service} 2 --reason "${HOSTILE.link}"`, 'reason');
    await command(`logs &lt;@U0BOSS&gt; --since ${HOSTILE.bidi}`, 'usage');

    const said = everythingSaid(t, acks);
    expect(said.length).toBeGreaterThan(8);
    const problems = said
      .map(({ where, msg }) => ({ where, parts: unsafeParts(msg as Record<string, unknown>, USERS) }))
      .filter((x) => x.parts.length > 0);
    expect(problems).toEqual([]);
    // Every top-level text the bot sent is a string Slack reads as mrkdwn: checked above with the blocks.
    const fallbacks = said.map(({ msg }) => msg.text).filter((x): x is string => typeof x === 'string');
    expect(fallbacks.length).toBeGreaterThan(5);
    for (const text of fallbacks) {
      expect(text).not.toMatch(/<!channel>|<!here>|<!subteam|<https?:\/\/evil|<@U0BOSS>|<#C/);
      expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    }
    // Shown, escaped, not dropped.
    expect(said.flatMap(({ msg }) => mrkdwnTexts(msg as Record<string, unknown>)).join('\n')).toContain('gnp.exe');
  });
});
