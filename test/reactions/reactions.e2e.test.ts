import {
  DeleteAlarmMuteRuleCommand,
  DescribeAlarmsCommand,
  GetMetricWidgetImageCommand,
  PutAlarmMuteRuleCommand,
} from '@aws-sdk/client-cloudwatch';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { ACTIONS } from '../../src/slack/actions';
import type { Incident } from '../../src/store/incidents';
import { eventually } from '../approvals/harness';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import type { StoredMessage } from '../helpers/fake-slack';
import { buttonClick, sendEvent, sendInteraction } from '../helpers/slack-sign';
import { TRANSPORTS, type TransportKind } from '../helpers/slack-transport';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const ALARM_NAME = 'lab-api-pending-tasks';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecs-alarms';

function reaction(kind: 'added' | 'removed', o: { user?: string; reaction: string; ts: string; channel?: string }) {
  return {
    type: `reaction_${kind}`,
    user: o.user ?? ALICE,
    reaction: o.reaction,
    item_user: 'UBOT',
    item: { type: 'message', channel: o.channel ?? ALARM_CHANNEL, ts: o.ts },
    event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
  };
}

/** Slack calls that change something a person sees. */
const WRITES = /^(chat\.|files\.|views\.|reactions\.add)/;

interface Lab {
  b: AlarmBot;
  card: StoredMessage;
  incident: () => Promise<Incident>;
  /** Sends a signed reaction event and waits until the bot has finished with it. */
  react(kind: 'added' | 'removed', o: { user?: string; reaction: string; ts: string; channel?: string }): Promise<void>;
  writes(): string[];
}

/**
 * Delivers what is due now (and what Slack pacing holds for a few seconds), but not later items such
 * as the re-render at the end of a silence, so the fake clock stays where the test put it.
 */
async function flush(b: AlarmBot): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await b.worker.runOnce();
    const soon = (await b.store.outbox.list())
      .map((x) => Math.max(x.availableAt, x.claimedUntil ?? 0))
      .filter((t) => t <= b.clock.now() + 5000);
    if (soon.length === 0) return;
    b.clock.set(Math.min(...soon));
  }
  throw new Error('outbox not flushed');
}

/** The app (Slack over `transport`, SNS over HTTP) with one alarm card posted from a signed SNS notification. */
async function labWithCard(
  o: {
    env?: Record<string, string>;
    cloudwatch?: (s: AwsClientStub<CloudWatchClient>) => void;
    transport?: TransportKind;
  } = {},
): Promise<Lab> {
  const b = await startAlarmBot({
    env: o.env,
    transport: o.transport,
    cloudwatch: (s) => {
      s.onAnyCommand().rejects(new Error('unexpected CloudWatch call'));
      s.on(GetMetricWidgetImageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      o.cloudwatch?.(s);
    },
  });
  const res = await b.notify(pendingTaskAlarm({ at: b.clock.now() - 1000, name: ALARM_NAME }));
  expect(res.status).toBe(200);
  await flush(b);
  const card = b.slack.messagesIn(ALARM_CHANNEL).find((m) => !m.thread_ts);
  if (!card) throw new Error('no alarm card was posted');
  const incident = async () => {
    const i = await b.store.incidentReactions.byCard(ALARM_CHANNEL, card.ts);
    if (!i) throw new Error('no incident for the card');
    return i;
  };
  let seen = 0;
  return {
    b,
    card,
    incident,
    async react(kind, r) {
      const res = await b.transport.event(reaction(kind, r));
      expect(res.status).toBe(200);
      seen += 1;
      const n = seen;
      // Every reaction ends in exactly one of these log lines (or none when its emoji is not mapped).
      await eventually(
        () =>
          b.logs
            .records()
            .filter((l) => l.msg === 'reaction applied' || l.msg === 'reaction ignored' || l.msg === 'reaction failed')
            .length >= n,
        `reaction ${n} to be handled`,
      );
      await flush(b);
    },
    writes: () => b.slack.calls.filter((c) => WRITES.test(c.method)).map((c) => c.method),
  };
}

function cardJson(b: AlarmBot, ts: string): string {
  const m = b.slack.messages.get(`${ALARM_CHANNEL}:${ts}`);
  return JSON.stringify([m?.blocks ?? [], m?.attachments ?? []]);
}

describe.each(TRANSPORTS)('reactions on an alarm card over %s', (transport) => {
  let lab: Lab;
  afterEach(async () => {
    await lab?.b.stop();
  });

  it(':eyes: acknowledges (who and when on the card); removing it undoes the acknowledgement', async () => {
    lab = await labWithCard({ transport });
    const { b, card } = lab;
    const at = b.clock.now();
    await lab.react('added', { reaction: 'eyes', ts: card.ts });
    const acked = await lab.incident();
    expect(acked.ackBy).toBe(ALICE);
    expect(acked.ackAt).toBe(at);
    expect(cardJson(b, card.ts)).toContain(`Acknowledged by <@${ALICE}>`);
    expect(b.slack.messages.get(`${ALARM_CHANNEL}:${card.ts}`)?.updates).toBeGreaterThanOrEqual(1);

    await lab.react('removed', { reaction: 'eyes', ts: card.ts });
    expect((await lab.incident()).ackBy).toBeUndefined();
    expect(cardJson(b, card.ts)).not.toContain('Acknowledged by');
    const audit = (await b.store.audit.latest(10)).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['alarm.ack', 'alarm.unack']));
  });

  it(':zzz: and :mute: silence for an hour; removing the reaction lifts the silence', async () => {
    lab = await labWithCard({ transport });
    const { b, card } = lab;
    const at = b.clock.now();
    await lab.react('added', { reaction: 'zzz', ts: card.ts });
    const silenced = await lab.incident();
    expect(silenced.silencedBy).toBe(ALICE);
    expect(silenced.silencedUntil).toBe(at + 3600_000);
    expect(cardJson(b, card.ts)).toContain('Silenced until');
    await lab.react('removed', { reaction: 'zzz', ts: card.ts });
    expect((await lab.incident()).silencedUntil).toBeUndefined();

    await lab.react('added', { reaction: 'mute', ts: card.ts, user: BOB });
    expect((await lab.incident()).silencedBy).toBe(BOB);
  });
});

