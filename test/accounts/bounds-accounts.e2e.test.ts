import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTIONS, decodeValue } from '../../src/slack/actions';
import { buttonClick } from '../helpers/slack-sign';
import { ALARM_CHANNEL, type TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { askAs, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * Suggestions and recommendations within the bounds of the cluster's account (signed HTTP, the fake AWS
 * organisation, the fake Slack): prod's policy rule allows at most 6 tasks and steps of 2, staging has
 * no rule and keeps the settings' bounds. No button may propose what the approval flow would refuse.
 */

const ALICE = 'U0ALICE';
const CARD_TS = '1700000088.000088';

/** The change buttons (the Show graph button of an ephemeral answer changes nothing). */
const buttons = (m: { blocks?: any[] }) =>
  (m.blocks ?? [])
    .filter((b) => b.type === 'actions' && b.block_id !== 'status.graph')
    .flatMap((b) => b.elements as any[]);
const contexts = (m: { blocks?: any[] }) => JSON.stringify((m.blocks ?? []).filter((b) => b.type === 'context'));

describe("scale suggestions and diagnosis recommendations use the bounds of the cluster's account", () => {
  let t: TestBot;
  let org: AwsOrg;
  let n = 0;

  beforeEach(async () => {
    org = estate();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ rules: [{ accounts: ['prod'], approvers: ['U0BOB'], maxDesiredTasks: 6, maxStep: 2 }] }),
    );
    t = await orgBot(org, { APPROVERS: 'U0BOB', POLICY_FILE: file });
  });
  afterEach(async () => {
    await t.stop();
  });

  async function clickScale(account: string) {
    const id = `scale${++n}`;
    const res = await t.transport.interaction(
      buttonClick({
        actionId: ACTIONS.alarmScale,
        value: JSON.stringify({ c: 'web', s: 'api', a: account, r: 'eu-west-1' }),
        userId: ALICE,
        channelId: ALARM_CHANNEL,
        messageTs: CARD_TS,
        responseUrl: t.slack.responseUrl(id),
      }),
    );
    expect(res.status).toBe(200);
    return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the Scale… answer')).body;
  }

  it('caps the Scale… suggestions at the 6 tasks prod allows, with a note; staging keeps the settings', async () => {
    org.world(PROD, 'eu-west-1').updateServiceDesired('web', 'api', 6);
    org.world(PROD, 'eu-west-1').settle();
    const prod = await clickScale(PROD);
    const proposed = buttons(prod).map((b) => decodeValue<{ a: string; n: number }>(b.value)!);
    expect(proposed.filter((v) => v.a === 'scale-service')).toEqual([]);
    expect(contexts(prod)).toContain(
      'No +1 for api: 6 tasks is the most a request may set in prod (rule 1 of the policy file).',
    );
    expect(prod.text).toContain('No +1 for api: 6 tasks is the most a request may set in prod');

    const staging = await clickScale(STAGING);
    const stagingProposed = buttons(staging).map((b) => decodeValue<Record<string, unknown>>(b.value)!);
    expect(stagingProposed).toContainEqual(
      expect.objectContaining({ a: 'scale-service', s: 'api', n: 2, ac: 'staging', rg: 'eu-west-1' }),
    );
    expect(contexts(staging)).not.toContain('No +1');
    // Reading is all the buttons did.
    expect(org.calls.filter((c) => !/^(Describe|List|Get)/.test(c.op))).toEqual([]);
  });

  it('a diagnosis in prod proposes no scaling back that prod would refuse, and says why', async () => {
    // prod's web/api wants 20 tasks; its two instances run 6, and the cluster's group is unknown.
    org.world(PROD, 'eu-west-1').updateServiceDesired('web', 'api', 20);
    org.world(PROD, 'eu-west-1').settle();
    const reply = await askAs(t, ALICE, 'diagnose web/api --account prod --region eu-west-1');
    // With the settings' bounds the diagnosis would offer "back to 6"; prod allows steps of 2 only, and no
    // count above 6, so no single request can get there.
    expect(buttons(reply)).toEqual([]);
    expect(JSON.stringify(reply.blocks)).toContain(
      'Scaling api back to 6 changes the count by more than one request may in prod (2, rule 1 of the policy file).',
    );
    // The approval flow agrees, naming the same rule.
    const typed = await askAs(t, ALICE, 'scale service web/api 6 --account prod --region eu-west-1');
    expect(JSON.stringify(typed)).toContain(
      'going from 20 to 6 changes the count by 14, more than the 2 allowed in one request (rule 1 of the policy file)',
    );

    // staging, without a rule, is offered scaling back under the settings' bounds.
    org.world(STAGING, 'eu-west-1').updateServiceDesired('web', 'api', 6);
    org.world(STAGING, 'eu-west-1').settle();
    const staging = await askAs(t, ALICE, 'diagnose web/api --account staging --region eu-west-1');
    expect(buttons(staging).map((b) => decodeValue<Record<string, unknown>>(b.value))).toEqual([
      expect.objectContaining({ a: 'scale-service', s: 'api', n: 3, ac: 'staging' }),
    ]);
    expect(org.calls.filter((c) => !/^(Describe|List|Get)/.test(c.op))).toEqual([]);
  });
});
