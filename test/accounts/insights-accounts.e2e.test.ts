import { eventually } from '../helpers/eventually';
import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { approveAs, askAs, requestIn, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs insights` across accounts (signed HTTP, the fake AWS organisation, the fake Slack): cluster
 * `web` is in prod and staging; the flags pick one for both the setting shown and the change, and
 * the unqualified name answers with both candidates.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

describe('/ecs insights --account/--region', () => {
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

  it('shows and changes the setting of the cluster in the account the flag names', async () => {
    const before = org.calls.length;
    const shown = JSON.stringify(await ask('insights web --account staging'));
    expect(shown).not.toContain('places');
    const reads = org.calls.slice(before).filter((c) => c.op === 'DescribeClusters');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((c) => c.account === STAGING && c.region === 'eu-west-1')).toBe(true);

    const reply = await ask('insights web disable --account prod --region eu-west-1');
    const r = await requestIn(t, reply);
    expect(r?.plan.where).toMatchObject({ account: 'prod', region: 'eu-west-1', accountId: PROD });

    await approveAs(t, BOB, r);
    const updates = await eventually(async () => {
      const u = org.calls.filter((c) => c.op === 'UpdateClusterSettings');
      return u.length > 0 ? u : undefined;
    }, 'the change to reach AWS');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ account: PROD, region: 'eu-west-1' });
    expect(updates[0].identity).toMatchObject({ sourceIdentity: BOB });
  });

  it('answers an unqualified name found in two accounts with both candidates and the flag for each', async () => {
    for (const text of ['insights web', 'insights web disable']) {
      const ambiguous = JSON.stringify(await ask(text));
      expect(ambiguous).toContain('--account prod');
      expect(ambiguous).toContain('--account staging');
      expect(ambiguous).toContain('[--account NAME] [--region REGION]');
    }
    expect(org.calls.some((c) => c.op === 'UpdateClusterSettings')).toBe(false);
  });
});
