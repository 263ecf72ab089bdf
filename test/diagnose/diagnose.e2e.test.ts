import { decodeValue } from '../../src/slack/actions';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { buttonClick, sendCommand, sendInteraction } from '../helpers/slack-sign';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';

const READ_ONLY = /^(Describe|List|Get)/;
const CARD_TS = '1700000042.000042';

describe('/ecs diagnose and the Diagnose button, over signed HTTP with the lab world', () => {
  let t: TestBot;
  let lab: ReturnType<typeof labWorld>;

  beforeEach(async () => {
    lab = labWorld();
    lab.raiseDesired(4);
    t = await startTestBot({
      aws: awsClientsFor(lab.world),
      clock: { now: () => lab.world.now },
      env: { ECS_DEFAULT_CLUSTER: 'EcsLabCluster' },
      noWorkers: true,
      inject: { diagnose: { watchIntervalMs: 30_000, instanceId: 'test-watcher' } },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  async function command(text: string) {
    const id = `r${Math.random().toString(36).slice(2)}`;
    const res = await sendCommand(t.url, { text, response_url: t.slack.responseUrl(id) });
    expect(res.status).toBe(200);
    const [reply] = await t.slack.waitFor(
      () => (t.slack.responsesTo(id).length ? t.slack.responsesTo(id) : undefined),
      5000,
      `reply to /ecs ${text}`,
    );
    return reply.body;
  }

  it('answers the lab only to the asker: insufficient memory, 4 instances, and two propose buttons; read-only', async () => {
    const body = await command('diagnose EcsLabCluster/EcsLabApi');
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/^Diagnosis of EcsLabCluster\/EcsLabApi: 1 of 4 tasks running/);
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain('insufficient memory');
    expect(blocks).toContain(
      'Each instance fits 1 task (memory: 512 MiB of 982 MiB), 4 tasks need 4 instances: scale the Auto Scaling group EcsLabAsg to 4 (max 1 → 4).',
    );
    const actions = body.blocks.find((b: any) => b.type === 'actions');
    expect(actions.elements.map((e: any) => decodeValue(e.value))).toEqual([
      expect.objectContaining({ a: 'scale-instances', c: 'EcsLabCluster', n: 4 }),
      expect.objectContaining({ a: 'scale-service', c: 'EcsLabCluster', s: 'EcsLabApi', n: 1 }),
    ]);
    expect(lab.world.calls.map((c) => c.op).filter((op) => !READ_ONLY.test(op))).toEqual([]);
    expect(lab.world.asgs.get('EcsLabAsg')).toMatchObject({ desired: 1, max: 1 });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('ecs_chatops_diagnoses_total{trigger="command",outcome="problem"} 1');
  });

  it('--public shares it in the channel; `cluster service`, the default cluster and the `why` alias work too', async () => {
    expect((await command('diagnose EcsLabCluster EcsLabApi --public')).response_type).toBe('in_channel');
    expect((await command('diagnose EcsLabApi')).text).toMatch(/^Diagnosis of EcsLabCluster\/EcsLabApi/);
    expect((await command('why EcsLabCluster/EcsLabApi')).text).toMatch(/^Diagnosis of EcsLabCluster\/EcsLabApi/);
  });

  it('a healthy service: says so and recommends nothing', async () => {
    lab.world.updateServiceDesired(lab.cluster, lab.service, 1);
    lab.world.settle();
    const body = await command('diagnose EcsLabCluster/EcsLabApi');
    expect(body.text).toMatch(/Looks healthy: 1 of 1 tasks running\. Nothing to do\.$/);
    expect(body.blocks.some((b: any) => b.type === 'actions')).toBe(false);
  });

  it('an unknown service: an ephemeral error with the closest names', async () => {
    const body = await command('diagnose EcsLabCluster/EcsLabAp');
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/service "EcsLabAp" does not exist in cluster "EcsLabCluster"/);
    expect(body.text).toContain('Did you mean: `EcsLabApi`');
    expect(await (await fetch(`${t.url}/metrics`)).text()).toContain(
      'ecs_chatops_diagnoses_total{trigger="command",outcome="refused"} 1',
    );
  });

  it('bad arguments: the problem and the usage line', async () => {
    const body = await command('diagnose a/b/c');
    expect(body.text).toMatch(/more than one "\/"/);
    expect(body.text).toContain(
      'Usage: `/ecs diagnose &lt;cluster&gt;/&lt;service&gt; [--account NAME] [--region REGION] [--public]`',
    );
  });

  it('the Diagnose button posts the diagnosis in the card’s thread for everyone', async () => {
    const rid = 'diag1';
    const res = await sendInteraction(
      t.url,
      buttonClick({
        actionId: 'alarm.diagnose',
        value: JSON.stringify({ k: 'inc1', c: 'EcsLabCluster', s: 'EcsLabApi' }),
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl(rid),
        userId: 'U0BOB',
      }),
    );
    expect(res.status).toBe(200);
    const [reply] = await t.slack.waitFor(
      () => {
        const r = t.slack.repliesTo(ALARM_CHANNEL, CARD_TS);
        return r.length ? r : undefined;
      },
      5000,
      'diagnosis in the thread',
    );
    expect(reply.text).toMatch(/^Diagnosis of EcsLabCluster\/EcsLabApi/);
    const s = JSON.stringify(reply.blocks);
    expect(s).toContain('insufficient memory');
    expect(s).toContain('asked by <@U0BOB>');
    const actions = reply.blocks!.find((b: any) => b.type === 'actions');
    // The propose buttons send the approval card to the same thread.
    expect(decodeValue(actions.elements[0].value)).toMatchObject({ a: 'scale-instances', n: 4, t: CARD_TS });
    expect(t.slack.responsesTo(rid)).toEqual([]);
  });

  const watcher = () =>
    t.bot.features.find((f) => f.name === 'diagnose')!.workers!.find((w) => w.name === 'diagnosis-watcher')!;
  const thread = () => t.slack.repliesTo(ALARM_CHANNEL, CARD_TS).map((m) => m.text ?? '');

  async function clickDiagnose() {
    await sendInteraction(
      t.url,
      buttonClick({
        actionId: 'alarm.diagnose',
        value: JSON.stringify({ k: 'inc1', c: 'EcsLabCluster', s: 'EcsLabApi' }),
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl(),
      }),
    );
    await t.slack.waitFor(() => thread().length > 0, 5000, 'the diagnosis');
    // The watch is stored right after the post.
    for (
      let i = 0;
      i < 500 && !(await t.store.diagnosisWatches.get(`${ALARM_CHANNEL}:${CARD_TS}:EcsLabCluster/EcsLabApi`));
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
  }

  it('watches a short service after the diagnosis and says in the thread when it runs its desired count again', async () => {
    await clickDiagnose();
    expect(JSON.stringify(t.slack.repliesTo(ALARM_CHANNEL, CARD_TS)[0].blocks)).toContain(
      'The bot watches this service',
    );
    expect(await watcher().runOnce()).toBe(0); // not due yet
    lab.world.tick(30_000);
    expect(await watcher().runOnce()).toBe(1);
    expect(thread()).toHaveLength(1); // still short: nothing said
    // Whatever fixes it (here: someone scales the service back in the console), the thread hears.
    lab.world.updateServiceDesired(lab.cluster, lab.service, 1);
    lab.world.settle();
    expect(await watcher().runOnce()).toBe(1);
    expect(thread()[1]).toMatch(
      /^:white_check_mark: `EcsLabCluster\/EcsLabApi` is back to its desired count: 1 of 1 task running \(\d+ min after the diagnosis\)\.$/,
    );
    lab.world.tick(3_600_000);
    expect(await watcher().runOnce()).toBe(0);
    expect(thread()).toHaveLength(2);
    expect(lab.world.calls.map((c) => c.op).filter((op) => !READ_ONLY.test(op))).toEqual([]);
  });

  it('stops watching after two hours, saying the service is still short', async () => {
    await clickDiagnose();
    lab.world.tick(2 * 3_600_000 + 1);
    expect(await watcher().runOnce()).toBe(1);
    expect(thread()[1]).toMatch(
      /^:hourglass: `EcsLabCluster\/EcsLabApi` is still short after 2 h: 1 of 4 tasks running, 3 pending\. The bot stops watching/,
    );
    expect((await t.store.diagnosisWatches.get(`${ALARM_CHANNEL}:${CARD_TS}:EcsLabCluster/EcsLabApi`))!.status).toBe(
      'expired',
    );
  });

  it('does not watch a healthy service', async () => {
    lab.world.updateServiceDesired(lab.cluster, lab.service, 1);
    lab.world.settle();
    await sendInteraction(
      t.url,
      buttonClick({
        actionId: 'alarm.diagnose',
        value: JSON.stringify({ k: 'inc1', c: 'EcsLabCluster', s: 'EcsLabApi' }),
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl(),
      }),
    );
    await t.slack.waitFor(() => thread().length > 0, 5000, 'the diagnosis');
    await t.bot.stop(); // waits for the click's work to finish
    expect(JSON.stringify(t.slack.repliesTo(ALARM_CHANNEL, CARD_TS)[0].blocks)).not.toContain(
      'The bot watches this service',
    );
    expect(t.logs.text).toContain('diagnosis done');
    expect(t.logs.text).not.toContain('watching the service in the thread');
  });

  it('a double click posts one diagnosis and tells the second clicker where it is', async () => {
    const click = (user: string, rid: string) =>
      sendInteraction(
        t.url,
        buttonClick({
          actionId: 'alarm.diagnose',
          value: JSON.stringify({ k: 'inc1', c: 'EcsLabCluster', s: 'EcsLabApi' }),
          messageTs: CARD_TS,
          responseUrl: t.slack.responseUrl(rid),
          userId: user,
        }),
      );
    await Promise.all([click('U0BOB', 'd1'), click('U0CAROL', 'd2')]);
    const [pointer] = await t.slack.waitFor(
      () => {
        const r = [...t.slack.responsesTo('d1'), ...t.slack.responsesTo('d2')];
        return r.length ? r : undefined;
      },
      5000,
      'the second clicker’s pointer',
    );
    expect(pointer.body.response_type).toBe('ephemeral');
    expect(pointer.body.text).toMatch(/asked for this diagnosis moments ago: it is in the thread/);
    await t.slack.waitFor(() => t.slack.repliesTo(ALARM_CHANNEL, CARD_TS).length > 0, 5000, 'the diagnosis');
    await t.bot.stop();
    expect(t.slack.repliesTo(ALARM_CHANNEL, CARD_TS)).toHaveLength(1);
  });

  it('when the thread post is refused, the clicker still gets the diagnosis', async () => {
    t.slack.failNext(1, { error: 'not_in_channel' }, 'chat.postMessage');
    await sendInteraction(
      t.url,
      buttonClick({
        actionId: 'alarm.diagnose',
        value: JSON.stringify({ k: 'i', c: 'EcsLabCluster', s: 'EcsLabApi' }),
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl('fb'),
      }),
    );
    const [r] = await t.slack.waitFor(
      () => (t.slack.responsesTo('fb').length ? t.slack.responsesTo('fb') : undefined),
      5000,
      'fallback reply',
    );
    expect(r.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(r.body.text).toMatch(/^Diagnosis of EcsLabCluster\/EcsLabApi/);
  });

  it.each([
    ['a malformed value', 'not json', /this button is malformed; it names no valid cluster or service/],
    [
      'an alarm without a service',
      JSON.stringify({ k: 'i', c: 'EcsLabCluster' }),
      /names no ECS service \(only cluster `EcsLabCluster`\).*\/ecs diagnose EcsLabCluster\/&lt;service&gt;/,
    ],
    [
      'a service that is gone',
      JSON.stringify({ k: 'i', c: 'EcsLabCluster', s: 'Gone' }),
      /service "Gone" does not exist/,
    ],
  ])('answers %s to the clicker alone', async (_label, value, message) => {
    const rid = `x${Math.random().toString(36).slice(2)}`;
    await sendInteraction(
      t.url,
      buttonClick({ actionId: 'alarm.diagnose', value, messageTs: CARD_TS, responseUrl: t.slack.responseUrl(rid) }),
    );
    const [r] = await t.slack.waitFor(
      () => (t.slack.responsesTo(rid).length ? t.slack.responsesTo(rid) : undefined),
      5000,
      'ephemeral reply',
    );
    expect(r.body.response_type).toBe('ephemeral');
    expect(r.body.text).toMatch(message);
    expect(t.slack.repliesTo(ALARM_CHANNEL, CARD_TS)).toEqual([]);
  });
});
