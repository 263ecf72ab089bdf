import { eventually } from '../helpers/eventually';
import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { approveAs, askAs, requestIn, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs restart` across accounts (signed HTTP, the fake AWS organisation, the fake Slack): `web` is in
 * prod and staging, so the flags pick one and the unqualified name answers with both candidates.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

describe('/ecs restart --account/--region', () => {
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

  it('restarts the service in the account the flag names, in a change session of that account', async () => {
    const reply = await ask('restart web/api --account staging --region eu-west-1');
    const r = await requestIn(t, reply);
    expect(r?.plan.where).toMatchObject({ account: 'staging', region: 'eu-west-1', accountId: STAGING });

    await approveAs(t, BOB, r);
    const updates = await eventually(async () => {
      const u = org.calls.filter((c) => c.op === 'UpdateService');
      return u.length > 0 ? u : undefined;
    }, 'the restart to reach AWS');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ account: STAGING, region: 'eu-west-1' });
    expect(updates[0].identity).toMatchObject({ sourceIdentity: BOB });
    expect(org.callsIn(PROD).some((c) => c.op === 'UpdateService')).toBe(false);
  });

  it('answers an unqualified name found in two accounts with both candidates and the flag for each', async () => {
    const ambiguous = await ask('restart web/api');
    const text = JSON.stringify(ambiguous);
    expect(text).toContain('--account prod');
    expect(text).toContain('--account staging');
    expect(org.calls.some((c) => c.op === 'UpdateService')).toBe(false);

    const dry = await ask('restart web/api --account prod --dry-run');
    expect(JSON.stringify(dry)).toContain('/ecs restart web/api --account prod');
    expect(JSON.stringify(dry)).toContain(`prod (${PROD})`);

    const bad = await ask('restart web/api --region mars-1');
    expect(JSON.stringify(bad)).toContain('is not an AWS region code');
    expect(JSON.stringify(bad)).toContain('[--account NAME] [--region REGION]');
  });
});
