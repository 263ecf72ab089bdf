import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { askAs, estate, loggerIn, orgBot, PROD, STAGING } from './org-bot';

/**
 * `/ecs logs` across accounts (signed HTTP, the fake AWS organisation with CloudWatch Logs per
 * account, the fake Slack): service `web/logger` runs in prod and staging, each logging its own line;
 * the flags pick the account whose logs are read, and the unqualified name answers with both.
 */

const ALICE = 'U0ALICE';

describe('/ecs logs --account/--region', () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    loggerIn(org, PROD, 'hello from prod', 60_000);
    loggerIn(org, STAGING, 'hello from staging', 60_000);
    t = await orgBot(org);
  });
  afterEach(async () => {
    await t.stop();
  });

  const ask = async (text: string) => JSON.stringify(await askAs(t, ALICE, text));

  it('reads the logs of the account the flag names, through that account', async () => {
    const staging = await ask('logs web/logger --account staging');
    expect(staging).toContain('hello from staging');
    expect(staging).not.toContain('hello from prod');
    const reads = org.calls.filter((c) => c.op === 'FilterLogEvents');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((c) => c.account === STAGING && c.region === 'eu-west-1')).toBe(true);

    const prod = await ask('logs web/logger --account prod --region eu-west-1');
    expect(prod).toContain('hello from prod');
    expect(prod).not.toContain('hello from staging');
  });

  it('answers an unqualified name found in two accounts with both candidates and the flag for each', async () => {
    const ambiguous = await ask('logs web/logger');
    expect(ambiguous).toContain('--account prod');
    expect(ambiguous).toContain('--account staging');
    expect(ambiguous).toContain('[--account NAME] [--region REGION]');
    expect(org.calls.some((c) => c.op === 'FilterLogEvents')).toBe(false);

    const bad = await ask('logs web/logger --region moon-1');
    expect(bad).toContain('is not an AWS region code');
  });
});
