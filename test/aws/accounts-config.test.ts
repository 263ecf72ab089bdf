import { ConfigError, loadConfig } from '../../src/config';
import { parseQualifiedCluster } from '../../src/aws/accounts-config';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'shh-secret', AWS_REGION: 'eu-west-1' };
const PROD = 'arn:aws:iam::111111111111:role/ecs-chatops';
const STAGING = 'arn:aws:iam::222222222222:role/team/ecs-chatops';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.setting} ${p.message}`);
  }
  return [];
}

describe('accounts and regions settings', () => {
  it('with none of them set, is the single-account install of before: one account, one region', () => {
    const c = loadConfig(base);
    expect(c.aws).toEqual({
      region: 'eu-west-1',
      regions: ['eu-west-1'],
      accounts: [{ name: 'default', regions: ['eu-west-1'], own: true }],
      multi: false,
    });
    expect(c.defaultCluster).toBeUndefined();
  });

  it('reads accounts, regions, a narrowed pair, the external ID and the change role', () => {
    const c = loadConfig({
      ...base,
      AWS_ACCOUNTS: `prod=${PROD}@eu-west-1 , staging=${STAGING}`,
      AWS_REGIONS: 'eu-west-1,us-east-1',
      AWS_EXTERNAL_ID: 'ecs-chatops-7f3a',
      AWS_DEFAULT_ACCOUNT_NAME: 'shared',
      CHANGE_ROLE_ARN: 'arn:aws:iam::333333333333:role/ecs-chatops-change',
      ECS_DEFAULT_CLUSTER: 'prod:eu-west-1:web',
    });
    expect(c.aws.accounts).toEqual([
      { name: 'shared', regions: ['eu-west-1', 'us-east-1'], own: true },
      { name: 'prod', roleArn: PROD, accountId: '111111111111', regions: ['eu-west-1'], own: false },
      { name: 'staging', roleArn: STAGING, accountId: '222222222222', regions: ['eu-west-1', 'us-east-1'], own: false },
    ]);
    expect(c.aws.multi).toBe(true);
    expect(c.aws.externalId).toBe('ecs-chatops-7f3a');
    expect(c.aws.changeRoleArn).toBe('arn:aws:iam::333333333333:role/ecs-chatops-change');
    expect(c.defaultCluster).toBe('web');
    expect(c.defaultTarget).toEqual({ account: 'prod', region: 'eu-west-1', cluster: 'web' });
  });

  it("drops the bot's own account with AWS_ACCOUNTS_ONLY", () => {
    const c = loadConfig({ ...base, AWS_ACCOUNTS: `prod=${PROD}`, AWS_ACCOUNTS_ONLY: 'true' });
    expect(c.aws.accounts.map((a) => a.name)).toEqual(['prod']);
    expect(c.aws.multi).toBe(true);
  });

  it('refuses to start with every problem named: invalid ARNs, duplicate names, unknown regions', () => {
    expect(
      problems({
        AWS_ACCOUNTS: `prod=${PROD},prod=${STAGING},default=${STAGING},qa=arn:aws:iam::12:user/x,dev=${PROD.replace('111111111111', '444444444444')}@eu-west-9,bad name=${PROD}`,
        AWS_REGIONS: 'eu-west-1,moon-base-1',
        AWS_EXTERNAL_ID: 'x',
        AWS_ACCOUNTS_ONLY: 'maybe',
        CHANGE_ROLE_ARN: 'arn:aws:iam::1:role/',
        ECS_DEFAULT_CLUSTER: 'nowhere:web',
      }),
    ).toEqual([
      'AWS_REGIONS names an unknown region "moon-base-1"',
      'AWS_ACCOUNTS_ONLY expected true or false, got "maybe"',
      'AWS_EXTERNAL_ID must be 2 to 1224 characters of letters, digits and +=,.@:/-',
      'CHANGE_ROLE_ARN "arn:aws:iam::1:role/" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)',
      'AWS_ACCOUNTS names account "prod" more than once',
      'AWS_ACCOUNTS names an account "default", the name of the bot\'s own account (set AWS_DEFAULT_ACCOUNT_NAME or rename it)',
      'AWS_ACCOUNTS qa: "arn:aws:iam::12:user/x" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)',
      'AWS_ACCOUNTS dev: unknown region "eu-west-9"',
      'AWS_ACCOUNTS "bad name" is not a valid account name (letters, digits, - and _, up to 32)',
      'ECS_DEFAULT_CLUSTER names account "nowhere", which is not configured (default, prod, dev)',
    ]);
  });

  it('refuses a pair that widens AWS_REGIONS, two names for one account, and accounts-only without accounts', () => {
    expect(
      problems({
        AWS_ACCOUNTS: `prod=${PROD}@us-east-1,prod2=${PROD}`,
        AWS_ACCOUNTS_ONLY: 'true',
        ECS_DEFAULT_CLUSTER: 'prod:eu-central-1:web',
      }),
    ).toEqual([
      'AWS_ACCOUNTS prod: us-east-1 is not in AWS_REGIONS (eu-west-1); a pair can only narrow it',
      'AWS_ACCOUNTS prod2 and prod are the same AWS account 111111111111; give it one name',
      'ECS_DEFAULT_CLUSTER names region "eu-central-1", which is not searched there (us-east-1)',
    ]);
    expect(problems({ AWS_ACCOUNTS_ONLY: 'true' })).toEqual([
      'AWS_ACCOUNTS_ONLY is true but AWS_ACCOUNTS names no account: the bot would have no account at all',
    ]);
  });

  it('reads qualified cluster names', () => {
    expect(parseQualifiedCluster('web')).toEqual({ cluster: 'web' });
    expect(parseQualifiedCluster('prod:web')).toEqual({ account: 'prod', cluster: 'web' });
    expect(parseQualifiedCluster('eu-west-1:web')).toEqual({ region: 'eu-west-1', cluster: 'web' });
    expect(parseQualifiedCluster('prod:eu-west-1:web')).toEqual({
      account: 'prod',
      region: 'eu-west-1',
      cluster: 'web',
    });
    expect(parseQualifiedCluster('a:b:c:d')).toBeUndefined();
    expect(parseQualifiedCluster('prod::web')).toBeUndefined();
  });
});
