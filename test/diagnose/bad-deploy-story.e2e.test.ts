import fs from 'node:fs';
import path from 'node:path';
import { ACTIONS, decodeValue } from '../../src/slack/actions';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import type { StoredMessage } from '../helpers/fake-slack';
import { FakeLogs } from '../helpers/fake-logs';
import { buttonClick, sendCommand, sendInteraction } from '../helpers/slack-sign';
import { postSns, SnsSigner, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { ALARM_CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot';
import { unsafeParts } from '../hostile/safe-mrkdwn';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { blocksOf, buttonsIn, deliverCards, worker } from './story-helpers';

/**
 * The second story, end to end over real HTTP: a new revision of EcsLabApi crashes at start. Its
 * error-log alarm arrives signed over SNS and becomes a card; Logs shows what the container said;
 * Diagnose finds that the new revision fails where the previous one ran steady and recommends the
 * rollback; one click requests it, another person approves, the bot deploys the previous revision
 * once, follows it to completion, and the OK notification turns the card green. Workers are driven by
 * hand and the clock is the world's.
 */

const ALICE = 'U0ALICE'; // on call
const BOB = 'U0BOB'; // approver
const MIN = 60_000;
const GROUP = '/ecs/EcsLabApi';
const CRASH = 'FATAL config: DATABASE_URL is not set';

const thread = (t: TestBot, ts: string) => t.slack.repliesTo(ALARM_CHANNEL, ts);
const texts = (ms: StoredMessage[]) => ms.map((m) => m.text ?? '');
const mutations = (lab: ReturnType<typeof labWorld>) =>
  lab.world.calls.filter((c) => !/^(Describe|List|Get|Filter)/.test(c.op));

/** The error-log alarm on the service: a metric filter counting ERROR and FATAL lines. */
function errorAlarm(o: { state?: string; at: number }) {
  const a = pendingTaskAlarm({
    name: 'EcsLabApi-ErrorLogs',
    cluster: 'EcsLabCluster',
    service: 'EcsLabApi',
    state: o.state,
    at: o.at,
    value: o.state === 'OK' ? 0 : 3,
  });
  return {
    ...a,
    AlarmDescription: 'ERROR or FATAL lines in the logs of EcsLabCluster/EcsLabApi',
    Trigger: { ...a.Trigger, MetricName: 'ErrorLines', Namespace: 'EcsLab/Logs', Statistic: 'SUM' },
  };
}

/**
 * The lab, with room for a replacement task beside the running one, and the release that breaks it:
 * EcsLabApi:2 (a new image, logging to CloudWatch Logs) whose container exits 1 at start. The circuit
 * breaker stops the deployment after 3 failed tasks and, with rollback off, leaves it to people.
 */
function badRelease() {
  const lab = labWorld();
  const w = lab.world;
  w.addInstance(lab.cluster, 't3.medium');
  const v1 = w.taskDefs.get('EcsLabApi:1')!;
  w.registerTaskDef({
    ...v1,
    revision: undefined,
    containers: [
      {
        ...v1.containers[0],
        image: 'example/ecs-lab-api:2.0.0',
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': GROUP, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'lab' },
        },
      },
    ],
  });
  w.service(lab.cluster, lab.service).circuitBreaker = { enable: true, rollback: false };
  w.markBad('EcsLabApi:2');
  const logs = new FakeLogs();
  logs.addGroup(GROUP);
  w.tick(MIN);
  w.updateServiceTaskDef(lab.cluster, lab.service, 'EcsLabApi:2');
  for (let i = 0; i < 6; i++) w.tick(MIN);
  // What each crashed container wrote before it exited.
  for (const task of w.tasksOf(lab.cluster, lab.service).filter((x) => x.taskDef === 'EcsLabApi:2'))
    logs.put(GROUP, `lab/api/${task.id}`, [
      { at: task.startedAt!, message: 'starting ecs-lab-api 2.0.0' },
      { at: task.startedAt!, message: CRASH },
    ]);
  return { lab, logs };
}

describe('the second story: a bad deploy, rolled back with one approved click', () => {
  let t: TestBot;
  let lab: ReturnType<typeof labWorld>;
  let signer: SnsSigner;

  beforeAll(async () => {
    signer = await SnsSigner.create();
  });

  beforeEach(async () => {
    const release = badRelease();
    lab = release.lab;
    t = await startTestBot({
      aws: awsClientsFor(lab.world, { logs: release.logs.client }),
      clock: { now: () => lab.world.now },
      env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN, APPROVERS: BOB },
      noWorkers: true,
      inject: {
        fetchCertificate: signer.fetchCertificate,
        approvals: { pollIntervalMs: 15_000, instanceId: 'story2-follower' },
        diagnose: { watchIntervalMs: 30_000, instanceId: 'story2-watcher' },
      },
    });
  });

  afterEach(async () => {
    await t.stop();
  });

  /** Clicks a button; resolves with the ephemeral answer when one is expected. */
  async function click(
    button: { action_id: string; value: string },
    user: string,
    message: { ts: string; thread_ts?: string },
    o: { answer?: boolean } = {},
  ): Promise<any> {
    const id = `click-${Math.random().toString(36).slice(2)}`;
    const res = await sendInteraction(
      t.url,
      buttonClick({
        actionId: button.action_id,
        value: button.value,
        userId: user,
        channelId: ALARM_CHANNEL,
        messageTs: message.ts,
        responseUrl: t.slack.responseUrl(id),
        message: { type: 'message', ...message },
      }),
    );
    expect(res.status).toBe(200);
    if (!o.answer) return undefined;
    return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 8000, `the answer to ${button.action_id}`)).body;
  }

  it('alarm → Logs → Diagnose recommends the rollback → requested, approved → deployed once → followed → card green', async () => {
    const w = lab.world;
    const svc = w.service(lab.cluster, lab.service);
    expect(svc.deployments.map((d) => [d.taskDef, d.status, d.rolloutState])).toEqual([
      ['EcsLabApi:2', 'PRIMARY', 'FAILED'],
      ['EcsLabApi:1', 'ACTIVE', 'COMPLETED'],
    ]);

    // 1. The error-log alarm arrives signed over SNS and becomes a card.
    const alarmAt = w.now - 30_000;
    const res = await postSns(t.url, signer.envelope({ message: errorAlarm({ at: alarmAt }), timestamp: w.now }));
    expect(res.status).toBe(200);
    await deliverCards(t, lab.world);
    const [card] = t.slack.messagesIn(ALARM_CHANNEL).filter((m) => !m.thread_ts);
    expect(blocksOf(card)).toContain('ALARM · EcsLabApi-ErrorLogs');
    const byAction = (id: string) => buttonsIn(card).find((b: any) => b.action_id === id);

    // 2. Logs: what the crashing container said, answered to the clicker alone.
    const logs = await click(byAction(ACTIONS.alarmLogs), ALICE, { ts: card.ts }, { answer: true });
    expect(logs.response_type).toBe('ephemeral');
    expect(JSON.stringify(logs.blocks)).toContain(CRASH);

    // 3. Diagnose: the new revision fails where the previous one ran steady — roll back.
    await click(byAction(ACTIONS.alarmDiagnose), ALICE, { ts: card.ts });
    const diagnosis = await t.slack.waitFor(
      () => thread(t, card.ts).find((m) => (m.text ?? '').startsWith('Diagnosis of')),
      8000,
      'the diagnosis',
    );
    const d = blocksOf(diagnosis);
    expect(diagnosis.text).toBe(
      'Diagnosis of EcsLabCluster/EcsLabApi: Tasks of EcsLabApi:2 keep failing (3 failed tasks) where EcsLabApi:1 ran steady. Recommendation: tasks of EcsLabApi:2 keep failing where EcsLabApi:1 ran steady: roll back to EcsLabApi:1, then fix the new revision.',
    );
    expect(d).toContain('Tasks of EcsLabApi:2 keep failing (3 failed tasks) where EcsLabApi:1 ran steady');
    expect(d).toMatch(
      /EcsLabApi:2: 3 tasks failed in the last hour \(essential container exited ×3\), 0 running, the first \d+ min after its deployment started \d+ min ago/,
    );
    expect(d).toContain('EcsLabApi:1: 0 failed, 1 running; its deployment completed and it still runs 1 task');
    expect(d).toContain(
      '*Recommendation:* Tasks of EcsLabApi:2 keep failing where EcsLabApi:1 ran steady: roll back to EcsLabApi:1, then fix the new revision.',
    );
    expect(d).toContain(CRASH); // the failed container's last lines, beside its stop reason
    const [rollBack] = buttonsIn(diagnosis);
    expect(rollBack.text.text).toBe('Roll back to EcsLabApi:1');
    expect(decodeValue(rollBack.value)).toMatchObject({
      a: 'rollback-service',
      c: 'EcsLabCluster',
      s: 'EcsLabApi',
      td: 'EcsLabApi:1',
      t: card.ts,
    });
    expect(unsafeParts(diagnosis, { users: [ALICE] })).toEqual([]);
    expect(mutations(lab)).toEqual([]);

    // 4. One click requests it; the approval card in the thread shows what goes back.
    await click(rollBack, ALICE, { ts: diagnosis.ts, thread_ts: card.ts });
    const approvalCard = await t.slack.waitFor(
      () => thread(t, card.ts).find((m) => buttonsIn(m).some((b: any) => b.action_id === ACTIONS.changeApprove)),
      8000,
      'the approval card',
    );
    expect(blocksOf(approvalCard)).toContain('example/ecs-lab-api:2.0.0');
    expect(mutations(lab)).toEqual([]);

    // 5. Bob approves: the previous revision is deployed exactly once.
    const approve = buttonsIn(approvalCard).find((b: any) => b.action_id === ACTIONS.changeApprove);
    const requestId = (decodeValue(approve.value) as { id: string }).id;
    await click(approve, BOB, { ts: approvalCard.ts, thread_ts: card.ts });
    await t.slack.waitFor(
      () => texts(thread(t, card.ts)).some((x) => x.includes('Following the rollout')),
      8000,
      'the rollout start line',
    );
    expect(await t.store.changeRequests.get(requestId)).toMatchObject({
      status: 'succeeded',
      requestedBy: ALICE,
      decidedBy: BOB,
    });
    expect(mutations(lab).map((c) => [c.op, c.input.taskDefinition])).toEqual([['UpdateService', 'EcsLabApi:1']]);

    // 6. The rollback deployment runs; the follower says so in the thread.
    w.settle();
    await worker(t, 'approvals', 'rollout-follower').runOnce();
    const reached = texts(thread(t, card.ts)).at(-1)!;
    expect(reached).toMatch(/^:white_check_mark: Reached: .*deployment of `EcsLabApi:1` completed/);
    expect(svc.deployments.map((d) => [d.taskDef, d.status, d.rolloutState])).toEqual([
      ['EcsLabApi:1', 'PRIMARY', 'COMPLETED'],
    ]);

    // 7. CloudWatch sends OK: the card turns green.
    const ok = errorAlarm({ state: 'OK', at: w.now });
    expect((await postSns(t.url, signer.envelope({ message: ok, timestamp: w.now }))).status).toBe(200);
    await deliverCards(t, lab.world);
    const green = t.slack.messages.get(`${ALARM_CHANNEL}:${card.ts}`)!;
    expect(green.blocks!.find((b: any) => b.type === 'header').text.text).toBe(
      ':large_green_circle: OK · EcsLabApi-ErrorLogs',
    );

    // 8. The deployments list names the rollback with who asked and who approved.
    const id = 'deployments-answer';
    await sendCommand(t.url, {
      text: 'deployments EcsLabCluster/EcsLabApi',
      user_id: ALICE,
      response_url: t.slack.responseUrl(id),
    });
    const list = (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 8000, 'the deployments')).body;
    const rows = (list.blocks as any[]).map((b) => b.text?.text ?? '');
    expect(rows[1]).toContain('*`EcsLabApi:1`* · PRIMARY · :white_check_mark: COMPLETED');
    expect(rows[1]).toContain(`Rollback asked by <@${ALICE}> · approved by <@${BOB}> · request \`${requestId}\``);
    expect(rows[2]).toContain('*`EcsLabApi:2`*');
    expect(rows[2]).toContain(':x: FAILED');

    // README and docs/diagnose.md tell this story with the lines the bot sent.
    const root = path.join(__dirname, '../..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const doc = fs.readFileSync(path.join(root, 'docs/diagnose.md'), 'utf8');
    const story = doc.slice(doc.indexOf('## The second story'), doc.indexOf('## /ecs diagnose'));
    const rendered = (diagnosis.blocks as any[]).map((b) => b.text?.text ?? b.elements?.[0]?.text ?? '');
    expect(story).toContain(`**Recommendation:** ${rendered[1].replace('*Recommendation:* ', '')}`);
    expect(story).toContain(`[ **${rollBack.text.text}** ]`);
    expect(story).toContain(`> ${rendered[3].split('\n')[0]}\n`);
    for (const line of d.match(/• EcsLabApi:[12]: [^"\\]*/g)!) expect(story).toContain(line);
    expect(story).toContain(`> ${reached}\n`);
    expect(readme).toContain(`> ${reached}\n`);
    expect(readme).toContain(CRASH);

    // Only the approved rollback changed AWS, audited with who asked and who approved.
    expect(mutations(lab).map((c) => c.op)).toEqual(['UpdateService']);
    const audit = await t.store.audit.forRequest(requestId);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[1]).toMatchObject({ actor: ALICE, approver: BOB, action: 'rollback-service' });
  });
});
