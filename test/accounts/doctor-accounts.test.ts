import { AwsAccounts } from '../../src/aws/accounts';
import { parseAwsSettings } from '../../src/aws/accounts-config';
import { checkAccounts, PROBE_REQUEST } from '../../src/doctor/account-checks';
import type { CheckResult } from '../../src/doctor/types';
import { AwsOrg, BOT_ACCOUNT } from '../helpers/aws-org';
import { loadConfig } from '../../src/config';

const PROD = '111111111111';
const STAGING = '222222222222';

function setup(
  env: Record<string, string> = {},
  trust: { prod?: Parameters<AwsOrg['addRole']>[1]; staging?: Parameters<AwsOrg['addRole']>[1] } = {},
) {
  const org = new AwsOrg();
  org.addRole(PROD, trust.prod);
  org.addRole(STAGING, trust.staging);
  org.world(PROD, 'eu-west-1').addCluster('web');
  org.world(PROD, 'us-east-1').addCluster('api');
  org.world(STAGING, 'eu-west-1').addCluster('web');
  const { settings, problems } = parseAwsSettings(
    {
      AWS_ACCOUNTS: `prod=${org.roleArn(PROD)},staging=${org.roleArn(STAGING)}@eu-west-1`,
      AWS_REGIONS: 'us-east-1,eu-west-1',
      ...env,
    },
    'us-east-1',
  );
  expect(problems).toEqual([]);
  return { org, accounts: new AwsAccounts({ settings, clock: org.clock, ...org.seams() }) };
}

const byId = (rs: CheckResult[]) => Object.fromEntries(rs.map((r) => [r.id, r]));

