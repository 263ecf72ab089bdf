import { eventually } from '../helpers/eventually';
import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { approveAs, askAs, requestIn, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs deployments` across accounts (signed HTTP, the fake AWS organisation, the fake Slack): `web/api`
 * runs in prod and staging. The flags pick the account whose deployments are read, and only the bot's
 * changes in that account are attributed: a restart approved in staging is not prod's history.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

describe('/ecs deployments --account/--region', () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    t = await orgBot(org, { APPROVERS: BOB });
  });
  afterEach(async () => {
    await t.stop();
  });

  const ask = (text: string) => askAs(t, ALICE, text);

  it("lists the account's own deployments, with the bot's restart only where it ran", async () => {
    const r = await requestIn(t, await ask('restart web/api --account staging --region eu-west-1'));
    await approveAs(t, BOB, r);
    await eventually(
      async () => ((await t.store.changeRequests.get(r.id))?.status === 'succeeded' ? true : undefined),
      'the restart to run',
    );

    const staging = JSON.stringify(await ask('deployments web/api --account staging'));
    expect(staging).toContain('staging (222222222222) · eu-west-1');
    expect(staging).toContain(`Restart asked by <@${ALICE}> · approved by <@${BOB}> · request \`${r.id}\``);
    expect(org.callsIn(STAGING).some((c) => c.op === 'DescribeServices')).toBe(true);

    const before = org.callsIn(STAGING).length;
    const prod = JSON.stringify(await ask('deployments web/api --account prod --region eu-west-1'));
    expect(prod).toContain('prod (111111111111) · eu-west-1');
    expect(prod).toContain('PRIMARY · :white_check_mark: COMPLETED');
    expect(prod).not.toContain('asked by');
    expect(org.callsIn(STAGING).length).toBe(before);
    expect(org.callsIn(PROD).some((c) => c.op === 'DescribeServices')).toBe(true);
  });

  it('answers an unqualified name found in two accounts with both candidates and the flag for each', async () => {
    const ambiguous = JSON.stringify(await ask('deployments web/api'));
    expect(ambiguous).toContain('--account prod');
    expect(ambiguous).toContain('--account staging');
    expect(ambiguous).toContain('[--limit N] [--account NAME] [--region REGION]');
  });
});
