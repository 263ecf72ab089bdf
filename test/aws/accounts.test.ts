import { DescribeServicesCommand, ListClustersCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { approversTag, AwsAccounts, READ_SESSION_NAME } from '../../src/aws/accounts';
import { parseAwsSettings } from '../../src/aws/accounts-config';
import { RoleAssumeError, stsName, stsTagValue } from '../../src/aws/sessions';
import { BOT_ACCOUNT, AwsOrg } from '../helpers/aws-org';

const PROD = '111111111111';
const STAGING = '222222222222';

function setup(env: Record<string, string> = {}, o: { trust?: Parameters<AwsOrg['addRole']>[1] } = {}) {
  const org = new AwsOrg();
  org.addRole(PROD, o.trust);
  org.addRole(STAGING);
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
  const accounts = new AwsAccounts({ settings, clock: org.clock, ...org.seams() });
  return { org, accounts };
}

const clusters = async (a: AwsAccounts, account: string, region: string) =>
  (await a.read({ account, region }).ecs.send(new ListClustersCommand({}))).clusterArns ?? [];

describe('AwsAccounts: clients per account, region and purpose', () => {
  it('reads every account and region through one cached read session per account, without a source identity', async () => {
    const { org, accounts } = setup();
    expect(accounts.scopes()).toEqual([
      { account: 'default', region: 'us-east-1' },
      { account: 'default', region: 'eu-west-1' },
      { account: 'prod', region: 'us-east-1' },
      { account: 'prod', region: 'eu-west-1' },
      { account: 'staging', region: 'eu-west-1' },
    ]);
    expect(await clusters(accounts, 'prod', 'eu-west-1')).toEqual([`arn:aws:ecs:eu-west-1:${PROD}:cluster/web`]);
    expect(await clusters(accounts, 'prod', 'us-east-1')).toEqual([`arn:aws:ecs:us-east-1:${PROD}:cluster/api`]);
    await accounts.read({ account: 'prod', region: 'eu-west-1' }).ecs.send(new ListClustersCommand({}));
    expect(await clusters(accounts, 'staging', 'eu-west-1')).toEqual([`arn:aws:ecs:eu-west-1:${STAGING}:cluster/web`]);
    expect(await clusters(accounts, 'default', 'us-east-1')).toEqual([]);

    // One AssumeRole per account however many regions and calls; the bot's own account assumes nothing.
    expect(org.assumeRoleCalls.map((c) => [c.params.RoleArn, c.params.RoleSessionName, c.outcome])).toEqual([
      [org.roleArn(PROD), READ_SESSION_NAME, 'ok'],
      [org.roleArn(STAGING), READ_SESSION_NAME, 'ok'],
    ]);
    expect(org.assumeRoleCalls.every((c) => c.params.SourceIdentity === undefined && !c.params.Tags)).toBe(true);
    expect(accounts.assumeRoleCalls).toBe(2);
    // Each call is recorded with the credentials it was made with.
    expect(org.callsIn(PROD).map((c) => c.identity.arn)).toEqual([
      `arn:aws:sts::${PROD}:assumed-role/ecs-chatops/ecs-chatops-read`,
      `arn:aws:sts::${PROD}:assumed-role/ecs-chatops/ecs-chatops-read`,
      `arn:aws:sts::${PROD}:assumed-role/ecs-chatops/ecs-chatops-read`,
    ]);
    expect(org.callsIn(BOT_ACCOUNT)[0].identity.roleArn).toBe('arn:aws:iam::123456789012:role/ecs-chatops-bot');
    expect(org.calls.every((c) => c.identity.sourceIdentity === undefined)).toBe(true);
  });

  it('assumes the read role again shortly before its credentials expire, and never uses expired ones', async () => {
    const { org, accounts } = setup();
    await clusters(accounts, 'prod', 'eu-west-1');
    org.advance(50 * 60_000);
    await clusters(accounts, 'prod', 'eu-west-1');
    expect(org.assumeRoleCalls).toHaveLength(1);
    org.advance(6 * 60_000); // 56 minutes: inside the 5-minute margin of the one-hour session
    await clusters(accounts, 'prod', 'us-east-1');
    await clusters(accounts, 'prod', 'eu-west-1');
    expect(org.assumeRoleCalls).toHaveLength(2);
    const keys = org.callsIn(PROD).map((c) => c.identity.accessKeyId);
    expect(new Set(keys.slice(0, 2)).size).toBe(1);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[3]).toBe(keys[2]);
  });

  it('runs a change in a session of its own: SourceIdentity is the approver, tags name requester, approver and request', async () => {
    const { org, accounts } = setup();
    const svc = org.world(PROD, 'eu-west-1');
    svc.registerTaskDef({ family: 'app', cpu: 256, memory: 256, containers: [{ name: 'a', image: 'x', memory: 256 }] });
    svc.addService('web', 'app', 'app:1', 0);
    const s = await accounts.change(
      { account: 'prod', region: 'eu-west-1' },
      { requestId: 'Req123abc', requester: 'U0ASKER', approver: 'U0BOSS' },
    );
    expect(s.sessionName).toBe('ecs-chatops-Req123abc');
    expect(s.sourceIdentity).toBe('U0BOSS');
    await s.clients.ecs.send(new UpdateServiceCommand({ cluster: 'web', service: 'app', desiredCount: 1 }));
    s.close();
    await accounts
      .read({ account: 'prod', region: 'eu-west-1' })
      .ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['app'] }));
    const update = org.callsIn(PROD, 'UpdateService')[0];
    expect(update.identity).toMatchObject({
      arn: `arn:aws:sts::${PROD}:assumed-role/ecs-chatops/ecs-chatops-Req123abc`,
      sourceIdentity: 'U0BOSS',
      tags: { requester: 'U0ASKER', approver: 'U0BOSS', change: 'Req123abc' },
    });
    expect(org.callsIn(PROD, 'DescribeServices')[0].identity.sourceIdentity).toBeUndefined();
    expect(svc.service('web', 'app').desiredCount).toBe(1);
  });

  it('names the account, the role and the likely cause when a role cannot be assumed', async () => {
    const wrongId = setup({ AWS_EXTERNAL_ID: 'not-the-one' }, { trust: { externalId: 'the-real-one' } });
    const err = await clusters(wrongId.accounts, 'prod', 'eu-west-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RoleAssumeError);
    expect((err as Error).message).toContain('account prod');
    expect((err as Error).message).toContain(wrongId.org.roleArn(PROD));
    expect((err as Error).message).toContain('AWS_EXTERNAL_ID');
    expect((err as Error).message).not.toMatch(/\n\s+at /);
    // The other account is not affected.
    expect(await clusters(wrongId.accounts, 'staging', 'eu-west-1')).toHaveLength(1);

    const noSource = setup({}, { trust: { setSourceIdentity: false } });
    expect(await clusters(noSource.accounts, 'prod', 'eu-west-1')).toHaveLength(1);
    const refused = await noSource.accounts
      .change({ account: 'prod', region: 'eu-west-1' }, { requestId: 'R1abcdef', requester: 'U1', approver: 'U2' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RoleAssumeError);
    expect((refused as Error).message).toContain('sts:SetSourceIdentity');
    expect(noSource.org.assumeRoleCalls.at(-1)).toMatchObject({ outcome: 'AccessDenied' });
  });

  it("changes in the bot's own account run as the bot unless CHANGE_ROLE_ARN gives them a session", async () => {
    const plain = setup();
    const own = await plain.accounts.change(
      { account: 'default', region: 'us-east-1' },
      { requestId: 'R2abcdef', requester: 'U1', approver: 'U2' },
    );
    expect(own.sessionName).toBeUndefined();
    expect(own.clients).toBe(plain.accounts.read({ account: 'default', region: 'us-east-1' }));

    const attributed = setup({ CHANGE_ROLE_ARN: `arn:aws:iam::${BOT_ACCOUNT}:role/ecs-chatops-change` });
    attributed.org.addRole(BOT_ACCOUNT, { name: 'ecs-chatops-change' });
    const s = await attributed.accounts.change(
      { account: 'default', region: 'us-east-1' },
      { requestId: 'R3abcdef', requester: 'U1', approver: 'U2' },
    );
    await s.clients.ecs.send(new ListClustersCommand({}));
    expect(attributed.org.callsIn(BOT_ACCOUNT)[0].identity).toMatchObject({
      sessionName: 'ecs-chatops-R3abcdef',
      sourceIdentity: 'U2',
    });
  });

  it('maps account IDs to configured names and refuses scopes that are not configured', async () => {
    const { org, accounts } = setup({ AWS_DEFAULT_ACCOUNT_NAME: 'shared' });
    expect((await accounts.byAccountId(PROD))?.name).toBe('prod');
    expect((await accounts.byAccountId(BOT_ACCOUNT))?.name).toBe('shared');
    expect((await accounts.byAccountId(BOT_ACCOUNT))?.name).toBe('shared');
    expect(await accounts.byAccountId('999999999999')).toBeUndefined();
    expect(org.callsIn(BOT_ACCOUNT)).toHaveLength(0); // GetCallerIdentity is STS, not a world call
    expect(() => accounts.read({ account: 'staging', region: 'us-east-1' })).toThrow(
      'region "us-east-1" is not searched in account staging (regions: eu-west-1)',
    );
    expect(() => accounts.read({ account: 'nope', region: 'us-east-1' })).toThrow(
      'account "nope" is not configured (accounts: shared, prod, staging)',
    );
  });

  it('gives STS a source identity and tags it accepts whatever the Slack user ID holds', async () => {
    expect(stsName('U0BOB')).toBe('U0BOB');
    expect(stsName('W0 üser/<x>')).toBe('W0__ser__x_');
    expect(stsName('W0 üser/<x>')).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(stsName('x')).toBe('x_');
    expect(stsName('U'.repeat(100))).toHaveLength(64);
    expect(stsTagValue('U0BOB+U0CAROL')).toBe('U0BOB+U0CAROL');
    expect(stsTagValue('a<b>"c"')).toBe('a_b__c_');
    expect(stsTagValue('v'.repeat(300))).toHaveLength(256);

    const { org, accounts } = setup();
    const s = await accounts.change(
      { account: 'prod', region: 'eu-west-1' },
      { requestId: 'Req456def', requester: 'U0 ASKER', approver: 'U0<BOSS>' },
    );
    await s.clients.ecs.send(new ListClustersCommand({}));
    s.close();
    expect(org.assumeRoleCalls.at(-1)).toMatchObject({
      outcome: 'ok',
      params: { SourceIdentity: 'U0_BOSS_', RoleSessionName: 'ecs-chatops-Req456def' },
    });
    expect(org.callsIn(PROD).at(-1)?.identity).toMatchObject({
      sourceIdentity: 'U0_BOSS_',
      tags: { requester: 'U0 ASKER', approver: 'U0_BOSS_', change: 'Req456def' },
    });
  });

  it('tags every distinct approver in whole IDs within the 256 characters of a tag value', () => {
    expect(approversTag(['U0BOB', 'U0CAROL', 'U0BOB'])).toBe('U0BOB+U0CAROL');
    expect(approversTag(['U0BOB'])).toBe('U0BOB');
    // A `+` inside an ID would read as two approvers: it is replaced.
    expect(approversTag(['U0A+B', 'U0C'])).toBe('U0A_B+U0C');
    const many = Array.from({ length: 40 }, (_, i) => `U0APPROVER${String(i).padStart(2, '0')}`);
    const tag = approversTag(many);
    expect(tag.length).toBeLessThanOrEqual(256);
    expect(tag.split('+').every((id) => many.includes(id))).toBe(true);
    expect(tag.split('+')).toHaveLength(Math.floor(257 / 13));
  });
});