describe('reactions on an alarm card', () => {
  let lab: Lab;
  afterEach(async () => {
    await lab?.b.stop();
  });

  it('keeps an acknowledgement when someone else removes their reaction', async () => {
    lab = await labWithCard();
    await lab.react('added', { reaction: 'eyes', ts: lab.card.ts, user: ALICE });
    await lab.react('removed', { reaction: 'eyes', ts: lab.card.ts, user: BOB });
    expect((await lab.incident()).ackBy).toBe(ALICE);
  });

  it(':white_check_mark: notes "handled by hand" on the card while the state stays ALARM', async () => {
    lab = await labWithCard();
    const { b, card } = lab;
    await lab.react('added', { reaction: 'white_check_mark', ts: card.ts });
    const inc = await lab.incident();
    expect(inc.state).toBe('ALARM');
    expect((await b.store.incidentReactions.mark(inc.id))?.userId).toBe(ALICE);
    const json = cardJson(b, card.ts);
    expect(json).toContain(`Handled by hand by <@${ALICE}>`);
    expect(json).toContain(':red_circle:');
    const thread = b.slack
      .repliesTo(ALARM_CHANNEL, card.ts)
      .map((m) => m.text ?? '')
      .join('\n');
    expect(thread).toContain('Marked as handled by hand');

    await lab.react('removed', { reaction: 'white_check_mark', ts: card.ts });
    expect(await b.store.incidentReactions.mark(inc.id)).toBeUndefined();
    expect(cardJson(b, card.ts)).not.toContain('Handled by hand');
  });

  it('honours a skin-tone suffix and a custom REACTIONS mapping', async () => {
    lab = await labWithCard({ env: { REACTIONS: 'raised_hand=ack' } });
    await lab.react('added', { reaction: 'eyes', ts: lab.card.ts });
    expect((await lab.incident()).ackBy).toBeUndefined();
    await lab.react('added', { reaction: 'raised_hand::skin-tone-3', ts: lab.card.ts });
    expect((await lab.incident()).ackBy).toBe(ALICE);
  });
});

describe('reactions on a reply in the card thread', () => {
  let lab: Lab;
  afterEach(async () => {
    await lab?.b.stop();
  });

  it('acts on the alarm of the thread, asking Slack once for the thread of a reply', async () => {
    lab = await labWithCard();
    const { b, card } = lab;
    const reply = '1700009999.000100';
    b.slack.on('conversations.replies', (args) => ({
      ok: true,
      messages: [{ ts: args.ts, thread_ts: card.ts, text: 'on it' }],
    }));
    await lab.react('added', { reaction: 'eyes', ts: reply });
    expect((await lab.incident()).ackBy).toBe(ALICE);
    expect(cardJson(b, card.ts)).toContain(`Acknowledged by <@${ALICE}>`);

    await lab.react('removed', { reaction: 'eyes', ts: reply });
    expect((await lab.incident()).ackBy).toBeUndefined();
    // The reply's thread was learnt once and remembered.
    expect(b.slack.callsTo('conversations.replies').map((c) => c.args.ts)).toEqual([reply]);
  });

  it("acts on a reply the bot posted in the card's thread without asking Slack", async () => {
    lab = await labWithCard();
    const { b, card } = lab;
    // The ALARM → OK change is posted as a timeline line in the card's thread.
    await b.notify(pendingTaskAlarm({ state: 'OK', at: b.clock.now(), name: ALARM_NAME }));
    await flush(b);
    const line = b.slack.repliesTo(ALARM_CHANNEL, card.ts).at(-1);
    if (!line) throw new Error('no thread reply was posted');
    await lab.react('added', { reaction: 'zzz', ts: line.ts });
    expect((await lab.incident()).silencedBy).toBe(ALICE);
    expect(b.slack.callsTo('conversations.replies')).toHaveLength(0);
  });
});

