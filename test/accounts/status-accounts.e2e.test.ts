import { ask, blockText, expectWithinSlackLimits } from '../status/status-helpers';
import type { TestBot } from '../helpers/test-bot';
import { estate, orgBot, OWN, PROD, STAGING } from './org-bot';

describe('/ecs status across accounts and regions (signed HTTP, fake AWS organisation, fake Slack)', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('lists the clusters of every account and region, grouped by account, through one read session per account', async () => {
    const org = estate();
    t = await orgBot(org);
    const body = await ask(t, 'status');
    expectWithinSlackLimits(body);
    const text = blockText(body);
    expect(body.blocks[0].text.text).toBe('ECS clusters in 3 accounts, 2 regions');
    // Grouped by account in configuration order, each cluster with its region.
    const defaultAt = text.indexOf('*default*');
    const prodAt = text.indexOf(`*prod* · ${PROD}`);
    const stagingAt = text.indexOf(`*staging* · ${STAGING}`);
    expect(defaultAt).toBeGreaterThanOrEqual(0);
    expect(prodAt).toBeGreaterThan(defaultAt);
    expect(stagingAt).toBeGreaterThan(prodAt);
    expect(text.slice(defaultAt, prodAt)).toMatch(/\*tools\* · us-east-1 · insights enabled · 1 instance/);
    expect(text.slice(prodAt, stagingAt)).toMatch(/\*edge\* · us-east-1 · /);
    expect(text.slice(prodAt, stagingAt)).toMatch(
      /\*web\* · eu-west-1 · insights enabled · 2 instances · 1 service · tasks 2 running/,
    );
    expect(text.slice(stagingAt)).toMatch(/\*web\* · eu-west-1 · .*tasks 1 running/);
    expect(body.text).toBe('4 ECS clusters in 3 accounts');

    // Every account and region was read, each member account through one read session.
    for (const [account, region] of [
      [OWN, 'us-east-1'],
      [OWN, 'eu-west-1'],
      [PROD, 'us-east-1'],
      [PROD, 'eu-west-1'],
      [STAGING, 'eu-west-1'],
    ])
      expect(org.calls.some((c) => c.account === account && c.region === region && c.op === 'ListClusters')).toBe(true);
    expect(org.calls.some((c) => c.account === STAGING && c.region === 'us-east-1')).toBe(false);
    expect(org.assumeRoleCalls.map((c) => [c.params.RoleArn, c.params.RoleSessionName])).toEqual(
      expect.arrayContaining([
        [org.roleArn(PROD), 'ecs-chatops-read'],
        [org.roleArn(STAGING), 'ecs-chatops-read'],
      ]),
    );
    expect(org.assumeRoleCalls).toHaveLength(2);
    expect(org.callsIn(PROD).every((c) => c.identity.sessionName === 'ecs-chatops-read')).toBe(true);

    // A second answer reuses the sessions: no AssumeRole.
    await ask(t, 'status');
    expect(org.assumeRoleCalls).toHaveLength(2);
    // Reads never carry a source identity or session tags.
    expect(org.calls.every((c) => c.identity.sourceIdentity === undefined)).toBe(true);
    expect(org.assumeRoleCalls.every((c) => c.params.SourceIdentity === undefined && !c.params.Tags)).toBe(true);
  });

  it('answers an ambiguous cluster name with each candidate and the flag that picks it', async () => {
    const org = estate();
    t = await orgBot(org);
    const ambiguous = await ask(t, 'status web');
    expect(ambiguous.text).toContain('cluster "web" is in 2 places; say which:');
    expect(ambiguous.text).toContain('• prod · eu-west-1: `--account prod`');
    expect(ambiguous.text).toContain('• staging · eu-west-1: `--account staging`');
    expect(ambiguous.text).toContain(
      'Usage: `/ecs status [cluster] [service] [--account NAME] [--region REGION] [--since 6h|1d] [--public]`',
    );
    expect(org.calls.some((c) => c.op === 'DescribeClusters')).toBe(false);

    const picked = await ask(t, 'status web --account staging');
    expectWithinSlackLimits(picked);
    expect(picked.blocks[0].text.text).toBe('Cluster web');
    expect(blockText(picked)).toContain(`staging (${STAGING}) · eu-west-1`);
    expect(org.callsIn(STAGING, 'DescribeClusters')).toHaveLength(1);
    expect(org.callsIn(PROD, 'DescribeClusters')).toHaveLength(0);

    // One match anywhere is used at once, wherever it is.
    const service = await ask(t, 'status edge/proxy');
    expect(service.blocks[0].text.text).toBe('edge / proxy');
    expect(blockText(service)).toContain(`prod (${PROD}) · us-east-1`);

    // None: the closest real names, each with the flags of its account and region.
    const missing = await ask(t, 'status wbe');
    expect(missing.text).toContain('no cluster "wbe" in 3 accounts (2 regions)');
    expect(missing.text).toContain('Did you mean: `web --account prod`, `web --account staging`');

    // A flag for an account or region that is not configured says what is.
    const wrong = await ask(t, 'status web --account qa');
    expect(wrong.text).toContain('account "qa" is not configured (accounts: default, prod, staging)');
    const narrowed = await ask(t, 'status web --account staging --region us-east-1');
    expect(narrowed.text).toContain('region "us-east-1" is not searched in account staging (regions: eu-west-1)');
  });

  it('names an unreachable account in a note and answers the rest', async () => {
    const org = estate();
    org.unreachable.add(STAGING);
    t = await orgBot(org);
    const body = await ask(t, 'status');
    const text = blockText(body);
    expect(text).toMatch(/\*prod\* · 111111111111\n.*\*edge\* · us-east-1/);
    expect(text).toContain(
      `*staging* · ${STAGING}\n:warning: could not be read: eu-west-1: ecs:ListClusters timed out`,
    );
    expect(text).toContain(':warning: Not answered: account staging (eu-west-1: ecs:ListClusters timed out');
    expect(body.text).toBe('3 ECS clusters in 3 accounts; not answered: staging');
  });

  it("names the account, the role and the likely cause when an account's role cannot be assumed", async () => {
    const org = estate({ prodTrust: { principals: ['arn:aws:iam::999999999999:role/someone-else'] } });
    t = await orgBot(org);
    const body = await ask(t, 'status');
    const text = blockText(body);
    expect(text).toContain(
      `:warning: Not answered: account prod (us-east-1: The bot cannot use account prod: it could not assume role ${org.roleArn(PROD)}. Likely cause: its trust policy does not trust the bot's own role, or it requires an external ID (set AWS_EXTERNAL_ID)`,
    );
    expect(text).toMatch(/\*staging\* · 222222222222\n.*\*web\* · eu-west-1/);
    // Asked directly, the same answer, never a stack trace.
    const direct = await ask(t, 'status edge --account prod');
    expect(direct.text).toContain(`The bot cannot use account prod: it could not assume role ${org.roleArn(PROD)}`);
    expect(direct.text).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('assumes the read role again once its session nears expiry, and not before', async () => {
    const org = estate();
    t = await orgBot(org);
    await ask(t, 'status edge');
    org.advance(30 * 60_000);
    await ask(t, 'status edge');
    const prodAssumes = () => org.assumeRoleCalls.filter((c) => c.params.RoleArn === org.roleArn(PROD));
    expect(prodAssumes()).toHaveLength(1);
    org.advance(27 * 60_000);
    const body = await ask(t, 'status edge');
    expect(body.blocks[0].text.text).toBe('Cluster edge');
    expect(prodAssumes()).toHaveLength(2);
    const keys = [...new Set(org.callsIn(PROD).map((c) => c.identity.accessKeyId))];
    expect(keys).toHaveLength(2);
  });
});
