import { eventually } from '../helpers/eventually';
import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import type { AwsWorld } from '../helpers/aws-world';
import { approveAs, askAs, requestIn, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs rollback` across accounts (signed HTTP, the fake AWS organisation, the fake Slack): `web/api` runs
 * revision api:2 in prod and in staging; the flags pick the account, the revisions are read there, and the
 * rollback runs in a change session of that account.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

/** A second revision of `api`, deployed and completed: ECS has dropped the deployment of api:1. */
function deploySecond(w: AwsWorld, image: string) {
  const v1 = w.taskDefs.get('api:1')!;
  w.registerTaskDef({ ...v1, revision: undefined, containers: [{ ...v1.containers[0], image }] });
  w.updateServiceTaskDef('web', 'api', 'api:2');
  w.settle();
}

describe('/ecs rollback --account/--region', () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    deploySecond(org.world(PROD, 'eu-west-1'), 'example/api:2-prod');
    deploySecond(org.world(STAGING, 'eu-west-1'), 'example/api:2-staging');
    t = await orgBot(org, { APPROVERS: BOB });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('rolls back the service in the account the flag names, with that account revisions, in its change session', async () => {
    const reply = await askAs(t, ALICE, 'rollback web/api --account staging --region eu-west-1');
    const r = await requestIn(t, reply);
    expect(r.plan.where).toMatchObject({ account: 'staging', region: 'eu-west-1', accountId: STAGING });
    expect(r.plan.summary).toBe('Roll back service web/api from api:2 to api:1');
    expect(r.plan.revisionDiff?.containers[0].imageChange).toEqual({
      from: 'example/api:2-staging',
      to: 'example/api:1',
    });
    expect(org.callsIn(STAGING).some((c) => c.op === 'ListTaskDefinitions')).toBe(true);
    expect(org.callsIn(PROD).some((c) => c.op === 'ListTaskDefinitions')).toBe(false);

    await approveAs(t, BOB, r);
    const updates = await eventually(async () => {
      const u = org.calls.filter((c) => c.op === 'UpdateService');
      return u.length > 0 ? u : undefined;
    }, 'the rollback to reach AWS');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ account: STAGING, region: 'eu-west-1' });
    expect(updates[0].input).toEqual({ cluster: 'web', service: 'api', taskDefinition: 'api:1' });
    expect(updates[0].identity).toMatchObject({ sourceIdentity: BOB });
    expect(org.world(STAGING, 'eu-west-1').service('web', 'api').taskDef).toBe('api:1');
    expect(org.world(PROD, 'eu-west-1').service('web', 'api').taskDef).toBe('api:2');
  });

  it('answers an unqualified name found in two accounts with both candidates, and a dry run names the account', async () => {
    const ambiguous = JSON.stringify(await askAs(t, ALICE, 'rollback web/api 1'));
    expect(ambiguous).toContain('--account prod');
    expect(ambiguous).toContain('--account staging');

    const dry = JSON.stringify(await askAs(t, ALICE, 'rollback web/api 1 --account prod --dry-run'));
    expect(dry).toContain('/ecs rollback web/api 1 --account prod');
    expect(dry).toContain(`prod (${PROD})`);
    expect(dry).toContain('example/api:2-prod');
    expect(org.calls.some((c) => c.op === 'UpdateService')).toBe(false);
  });
});