describe('reactions on other messages', () => {
  let lab: Lab;
  afterEach(async () => {
    await lab?.b.stop();
  });

  it('ignores a mapped reaction on an unrelated message: no Slack write, no change', async () => {
    lab = await labWithCard();
    const { b } = lab;
    b.slack.on('conversations.replies', (args) => ({ ok: true, messages: [{ ts: args.ts, text: 'lunch?' }] }));
    const before = lab.writes().length;
    const incBefore = await lab.incident();
    await lab.react('added', { reaction: 'eyes', ts: '1700005555.000200' });
    await lab.react('added', { reaction: 'zzz', ts: '1700005555.000200' });
    expect(lab.writes().length).toBe(before);
    expect(await lab.incident()).toEqual(incBefore);
    const ignored = b.logs
      .records()
      .filter((l) => l.msg === 'reaction ignored')
      .map((l) => l.why);
    expect(ignored).toEqual(['not-an-alarm-message', 'not-an-alarm-message']);
    // The second look-up of the same message was answered from the cache.
    expect(b.slack.callsTo('conversations.replies')).toHaveLength(1);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain('ecs_chatops_reactions_total{action="none",outcome="ignored:not-an-alarm-message"} 2');
  });

  it('does not even ask Slack about a message in a channel without alarm cards', async () => {
    lab = await labWithCard();
    const before = lab.writes().length;
    await lab.react('added', { reaction: 'eyes', ts: '1700005555.000300', channel: 'C0RANDOM' });
    expect(lab.b.slack.callsTo('conversations.replies')).toHaveLength(0);
    expect(lab.writes().length).toBe(before);
  });

  it('ignores an unmapped emoji on the card itself', async () => {
    lab = await labWithCard();
    const before = lab.writes().length;
    await lab.react('added', { reaction: 'tada', ts: lab.card.ts });
    expect((await lab.incident()).ackBy).toBeUndefined();
    expect(lab.writes().length).toBe(before);
  });

  it('refuses an unsigned reaction event (401) and changes nothing', async () => {
    lab = await labWithCard();
    const res = await sendEvent(lab.b.url, reaction('added', { reaction: 'eyes', ts: lab.card.ts }), {
      secret: 'wrong',
    });
    expect(res.status).toBe(401);
    expect((await lab.incident()).ackBy).toBeUndefined();
  });
});