describe('the doctor checks every configured account (fake STS and AWS organisation)', () => {
  it('says for each account whether its role is assumed, with and without a source identity, and what each region holds', async () => {
    const { org, accounts } = setup();
    const r = byId(await checkAccounts(accounts));
    expect(Object.keys(r)).toEqual([
      'accounts.default.change',
      'accounts.default.regions',
      'accounts.prod.assume',
      'accounts.prod.change',
      'accounts.prod.regions',
      'accounts.staging.assume',
      'accounts.staging.change',
      'accounts.staging.regions',
    ]);
    expect(r['accounts.prod.assume']).toMatchObject({
      status: 'pass',
      detail: `assumed ${org.roleArn(PROD)}: arn:aws:sts::${PROD}:assumed-role/ecs-chatops/ecs-chatops-read`,
    });
    expect(r['accounts.prod.change']).toMatchObject({
      status: 'pass',
      detail: `assumed ${org.roleArn(PROD)} with a source identity and session tags: arn:aws:sts::${PROD}:assumed-role/ecs-chatops/ecs-chatops-${PROBE_REQUEST}`,
    });
    expect(r['accounts.prod.regions']).toMatchObject({
      status: 'pass',
      detail: 'us-east-1: 1 cluster; eu-west-1: 1 cluster',
    });
    expect(r['accounts.staging.regions']).toMatchObject({ status: 'pass', detail: 'eu-west-1: 1 cluster' });
    // The bot's own account: no role to assume, and changes there are not attributed.
    expect(r['accounts.default.change']).toMatchObject({ status: 'warn', ok: true });
    expect(r['accounts.default.change'].fix).toContain('CHANGE_ROLE_ARN');
    expect(r['accounts.default.regions']).toMatchObject({
      status: 'pass',
      detail: 'us-east-1: 0 clusters; eu-west-1: 0 clusters',
    });
    // The probe of a change session carried a source identity; the read sessions none.
    const probe = org.assumeRoleCalls.filter((c) => c.params.RoleSessionName === `ecs-chatops-${PROBE_REQUEST}`);
    expect(probe).toHaveLength(2);
    expect(probe.every((c) => c.params.SourceIdentity === 'ecs-chatops-doctor' && c.params.Tags?.length === 3)).toBe(
      true,
    );
    expect(
      org.assumeRoleCalls
        .filter((c) => c.params.RoleSessionName === 'ecs-chatops-read')
        .every((c) => !c.params.SourceIdentity),
    ).toBe(true);
  });

  it('names the account, the role and the likely cause of each refusal, and checks the rest', async () => {
    const { org, accounts } = setup(
      { AWS_EXTERNAL_ID: 'ext-1' },
      { prod: { externalId: 'ext-1', setSourceIdentity: false }, staging: { externalId: 'the-right-one' } },
    );
    org.unreachable.add(PROD);
    const r = byId(await checkAccounts(accounts));
    // prod: read role fine, change sessions refused for want of sts:SetSourceIdentity, regions unreachable.
    expect(r['accounts.prod.assume'].status).toBe('pass');
    expect(r['accounts.prod.change']).toMatchObject({
      status: 'fail',
      detail: `could not assume ${org.roleArn(PROD)} with a source identity`,
    });
    expect(r['accounts.prod.change'].fix).toContain('sts:SetSourceIdentity');
    expect(r['accounts.prod.regions'].status).toBe('fail');
    expect(r['accounts.prod.regions'].detail).toMatch(/us-east-1: ecs:ListClusters failed: TimeoutError/);
    // staging: the external ID does not match, so nothing there works; the doctor says so once per check.
    expect(r['accounts.staging.assume']).toMatchObject({
      status: 'fail',
      detail: `could not assume ${org.roleArn(STAGING)}`,
    });
    expect(r['accounts.staging.assume'].fix).toContain('AWS_EXTERNAL_ID');
    expect(r['accounts.staging.assume'].fix).toContain('deploy/member-account-role.yml');
    expect(r['accounts.staging.regions']).toMatchObject({ status: 'fail', detail: 'eu-west-1: role not assumed' });
    // The bot's own account still answers.
    expect(r['accounts.default.regions'].status).toBe('pass');
  });

  it("checks CHANGE_ROLE_ARN in the bot's own account, and adds nothing for a single-account install", async () => {
    const { org, accounts } = setup({ CHANGE_ROLE_ARN: `arn:aws:iam::${BOT_ACCOUNT}:role/ecs-chatops-change` });
    org.addRole(BOT_ACCOUNT, { name: 'ecs-chatops-change' });
    const r = byId(await checkAccounts(accounts));
    expect(r['accounts.default.change']).toMatchObject({ status: 'pass' });
    expect(r['accounts.default.change'].detail).toContain(
      `assumed-role/ecs-chatops-change/ecs-chatops-${PROBE_REQUEST}`,
    );

    const single = parseAwsSettings({}, 'us-east-1').settings;
    expect(await checkAccounts(new AwsAccounts({ settings: single, clock: org.clock, ...org.seams() }))).toEqual([]);
    expect(await checkAccounts(undefined)).toEqual([]);
  });

  it('says which account and region lacks the topic that alarms created there notify', async () => {
    const { org, accounts } = setup();
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_SIGNING_SECRET: 'shh',
      AWS_REGION: 'us-east-1',
      AWS_ACCOUNTS: `prod=${org.roleArn(PROD)},staging=${org.roleArn(STAGING)}@eu-west-1`,
      AWS_REGIONS: 'us-east-1,eu-west-1',
      SNS_TOPIC_ARNS: `arn:aws:sns:us-east-1:${BOT_ACCOUNT}:ecs-alarms`,
      PUBLIC_URL: 'https://bot.example.com',
    });
    const subscribed = (account: string, region: string) => {
      const arn = `arn:aws:sns:${region}:${account}:ecs-alarms`;
      const t = org.world(account, region).addTopic(arn);
      t.subscriptions.push({
        arn: `${arn}:1`,
        protocol: 'https',
        endpoint: 'https://bot.example.com/sns',
        pending: false,
      });
      return arn;
    };
    const prodEu = subscribed(PROD, 'eu-west-1');
    const stagingEu = subscribed(STAGING, 'eu-west-1');
    const r = byId(await checkAccounts(accounts, undefined, config));

    expect(r['accounts.staging.alarm-topics']).toMatchObject({ status: 'pass', detail: `eu-west-1: ${stagingEu}` });
    const prod = r['accounts.prod.alarm-topics'];
    expect(prod).toMatchObject({ status: 'warn', ok: true });
    expect(prod.detail).toContain('alarms created in prod · us-east-1 would not reach the bot');
    expect(prod.detail).toContain(
      `us-east-1: The topic arn:aws:sns:us-east-1:${PROD}:ecs-alarms does not exist in prod (${PROD}) · us-east-1`,
    );
    expect(prod.detail).toContain(`eu-west-1: ${prodEu}`);
    expect(prod.fix).toContain('deploy/member-alarm-topic.yml');
    // The bot's own account: its home topic is the SNS checks'; eu-west-1 has none.
    expect(r['accounts.default.alarm-topics'].detail).toContain(
      `alarms created in default · eu-west-1 would not reach the bot: eu-west-1: The topic arn:aws:sns:eu-west-1:${BOT_ACCOUNT}:ecs-alarms does not exist`,
    );
    expect(r['accounts.default.alarm-topics'].detail).not.toContain('us-east-1');
  });
});
