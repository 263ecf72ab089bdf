import { ACTIONS } from '../../src/slack/actions';
import { buttonClick } from '../helpers/slack-sign';
import { eventually } from '../helpers/eventually';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { FakeClock, startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { ACCOUNTS_ENV, estate, PROD, STAGING } from './org-bot';
import type { AwsOrg } from '../helpers/aws-org';

/**
 * Alarm cards across accounts, end to end (signed SNS and signed button clicks over HTTP, the fake
 * AWS organisation, the fake Slack): the card names the alarm's account and region, and its buttons
 * act there although another account has a cluster and service of the same names.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const UNKNOWN = '333333333333';

const header = (m: { blocks?: any[] }) => m.blocks?.find((b) => b.type === 'header')?.text.text as string;
const allText = (m: { blocks?: any[]; attachments?: any[] }) => JSON.stringify([m.blocks, m.attachments]);
const buttons = (m: { blocks?: any[] }) =>
  (m.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements as any[]);
const valueOf = (m: { blocks?: any[] }, actionId: string) =>
  buttons(m).find((e) => e.action_id === actionId)?.value as string;

/** A CloudWatch alarm of account `account` in `region` on cluster `web`, service `api`. */
function alarmIn(account: string, region: string, name: string, at: number) {
  const a = pendingTaskAlarm({ name, cluster: 'web', service: 'api', at });
  return {
    ...a,
    AWSAccountId: account,
    AlarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
    Region: region === 'eu-west-1' ? 'EU (Ireland)' : 'US East (N. Virginia)',
  };
}

describe('alarm cards act in the account and region of their alarm', () => {
  let t: AlarmBot;
  let org: AwsOrg;
  let n = 0;

  async function click(actionId: string, value: string, user: string, messageTs?: string, expectReply = true) {
    const id = `click${++n}`;
    const res = await t.transport.interaction(
      buttonClick({
        actionId,
        value,
        userId: user,
        channelId: ALARM_CHANNEL,
        messageTs,
        responseUrl: t.slack.responseUrl(id),
      }),
    );
    expect(res.status).toBe(200);
    if (!expectReply) return undefined;
    return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 8000, `the reply to ${actionId}`)).body;
  }

  async function cardOf(account: string, region: string, name: string) {
    expect((await t.notify(alarmIn(account, region, name, t.clock.now() - 30_000))).status).toBe(200);
    await t.drain();
    const card = t.slack.messagesIn(ALARM_CHANNEL).find((m) => !m.thread_ts && header(m)?.endsWith(name));
    if (!card) throw new Error(`no card for ${name}`);
    return card;
  }

  beforeEach(async () => {
    org = estate();
    // Same names in both member accounts: only the account and region tell them apart.
    org.world(STAGING, 'eu-west-1');
    t = await startAlarmBot({
      clock: new FakeClock(org.now),
      aws: org.makeClients('us-east-1'),
      awsSeams: org.seams(),
      env: { ...ACCOUNTS_ENV(org), APPROVERS: BOB },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  it("names the account and region; Diagnose, Status and Scale read in the alarm's account only", async () => {
    const card = await cardOf(PROD, 'eu-west-1', 'prod-web-api-pending');
    expect(allText(card)).toContain(`prod (${PROD}) · eu-west-1`);
    for (const id of [ACTIONS.alarmDiagnose, ACTIONS.alarmStatus, ACTIONS.alarmScale, ACTIONS.alarmAck])
      expect(JSON.parse(valueOf(card, id))).toMatchObject({ c: 'web', s: 'api', a: PROD, r: 'eu-west-1' });

    const status = await click(ACTIONS.alarmStatus, valueOf(card, ACTIONS.alarmStatus), ALICE, card.ts);
    expect(status.blocks[0].text.text).toBe('web / api');
    expect(JSON.stringify(status.blocks)).toContain(`prod (${PROD}) · eu-west-1`);

    await click(ACTIONS.alarmDiagnose, valueOf(card, ACTIONS.alarmDiagnose), ALICE, card.ts, false);
    const diagnosis = await t.slack.waitFor(
      () => t.slack.repliesTo(ALARM_CHANNEL, card.ts).find((m) => /Diagnosis of/.test(JSON.stringify(m.blocks))),
      8000,
      'the diagnosis in the thread',
    );
    expect(JSON.stringify(diagnosis.blocks)).toContain(`Read-only diagnosis in prod (${PROD}) · eu-west-1`);

    const scale = await click(ACTIONS.alarmScale, valueOf(card, ACTIONS.alarmScale), ALICE, card.ts);
    expect(JSON.stringify(scale.blocks)).toContain(`In prod (${PROD}) · eu-west-1`);
    const plusOne = buttons(scale).find((b) => /\+1/.test(b.text.text) && JSON.parse(b.value).a === 'scale-service');
    expect(JSON.parse(plusOne.value)).toMatchObject({
      a: 'scale-service',
      c: 'web',
      s: 'api',
      n: 3,
      ac: 'prod',
      rg: 'eu-west-1',
    });
    expect(JSON.stringify(scale.blocks)).toContain('/ecs scale service web/api 3 --account prod --region eu-west-1');

    // Every read went to prod eu-west-1 through its read session; staging's same-named service was never read.
    expect(org.callsIn(PROD, 'DescribeServices').length).toBeGreaterThan(0);
    expect(org.callsIn(STAGING).filter((c) => c.op === 'DescribeServices' || c.op === 'DescribeClusters')).toEqual([]);
    expect(org.callsIn(PROD).every((c) => c.region === 'eu-west-1' || c.op === 'ListClusters')).toBe(true);
    expect(org.calls.every((c) => c.identity.sourceIdentity === undefined)).toBe(true);
    // Three buttons, one read session for prod.
    expect(org.assumeRoleCalls.filter((c) => c.params.RoleArn === org.roleArn(PROD))).toHaveLength(1);
  });

  it('runs an approved Scale in the alarm account with a session naming the approver, requester and request', async () => {
    const card = await cardOf(PROD, 'eu-west-1', 'prod-web-api-pending');
    const scale = await click(ACTIONS.alarmScale, valueOf(card, ACTIONS.alarmScale), ALICE, card.ts);
    const plusOne = buttons(scale).find((b) => /\+1/.test(b.text.text) && JSON.parse(b.value).a === 'scale-service');
    const posted = await click(plusOne.action_id, plusOne.value, ALICE, card.ts);
    const id = /request `([A-Za-z0-9_-]+)`/.exec(posted.text)?.[1];
    if (!id) throw new Error(`no request id in ${posted.text}`);
    const r = await t.store.changeRequests.get(id);
    expect(r?.plan.where).toEqual({
      account: 'prod',
      region: 'eu-west-1',
      accountId: PROD,
      roleArn: org.roleArn(PROD),
      sessionName: `ecs-chatops-${id}`,
    });
    const approvalCard = t.slack.messages.get(`${r!.cardChannel}:${r!.cardTs}`)!;
    expect(allText(approvalCard)).toContain(
      `*Account* prod (${PROD}) · eu-west-1 · runs as session \`ecs-chatops-${id}\``,
    );

    // The requester cannot approve; the approver can.
    const own = await click(ACTIONS.changeApprove, JSON.stringify({ id }), ALICE, r!.cardTs);
    expect(own.text).toMatch(/cannot approve/);
    const res = await t.transport.interaction(
      buttonClick({
        actionId: ACTIONS.changeApprove,
        value: JSON.stringify({ id }),
        userId: BOB,
        channelId: ALARM_CHANNEL,
        messageTs: r!.cardTs,
        responseUrl: t.slack.responseUrl('approve'),
      }),
    );
    expect(res.status).toBe(200);
    const done = await eventually(async () => {
      const x = await t.store.changeRequests.get(id);
      return x?.status === 'succeeded' ? x : undefined;
    }, 'the change to succeed');
    expect(done.decidedBy).toBe(BOB);

    // One UpdateService, in prod eu-west-1, made with the change session.
    const updates = org.calls.filter((c) => c.op === 'UpdateService');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ account: PROD, region: 'eu-west-1' });
    expect(updates[0].identity).toMatchObject({
      sessionName: `ecs-chatops-${id}`,
      sourceIdentity: BOB,
      tags: { requester: ALICE, approver: BOB, change: id },
    });
    const assumed = org.assumeRoleCalls.find((c) => c.params.RoleSessionName === `ecs-chatops-${id}`);
    expect(assumed).toMatchObject({
      outcome: 'ok',
      params: {
        RoleArn: org.roleArn(PROD),
        SourceIdentity: BOB,
        Tags: [
          { Key: 'requester', Value: ALICE },
          { Key: 'approver', Value: BOB },
          { Key: 'change', Value: id },
        ],
      },
    });
    expect(org.world(PROD, 'eu-west-1').services.get('web/api')?.desiredCount).toBe(3);
    expect(org.world(STAGING, 'eu-west-1').services.get('web/api')?.desiredCount).toBe(1);
    // The reads of the change (plan, re-read) used the read session, never a source identity.
    expect(
      org.calls.filter(
        (c) =>
          c.op !== 'UpdateService' && c.identity.sessionName !== 'ecs-chatops-read' && c.account !== '123456789012',
      ),
    ).toEqual([]);

    // The audit says where and by which session; the rollout thread too.
    const succeeded = await eventually(
      async () => (await t.store.audit.forRequest(id)).find((e) => e.outcome === 'succeeded'),
      'the audit entry of the change',
    );
    expect(succeeded?.approver).toBe(BOB);
    expect(succeeded?.detail).toMatchObject({
      account: 'prod',
      region: 'eu-west-1',
      accountId: PROD,
      session: `ecs-chatops-${id}`,
      sourceIdentity: BOB,
    });
    const thread = await eventually(async () => {
      const lines = t.slack.repliesTo(ALARM_CHANNEL, r!.threadTs ?? r!.cardTs!).map((m) => m.text ?? '');
      return lines.some((l) => l.includes('Following the rollout')) ? lines : undefined;
    }, 'the rollout line in the thread');
    expect(thread.join('\n')).toContain(`Changed in prod (${PROD}) · eu-west-1 by session \`ecs-chatops-${id}\``);
  });

  it('still posts the card of an alarm from an account the bot is not configured for; its buttons say how to add it', async () => {
    const card = await cardOf(UNKNOWN, 'eu-west-1', 'elsewhere-web-api');
    expect(allText(card)).toContain(`${UNKNOWN} · eu-west-1`);
    const hint = `This alarm is from AWS account ${UNKNOWN}, which the bot is not configured for: add a role there to AWS_ACCOUNTS`;
    for (const id of [ACTIONS.alarmDiagnose, ACTIONS.alarmStatus, ACTIONS.alarmScale]) {
      const reply = await click(id, valueOf(card, id), ALICE, card.ts);
      expect(reply.text).toContain(hint);
    }
    expect(org.calls.filter((c) => c.account !== '123456789012')).toEqual([]);
  });
});