describe('silence as a CloudWatch mute rule (ALARM_MUTE_RULES=true)', () => {
  let lab: Lab;
  afterEach(async () => {
    await lab?.b.stop();
  });

  const describeWith = (actions: string[]) => (s: AwsClientStub<CloudWatchClient>) => {
    s.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: ALARM_NAME,
          Namespace: 'ECS/ContainerInsights',
          MetricName: 'PendingTaskCount',
          StateValue: 'ALARM',
          AlarmActions: actions,
          OKActions: [TOPIC],
        },
      ],
    });
    s.on(PutAlarmMuteRuleCommand).resolves({});
    s.on(DeleteAlarmMuteRuleCommand).resolves({});
  };

  it('mutes an SNS-only alarm for the hour at once, and deletes the rule when the reaction goes', async () => {
    lab = await labWithCard({ env: { ALARM_MUTE_RULES: 'true' }, cloudwatch: describeWith([TOPIC]) });
    const { b, card } = lab;
    const now = b.clock.now();
    await lab.react('added', { reaction: 'zzz', ts: card.ts });
    const inc = await lab.incident();
    await eventually(async () => b.store.incidentReactions.muteRule(inc.id), 'the mute rule to be recorded');
    const puts = b.cloudwatch!.commandCalls(PutAlarmMuteRuleCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0].args[0].input;
    expect(input.MuteTargets).toEqual({ AlarmNames: [ALARM_NAME] });
    expect(input.Name).toBe(`ecs-chatops-silence-${inc.id}`);
    expect(input.Rule?.Schedule?.Expression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d\)$/);
    const start = Date.parse(`${/^at\((.*)\)$/.exec(input.Rule!.Schedule!.Expression!)![1]}:00Z`);
    expect(start).toBeGreaterThanOrEqual(now);
    expect(start - now).toBeLessThan(60_000);
    expect(input.Rule?.Schedule?.Duration).toMatch(/^PT(59|60)M$/);
    expect(b.slack.ephemerals).toHaveLength(0);

    await lab.react('removed', { reaction: 'zzz', ts: card.ts });
    await eventually(
      () => b.cloudwatch!.commandCalls(DeleteAlarmMuteRuleCommand).length === 1,
      'the mute rule to be deleted',
    );
    expect(b.cloudwatch!.commandCalls(DeleteAlarmMuteRuleCommand)[0].args[0].input).toEqual({
      AlarmMuteRuleName: `ecs-chatops-silence-${inc.id}`,
    });
    expect(await b.store.incidentReactions.muteRule(inc.id)).toBeUndefined();
    expect((await b.store.audit.latest(20)).map((a) => a.action)).toEqual(
      expect.arrayContaining(['alarm.mute', 'alarm.unmute']),
    );
  });

  it('asks first when the alarm also drives auto scaling, and mutes only once confirmed', async () => {
    const policy =
      'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:resource/ecs/service/lab/api:policyName/out';
    lab = await labWithCard({ env: { ALARM_MUTE_RULES: 'true' }, cloudwatch: describeWith([TOPIC, policy]) });
    const { b, card } = lab;
    await lab.react('added', { reaction: 'zzz', ts: card.ts });
    const question = await b.slack.waitFor(() => b.slack.ephemerals[0], 5000, 'the mute question');
    expect(question.args.user).toBe(ALICE);
    expect(JSON.stringify(question.args.blocks)).toContain('ECS service auto scaling policy');
    expect(b.cloudwatch!.commandCalls(PutAlarmMuteRuleCommand)).toHaveLength(0);
    const inc = await lab.incident();
    expect(inc.silencedBy).toBe(ALICE);

    const url = b.slack.responseUrl('mute1');
    await sendInteraction(
      b.url,
      buttonClick({
        actionId: ACTIONS.muteConfirm,
        value: JSON.stringify({ i: inc.id }),
        userId: ALICE,
        responseUrl: url,
      }),
    );
    const answer = await b.slack.waitFor(() => b.slack.responsesTo('mute1')[0], 5000, 'the mute answer');
    expect(answer.body.text).toContain('is muted in AWS until');
    expect(b.cloudwatch!.commandCalls(PutAlarmMuteRuleCommand)).toHaveLength(1);
  });

  it('keeps the silence in Slack only when the person chooses so', async () => {
    const policy =
      'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:resource/ecs/service/lab/api:policyName/out';
    lab = await labWithCard({ env: { ALARM_MUTE_RULES: 'true' }, cloudwatch: describeWith([policy]) });
    const { b, card } = lab;
    await lab.react('added', { reaction: 'zzz', ts: card.ts });
    await b.slack.waitFor(() => b.slack.ephemerals[0], 5000, 'the mute question');
    const inc = await lab.incident();
    await sendInteraction(
      b.url,
      buttonClick({
        actionId: ACTIONS.muteSkip,
        value: JSON.stringify({ i: inc.id }),
        userId: ALICE,
        responseUrl: b.slack.responseUrl('skip1'),
      }),
    );
    const answer = await b.slack.waitFor(() => b.slack.responsesTo('skip1')[0], 5000, 'the skip answer');
    expect(answer.body.text).toContain('stays silenced in Slack only');
    expect(b.cloudwatch!.commandCalls(PutAlarmMuteRuleCommand)).toHaveLength(0);
  });

  it('tells the person when AWS refuses the mute rule, and keeps the Slack silence', async () => {
    lab = await labWithCard({
      env: { ALARM_MUTE_RULES: 'true' },
      cloudwatch: (s) => {
        describeWith([TOPIC])(s);
        s.on(PutAlarmMuteRuleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
      },
    });
    await lab.react('added', { reaction: 'zzz', ts: lab.card.ts });
    const warn = await lab.b.slack.waitFor(() => lab.b.slack.ephemerals[0], 5000, 'the warning');
    expect(warn.args.text).toContain('could not be muted in AWS');
    expect(warn.args.text).toContain('cloudwatch:PutAlarmMuteRule');
    expect((await lab.incident()).silencedBy).toBe(ALICE);
  });
});
