import { isKnownRegion } from './regions';

/**
 * The accounts and regions the bot works in, read from AWS_ACCOUNTS, AWS_REGIONS, AWS_EXTERNAL_ID,
 * AWS_DEFAULT_ACCOUNT_NAME, AWS_ACCOUNTS_ONLY and CHANGE_ROLE_ARN. Pure: config.ts calls it and
 * reports its problems with every other setting's. With none of them set the result is one account
 * (the bot's own credentials) in one region (AWS_REGION): the single-account install of before.
 */

export const AWS_SETTING_HELP: Record<string, string> = {
  AWS_ACCOUNTS:
    'optional comma-separated name=roleArn pairs, e.g. prod=arn:aws:iam::111111111111:role/ecs-chatops; append @eu-west-1+us-east-1 to a pair to search only those regions there',
  AWS_REGIONS: 'optional comma-separated regions searched for clusters (default: AWS_REGION alone)',
  AWS_EXTERNAL_ID: 'optional external ID passed on every AssumeRole (the sts:ExternalId condition of the roles)',
  AWS_DEFAULT_ACCOUNT_NAME: "the name of the bot's own account in commands and cards (default: default)",
  AWS_ACCOUNTS_ONLY: "true to use only the AWS_ACCOUNTS roles, never the bot's own account (default false)",
  CHANGE_ROLE_ARN:
    "optional role in the bot's own account that approved changes there run in, with the approver as source identity",
};

export interface AccountSetting {
  /** The name people type (`--account prod`) and cards show. */
  name: string;
  /** The role the bot assumes in the account; undefined for the bot's own account. */
  roleArn?: string;
  /** 12 digits, from the role ARN; undefined for the bot's own account (STS tells it when asked). */
  accountId?: string;
  /** Regions searched in this account, in the order given. */
  regions: string[];
  /** The bot's own credentials (no role to assume for reads). */
  own: boolean;
}

export interface AwsSettings {
  /** The bot's home region (AWS_REGION): STS, SNS, and the only region of a single-account install. */
  region: string;
  /** AWS_REGIONS, or [AWS_REGION]. */
  regions: string[];
  /** The bot's own account first (unless AWS_ACCOUNTS_ONLY), then AWS_ACCOUNTS in order. */
  accounts: AccountSetting[];
  externalId?: string;
  changeRoleArn?: string;
  /** Several accounts or regions are configured: answers name the account and region they come from. */
  multi: boolean;
}

/** A cluster name optionally qualified with its account and region (`prod:eu-west-1:web`). */
export interface QualifiedCluster {
  account?: string;
  region?: string;
  cluster: string;
}

