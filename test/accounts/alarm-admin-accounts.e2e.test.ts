import { eventually } from '../helpers/eventually';
import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import type { AwsWorld } from '../helpers/aws-world';
import { approveAs, askAs, requestIn, estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs alarm delete` and `/ecs alarm create` across accounts (signed HTTP, the fake AWS
 * organisation, the fake Slack): an alarm of the same name in prod and staging is picked by the
 * flags, and the unqualified name answers with both candidates.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const NAME = 'web-api-cpu-high';

function addAlarm(w: AwsWorld, account: string, region: string) {
  w.alarms.set(NAME, {
    name: NAME,
    arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${NAME}`,
    namespace: 'AWS/ECS',
    metricName: 'CPUUtilization',
    dimensions: [
      { Name: 'ClusterName', Value: 'web' },
      { Name: 'ServiceName', Value: 'api' },
    ],
    statistic: 'Average',
    period: 60,
    evaluationPeriods: 3,
    threshold: 80,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [],
    okActions: [],
    insufficientDataActions: [],
    state: 'OK',
    stateReason: 'ok',
    stateUpdatedAt: w.now,
  });
}

describe('/ecs alarm --account/--region', () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    addAlarm(org.world(PROD, 'eu-west-1'), PROD, 'eu-west-1');
    addAlarm(org.world(STAGING, 'eu-west-1'), STAGING, 'eu-west-1');
    t = await orgBot(org, { APPROVERS: BOB });
  });
  afterEach(async () => {
    await t.stop();
  });

  const ask = (text: string) => askAs(t, ALICE, text);

  it('deletes the alarm of the account the flag names, in a change session of that account', async () => {
    const reply = await ask(`alarm delete ${NAME} --account staging`);
    const r = await requestIn(t, reply);
    expect(r?.plan.where).toMatchObject({ account: 'staging', region: 'eu-west-1', accountId: STAGING });

    await approveAs(t, BOB, r);
    await eventually(async () => {
      const x = await t.store.changeRequests.get(r.id);
      return x?.status === 'succeeded' ? x : undefined;
    }, 'the deletion to succeed');
    const deletes = org.calls.filter((c) => c.op === 'DeleteAlarms');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]).toMatchObject({ account: STAGING, region: 'eu-west-1' });
    expect(deletes[0].identity).toMatchObject({ sourceIdentity: BOB });
    expect(org.world(STAGING, 'eu-west-1').alarms.has(NAME)).toBe(false);
    expect(org.world(PROD, 'eu-west-1').alarms.has(NAME)).toBe(true);
  });

  it('answers an alarm name found in two accounts with both candidates and the flag for each', async () => {
    const ambiguous = JSON.stringify(await ask(`alarm delete ${NAME}`));
    expect(ambiguous).toContain('is in 2 places');
    expect(ambiguous).toContain('--account prod');
    expect(ambiguous).toContain('--account staging');
    expect(ambiguous).toContain('[--account NAME] [--region REGION]');

    const dry = JSON.stringify(await ask(`alarm delete ${NAME} --account prod --dry-run`));
    expect(dry).toContain(`/ecs alarm delete ${NAME} --account prod --region eu-west-1`);

    const missing = JSON.stringify(await ask(`alarm delete ${NAME} --account prod --region us-east-1`));
    expect(missing).toContain(`no metric alarm named \\"${NAME}\\" in prod · us-east-1`);
    expect(org.calls.some((c) => c.op === 'DeleteAlarms')).toBe(false);
  });

  it('looks the cluster of alarm create up across accounts: two candidates, or the one the flag names', async () => {
    const ambiguous = JSON.stringify(await ask('alarm create pending web/api'));
    expect(ambiguous).toContain('--account prod');
    expect(ambiguous).toContain('--account staging');

    const bad = JSON.stringify(await ask('alarm create pending web/api --account no_such!'));
    expect(bad).toContain('is not an account name');
    expect(bad).toContain('[--account NAME] [--region REGION]');
    // The flag picks staging: the plan reads the service there, never in prod.
    const before = org.calls.length;
    const picked = JSON.stringify(await ask('alarm create pending web/api --account staging --dry-run'));
    expect(picked).not.toContain('places');
    const reads = org.calls.slice(before).filter((c) => c.op === 'DescribeServices');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((c) => c.account === STAGING && c.region === 'eu-west-1')).toBe(true);
    expect(org.calls.some((c) => c.op === 'PutMetricAlarm')).toBe(false);
  });
});

describe('/ecs alarms across accounts', () => {
  let t: TestBot;
  let org: AwsOrg;

  const firing = (account: string) => {
    const w = org.world(account, 'eu-west-1');
    addAlarm(w, account, 'eu-west-1');
    Object.assign(w.alarms.get(NAME)!, { state: 'ALARM', stateReason: `threshold crossed in ${account}` });
  };

  afterEach(async () => {
    await t.stop();
  });

  it('lists the alarms in ALARM of every account and region, each saying where it is', async () => {
    org = estate();
    firing(PROD);
    firing(STAGING);
    t = await orgBot(org);
    const answer = JSON.stringify(await askAs(t, ALICE, 'alarms'));
    expect(answer).toContain(`*${NAME}* · \`web/api\` · prod · eu-west-1`);
    expect(answer).toContain(`*${NAME}* · \`web/api\` · staging · eu-west-1`);
    expect(answer).toContain('threshold crossed in ' + STAGING);
    expect(answer).toContain('2 more in ALARM in CloudWatch');
    const reads = org.calls.filter((c) => c.op === 'DescribeAlarms');
    expect(reads.map((c) => c.account).sort()).toEqual(expect.arrayContaining([PROD, STAGING]));
    expect(reads.every((c) => !c.identity?.sourceIdentity)).toBe(true);
  });

  it('names an account it cannot read and still lists the others', async () => {
    org = estate();
    firing(PROD);
    firing(STAGING);
    org.unreachable.add(STAGING);
    t = await orgBot(org);
    const answer = JSON.stringify(await askAs(t, ALICE, 'alarms'));
    expect(answer).toContain(`*${NAME}* · \`web/api\` · prod · eu-west-1`);
    expect(answer).not.toContain('· staging · eu-west-1`');
    expect(answer).toMatch(/Not read: staging · eu-west-1: cloudwatch:DescribeAlarms[^"]*timed out/);
    expect(answer).toContain('1 more in ALARM in CloudWatch');
  });
});
