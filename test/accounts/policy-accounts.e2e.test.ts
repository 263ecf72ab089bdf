import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTIONS } from '../../src/slack/actions';
import { buttonClick, sendCommand } from '../helpers/slack-sign';
import { eventually } from '../helpers/eventually';
import { ALARM_CHANNEL, type TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * A per-account policy end to end (signed HTTP, the fake AWS organisation, the fake Slack): changes in
 * prod need two distinct approvers, staging keeps the one approver of APPROVERS.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';

const allText = (m: { blocks?: any[]; text?: string }) => JSON.stringify([m.text, m.blocks]);

describe('a policy file with per-account rules and two approvers', () => {
  let t: TestBot;
  let org: AwsOrg;
  let n = 0;

  beforeEach(async () => {
    org = estate();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.json');
    // ALICE is an approver too, and self-approval is allowed: her own approval must still not count.
    fs.writeFileSync(
      file,
      JSON.stringify({
        rules: [{ accounts: ['prod'], approvers: [ALICE, BOB, CAROL], allowSelfApproval: true, approvals: 2 }],
      }),
    );
    t = await orgBot(org, { APPROVERS: BOB, POLICY_FILE: file });
  });
  afterEach(async () => {
    await t.stop();
  });

  async function request(text: string): Promise<string> {
    const id = `cmd${++n}`;
    const res = await sendCommand(t.url, { text, user_id: ALICE, response_url: t.slack.responseUrl(id) });
    expect(res.status).toBe(200);
    const reply = await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, `the answer to /ecs ${text}`);
    const requestId = /request `([A-Za-z0-9_-]+)`/.exec(JSON.stringify(reply.body))?.[1];
    if (!requestId) throw new Error(`no request id in ${JSON.stringify(reply.body)}`);
    return requestId;
  }

  /** Clicks Approve as `user`; resolves with the ephemeral reply, if any arrives. */
  async function approve(requestId: string, user: string, expectReply: boolean) {
    const id = `click${++n}`;
    const r = await t.store.changeRequests.get(requestId);
    const res = await t.transport.interaction(
      buttonClick({
        actionId: ACTIONS.changeApprove,
        value: JSON.stringify({ id: requestId }),
        userId: user,
        channelId: ALARM_CHANNEL,
        messageTs: r!.cardTs,
        responseUrl: t.slack.responseUrl(id),
      }),
    );
    expect(res.status).toBe(200);
    if (!expectReply) return undefined;
    return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the reply to Approve')).body;
  }

  const card = async (requestId: string) => {
    const r = await t.store.changeRequests.get(requestId);
    return t.slack.messages.get(`${r!.cardChannel}:${r!.cardTs}`)!;
  };

  it("runs a prod change once, after the second distinct approver; the requester's approval never counts", async () => {
    const id = await request('scale service web/api 3 --account prod --region eu-west-1');
    expect(await t.store.changeRequests.get(id)).toMatchObject({ status: 'pending', approvalsNeeded: 2 });
    expect(allText(await card(id))).toContain('0 of 2 approvals');

    // The requester's own approval is refused and not recorded.
    const own = await approve(id, ALICE, true);
    expect(own.text).toMatch(/cannot approve.*needs 2 approvers other than you/);
    expect(await t.store.changeRequests.approvers(id)).toEqual([]);

    // First approval: nothing changes in AWS; the card says who approved and that one more is needed.
    await approve(id, BOB, false);
    await eventually(
      async () => (allText(await card(id)).includes('1 of 2 approvals') ? true : undefined),
      'the card to show the first approval',
    );
    expect(allText(await card(id))).toContain(`*1 of 2 approvals*: <@${BOB}>; waiting for one more`);
    expect((await t.store.changeRequests.get(id))?.status).toBe('pending');
    expect(org.calls.filter((c) => c.op === 'UpdateService')).toEqual([]);

    // BOB again counts once.
    const again = await approve(id, BOB, true);
    expect(again.text).toMatch(/already approved/);
    expect((await t.store.changeRequests.get(id))?.status).toBe('pending');

    // The second distinct approver runs it, once, in prod.
    await approve(id, CAROL, false);
    const done = await eventually(async () => {
      const x = await t.store.changeRequests.get(id);
      return x?.status === 'succeeded' ? x : undefined;
    }, 'the change to succeed');
    expect(done.decidedBy).toBe(CAROL);
    const updates = org.calls.filter((c) => c.op === 'UpdateService');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ account: PROD, region: 'eu-west-1' });
    expect(updates[0].identity).toMatchObject({ sourceIdentity: CAROL });
    expect(org.world(PROD, 'eu-west-1').services.get('web/api')?.desiredCount).toBe(3);

    // A late click changes nothing.
    const late = await approve(id, ALICE, true);
    expect(late.text).toMatch(/already approved/);
    expect(org.calls.filter((c) => c.op === 'UpdateService')).toHaveLength(1);

    // The audit records both approvers; the card names them.
    const entries = await eventually(async () => {
      const e = await t.store.audit.forRequest(id);
      return e.some((x) => x.outcome === 'succeeded') ? e : undefined;
    }, 'the audit of the change');
    expect(entries.filter((e) => e.outcome === 'approved').map((e) => e.approver)).toEqual([BOB]);
    const succeeded = entries.find((e) => e.outcome === 'succeeded')!;
    expect(succeeded.approver).toBe(CAROL);
    expect(JSON.stringify(succeeded.detail)).toContain(JSON.stringify([BOB, CAROL]));
    expect(entries.filter((e) => e.outcome === 'refused').map((e) => e.actor)).toEqual([ALICE]);
    await eventually(
      async () => (allText(await card(id)).includes(`Approved by <@${BOB}> and <@${CAROL}>`) ? true : undefined),
      'the card to name both approvers',
    );

    // SourceIdentity holds one name: the approver whose approval ran it. The session tags carry both.
    const changeSessions = org.assumeRoleCalls.filter((c) => c.params.SourceIdentity !== undefined);
    expect(changeSessions).toHaveLength(1);
    expect(changeSessions[0].params).toMatchObject({ RoleSessionName: `ecs-chatops-${id}`, SourceIdentity: CAROL });
    expect(Object.fromEntries(changeSessions[0].params.Tags!.map((x) => [x.Key, x.Value]))).toEqual({
      requester: ALICE,
      approver: CAROL,
      approvers: `${BOB}+${CAROL}`,
      change: id,
    });
    expect(updates[0].identity.tags).toMatchObject({ approver: CAROL, approvers: `${BOB}+${CAROL}` });

    // /ecs audit names both approvers on the entry of the change, with its session.
    const res = await sendCommand(t.url, {
      text: `audit --request ${id}`,
      user_id: ALICE,
      response_url: t.slack.responseUrl('audit-of-the-change'),
    });
    expect(res.status).toBe(200);
    const audit = (await t.slack.waitFor(() => t.slack.responsesTo('audit-of-the-change')[0], 10_000, 'the audit'))
      .body;
    const line = JSON.stringify(audit.blocks)
      .split('\\n')
      .find((l: string) => l.includes('*succeeded*'));
    expect(line).toContain(`approved by <@${BOB}> and <@${CAROL}>`);
    expect(line).toContain(`session \`ecs-chatops-${id}\``);
  });

  it('keeps one approver in an account without a rule', async () => {
    const id = await request('scale service web/api 2 --account staging --region eu-west-1');
    expect(await t.store.changeRequests.get(id)).toMatchObject({ status: 'pending', approvalsNeeded: 1 });
    expect(allText(await card(id))).toContain('Waiting for an approver');
    await approve(id, BOB, false);
    await eventually(async () => {
      const x = await t.store.changeRequests.get(id);
      return x?.status === 'succeeded' ? x : undefined;
    }, 'the change to succeed');
    expect(org.calls.filter((c) => c.op === 'UpdateService')).toHaveLength(1);
    expect(org.world(STAGING, 'eu-west-1').services.get('web/api')?.desiredCount).toBe(2);
  });
});