export interface SettingProblem {
  setting: string;
  message: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
export const ROLE_ARN_RE = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID_RE = /^[\w+=,.@:/-]{2,1224}$/;
const REGION_LIST_RE = /^[a-z]{2}(-[a-z]+)+-\d+(\+[a-z]{2}(-[a-z]+)+-\d+)*$/;
const CLUSTER_RE = /^[A-Za-z0-9_-]{1,255}$/;

export function isAccountName(s: string): boolean {
  return NAME_RE.test(s);
}

/** The 12-digit account of a role ARN. */
export function accountOfRoleArn(arn: string): string | undefined {
  return ROLE_ARN_RE.exec(arn)?.[2];
}

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

/**
 * `web`, `prod:web`, `eu-west-1:web` or `prod:eu-west-1:web`. Two parts are a region and a cluster when
 * the first is a region code, else an account and a cluster. Undefined when malformed.
 */
export function parseQualifiedCluster(s: string): QualifiedCluster | undefined {
  const parts = s.split(':');
  if (parts.some((p) => p === '') || parts.length > 3) return undefined;
  const cluster = parts[parts.length - 1];
  if (!CLUSTER_RE.test(cluster)) return undefined;
  if (parts.length === 1) return { cluster };
  if (parts.length === 3) return { account: parts[0], region: parts[1], cluster };
  return isKnownRegion(parts[0]) ? { region: parts[0], cluster } : { account: parts[0], cluster };
}

export function parseAwsSettings(
  env: Record<string, string | undefined>,
  region: string,
): { settings: AwsSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const problem = (setting: string, message: string) => problems.push({ setting, message });

  const regions = list(env.AWS_REGIONS);
  for (const r of regions) if (!isKnownRegion(r)) problem('AWS_REGIONS', `names an unknown region "${clip(r)}"`);
  const dupRegions = regions.filter((r, i) => regions.indexOf(r) !== i);
  if (dupRegions.length) problem('AWS_REGIONS', `lists ${[...new Set(dupRegions)].join(', ')} more than once`);
  const allRegions = regions.length ? [...new Set(regions)] : [region];

  const onlyRaw = (env.AWS_ACCOUNTS_ONLY ?? '').trim().toLowerCase();
  let accountsOnly = false;
  if (['1', 'true', 'yes', 'on'].includes(onlyRaw)) accountsOnly = true;
  else if (!['', '0', 'false', 'no', 'off'].includes(onlyRaw))
    problem('AWS_ACCOUNTS_ONLY', `expected true or false, got "${clip(env.AWS_ACCOUNTS_ONLY ?? '')}"`);

  const ownName = (env.AWS_DEFAULT_ACCOUNT_NAME ?? '').trim() || 'default';
  if (!NAME_RE.test(ownName))
    problem('AWS_DEFAULT_ACCOUNT_NAME', `"${clip(ownName)}" is not a valid name (letters, digits, - and _, up to 32)`);

  const externalId = (env.AWS_EXTERNAL_ID ?? '').trim() || undefined;
  if (externalId !== undefined && !EXTERNAL_ID_RE.test(externalId))
    problem('AWS_EXTERNAL_ID', 'must be 2 to 1224 characters of letters, digits and +=,.@:/-');

  const changeRoleArn = (env.CHANGE_ROLE_ARN ?? '').trim() || undefined;
  if (changeRoleArn !== undefined && !ROLE_ARN_RE.test(changeRoleArn))
    problem('CHANGE_ROLE_ARN', `"${clip(changeRoleArn)}" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)`);
  if (changeRoleArn !== undefined && accountsOnly)
    problem('CHANGE_ROLE_ARN', "is for the bot's own account, which AWS_ACCOUNTS_ONLY=true turns off");

  const accounts: AccountSetting[] = [];
  if (!accountsOnly) accounts.push({ name: ownName, regions: allRegions, own: true });
  const seenIds = new Map<string, string>();
  for (const pair of list(env.AWS_ACCOUNTS)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problem('AWS_ACCOUNTS', `expected name=roleArn, got "${clip(pair)}"`);
      continue;
    }
    const name = pair.slice(0, eq).trim();
    let arn = pair.slice(eq + 1).trim();
    let narrowed: string[] | undefined;
    const at = arn.lastIndexOf('@');
    if (at > 0 && REGION_LIST_RE.test(arn.slice(at + 1))) {
      narrowed = arn.slice(at + 1).split('+');
      arn = arn.slice(0, at);
    }
    if (!NAME_RE.test(name)) {
      problem('AWS_ACCOUNTS', `"${clip(name)}" is not a valid account name (letters, digits, - and _, up to 32)`);
      continue;
    }
    if (accounts.some((a) => a.name === name)) {
      problem(
        'AWS_ACCOUNTS',
        name === ownName && !accountsOnly
          ? `names an account "${name}", the name of the bot's own account (set AWS_DEFAULT_ACCOUNT_NAME or rename it)`
          : `names account "${name}" more than once`,
      );
      continue;
    }
    const accountId = accountOfRoleArn(arn);
    if (!accountId) {
      problem('AWS_ACCOUNTS', `${name}: "${clip(arn)}" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)`);
      continue;
    }
    const other = seenIds.get(accountId);
    if (other) problem('AWS_ACCOUNTS', `${name} and ${other} are the same AWS account ${accountId}; give it one name`);
    seenIds.set(accountId, name);
    let accountRegions = allRegions;
    if (narrowed) {
      const bad = narrowed.filter((r) => !isKnownRegion(r));
      const outside = narrowed.filter((r) => isKnownRegion(r) && !allRegions.includes(r));
      if (bad.length) problem('AWS_ACCOUNTS', `${name}: unknown region ${bad.map((r) => `"${clip(r)}"`).join(', ')}`);
      if (outside.length)
        problem(
          'AWS_ACCOUNTS',
          `${name}: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in AWS_REGIONS (${allRegions.join(', ')}); a pair can only narrow it`,
        );
      accountRegions = [...new Set(narrowed)];
    }
    accounts.push({ name, roleArn: arn, accountId, regions: accountRegions, own: false });
  }
  if (accountsOnly && accounts.length === 0)
    problem('AWS_ACCOUNTS_ONLY', 'is true but AWS_ACCOUNTS names no account: the bot would have no account at all');

  const settings: AwsSettings = {
    region,
    regions: allRegions,
    accounts,
    externalId,
    changeRoleArn,
    multi: accounts.length > 1 || allRegions.length > 1 || accounts.some((a) => !a.own),
  };
  return { settings, problems };
}

/** Checks a qualified ECS_DEFAULT_CLUSTER against the accounts and regions. */
export function checkDefaultCluster(value: string, s: AwsSettings): { cluster?: QualifiedCluster; problem?: string } {
  const arn = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/.exec(value);
  if (arn) {
    const account = s.accounts.find((a) => a.accountId === arn[2]);
    return { cluster: { cluster: arn[3], region: arn[1], ...(account ? { account: account.name } : {}) } };
  }
  const q = parseQualifiedCluster(value);
  if (!q) return { problem: `"${clip(value)}" is not cluster, account:cluster or account:region:cluster` };
  const account = q.account ? s.accounts.find((a) => a.name === q.account) : undefined;
  if (q.account && !account)
    return {
      problem: `names account "${clip(q.account)}", which is not configured (${s.accounts.map((a) => a.name).join(', ')})`,
    };
  if (q.region) {
    const regions = account ? account.regions : s.regions;
    if (!regions.includes(q.region))
      return { problem: `names region "${clip(q.region)}", which is not searched there (${regions.join(', ')})` };
  }
  return { cluster: q };
}
