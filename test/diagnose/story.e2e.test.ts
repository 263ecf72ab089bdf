import { ACTIONS, decodeValue } from '../../src/slack/actions';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import type { StoredMessage } from '../helpers/fake-slack';
import { buttonClick, sendInteraction } from '../helpers/slack-sign';
import { postSns, SnsSigner, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { blocksOf, buttonsIn, deliverCards, worker } from './story-helpers';

/**
 * The signature story, end to end over real HTTP: the Container Insights lab's PendingTaskCount alarm
 * arrives signed over SNS, becomes a card, Diagnose explains it and recommends 4 instances, the
 * recommended change is requested and approved by someone else, the Auto Scaling group is updated
 * once, the world places the pending tasks as instances arrive, the thread hears that the service
 * runs its desired count again, and the OK notification turns the card green. No timers decide
 * anything: workers are driven by hand and the clock is the world's.
 */

const ALICE = 'U0ALICE'; // on call: clicks Diagnose and requests the fix
const BOB = 'U0BOB'; // approver

const thread = (t: TestBot, ts: string) => t.slack.repliesTo(ALARM_CHANNEL, ts);
const texts = (ms: StoredMessage[]) => ms.map((m) => m.text ?? '');

describe('the story: from alarm to fix', () => {
  let t: TestBot;
  let lab: ReturnType<typeof labWorld>;
  let signer: SnsSigner;

  beforeAll(async () => {
    signer = await SnsSigner.create();
  });

  beforeEach(async () => {
    lab = labWorld();
    // What the operator did in the lab: 4 tasks of 512 MiB on one 1 GiB instance. Three stay PENDING.
    lab.raiseDesired(4);
    lab.world.tick(60_000);
    t = await startTestBot({
      aws: awsClientsFor(lab.world),
      clock: { now: () => lab.world.now },
      env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, APPROVERS: BOB },
      noWorkers: true,
      inject: {
        fetchCertificate: signer.fetchCertificate,
        approvals: { pollIntervalMs: 15_000, instanceId: 'story-follower' },
        diagnose: { watchIntervalMs: 30_000, instanceId: 'story-watcher' },
      },
    });
  });

  afterEach(async () => {
    await t.stop();
  });

  async function click(
    actionId: string,
    value: string,
    user: string,
    message: { ts: string; thread_ts?: string },
  ): Promise<void> {
    const res = await sendInteraction(
      t.url,
      buttonClick({
        actionId,
        value,
        userId: user,
        channelId: ALARM_CHANNEL,
        messageTs: message.ts,
        responseUrl: t.slack.responseUrl(),
        message: { type: 'message', ...message },
      }),
    );
    expect(res.status).toBe(200);
  }

  it('alarm → card → Diagnose → 4 instances recommended → requested, approved → group updated once → tasks placed → back to desired → card green', async () => {
    // 1. The signed PendingTaskCount ALARM arrives over SNS and becomes a card.
    const alarm = pendingTaskAlarm({
      name: 'EcsLabApi-PendingTaskCount',
      cluster: lab.cluster,
      service: lab.service,
      at: lab.world.now - 30_000,
      value: 3,
    });
    const res = await postSns(t.url, signer.envelope({ message: alarm, timestamp: lab.world.now }));
    expect(res.status).toBe(200);
    await deliverCards(t, lab.world);
    const cards = t.slack.messagesIn(ALARM_CHANNEL).filter((m) => !m.thread_ts);
    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(blocksOf(card)).toContain('ALARM · EcsLabApi-PendingTaskCount');

    // 2. On call clicks Diagnose: the diagnosis lands in the card's thread for everyone.
    const diagnose = buttonsIn(card).find((b: any) => b.action_id === ACTIONS.alarmDiagnose);
    expect(decodeValue(diagnose.value)).toMatchObject({ c: 'EcsLabCluster', s: 'EcsLabApi' });
    await click(ACTIONS.alarmDiagnose, diagnose.value, ALICE, { ts: card.ts });
    const diagnosis = await t.slack.waitFor(
      () => thread(t, card.ts).find((m) => (m.text ?? '').startsWith('Diagnosis of')),
      8000,
      'the diagnosis',
    );
    const d = blocksOf(diagnosis);
    expect(d).toContain('1 of 4 tasks running, 3 tasks short');
    expect(d).toContain('ECS could not place tasks: insufficient memory');
    expect(d).toContain(
      'Each instance fits 1 task (memory: 512 MiB of 982 MiB); 4 tasks need 4 instances, the cluster has 1',
    );
    expect(d).toContain(
      '*Recommendation:* Each instance fits 1 task (memory: 512 MiB of 982 MiB), 4 tasks need 4 instances: scale the Auto Scaling group EcsLabAsg to 4 (max 1 → 4).',
    );
    const [scaleUp, scaleBack] = buttonsIn(diagnosis);
    expect(decodeValue(scaleUp.value)).toMatchObject({ a: 'scale-instances', c: 'EcsLabCluster', n: 4, t: card.ts });
    expect(decodeValue(scaleBack.value)).toMatchObject({ a: 'scale-service', s: 'EcsLabApi', n: 1 });
    // Diagnosing changed nothing.
    expect(lab.world.calls.filter((c) => !/^(Describe|List|Get)/.test(c.op))).toEqual([]);

    // 3. Alice requests the recommended scale; the approval card appears in the same thread.
    await click(scaleUp.action_id, scaleUp.value, ALICE, { ts: diagnosis.ts, thread_ts: card.ts });
    const approvalCard = await t.slack.waitFor(
      () => thread(t, card.ts).find((m) => buttonsIn(m).some((b: any) => b.action_id === ACTIONS.changeApprove)),
      8000,
      'the approval card',
    );
    expect(blocksOf(approvalCard)).toContain('Max size is raised from 1 to 4 so the desired capacity fits');
    expect(lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);

    // 4. Bob, an approver, approves: the group is updated exactly once, desired and max to 4.
    const approve = buttonsIn(approvalCard).find((b: any) => b.action_id === ACTIONS.changeApprove);
    const requestId = (decodeValue(approve.value) as { id: string }).id;
    await click(ACTIONS.changeApprove, approve.value, BOB, { ts: approvalCard.ts, thread_ts: card.ts });
    await t.slack.waitFor(
      () => texts(thread(t, card.ts)).some((x) => x.includes('Following the rollout')),
      8000,
      'the rollout start line',
    );
    const request = await t.store.changeRequests.get(requestId);
    expect(request).toMatchObject({ status: 'succeeded', requestedBy: ALICE, decidedBy: BOB });
    const updates = lab.world.callsTo('UpdateAutoScalingGroup');
    expect(updates).toHaveLength(1);
    expect(updates[0].input).toEqual({ AutoScalingGroupName: 'EcsLabAsg', DesiredCapacity: 4, MaxSize: 4 });

    // 5. The world launches the instances; the scheduler places the pending tasks as they register.
    const follower = worker(t, 'approvals', 'rollout-follower');
    const watcher = worker(t, 'diagnose', 'diagnosis-watcher');
    lab.world.tick(); // instances launching
    expect(lab.world.counts(lab.cluster, lab.service).running).toBe(1);
    lab.world.tick(); // in service, registered, tasks placed
    lab.world.settle();
    expect(lab.world.counts(lab.cluster, lab.service)).toEqual({ desired: 4, running: 4, pending: 0 });
    expect(lab.world.instancesOf(lab.cluster)).toHaveLength(4);
    await follower.runOnce();
    await watcher.runOnce();

    // 6. The thread hears it: the rollout reached, and the service runs its desired count again.
    const lines = texts(thread(t, card.ts));
    expect(
      lines.some((x) => /Reached: .*4\/4 instances in service · 4 registered in the cluster · 0 tasks pending/.test(x)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^:white_check_mark: `EcsLabCluster\/EcsLabApi` is back to its desired count: 4 of 4 tasks running \(\d+ min after the diagnosis\)\.$/,
    );

    // 7. CloudWatch sends OK: the card turns green.
    const ok = pendingTaskAlarm({
      name: 'EcsLabApi-PendingTaskCount',
      cluster: lab.cluster,
      service: lab.service,
      state: 'OK',
      at: lab.world.now,
      value: 0,
    });
    expect((await postSns(t.url, signer.envelope({ message: ok, timestamp: lab.world.now }))).status).toBe(200);
    await deliverCards(t, lab.world);
    const green = t.slack.messages.get(`${ALARM_CHANNEL}:${card.ts}`)!;
    expect(green.blocks!.find((b: any) => b.type === 'header').text.text).toBe(
      ':large_green_circle: OK · EcsLabApi-PendingTaskCount',
    );
    expect(green.attachments?.[0].color).toBe('#2EB67D');
    expect(texts(thread(t, card.ts)).at(-1)).toContain('OK: PendingTaskCount is back to 0');

    // Nothing but the approved change touched AWS, and it is audited with who asked and who approved.
    expect(lab.world.calls.filter((c) => !/^(Describe|List|Get)/.test(c.op)).map((c) => c.op)).toEqual([
      'UpdateAutoScalingGroup',
    ]);
    const audit = await t.store.audit.forRequest(requestId);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[1]).toMatchObject({ actor: ALICE, approver: BOB });
  });
});
