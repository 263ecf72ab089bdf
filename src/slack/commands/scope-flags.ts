import { isAccountName } from '../../aws/accounts-config';
import { isKnownRegion } from '../../aws/regions';
import { ScopeError, type AwsScope, type ClusterTarget, type ScopeFilter } from '../../aws/scope';
import type { AppContext } from '../../context';
import { UsageError } from '../../errors';
import type { FlagSpec } from '../../context';
import type { AwsClients } from '../../aws/clients';

/**
 * `--account NAME` and `--region REGION`, accepted by every command that takes a cluster, and the one
 * way those commands turn a cluster name into the account and region it is in.
 */

export const SCOPE_FLAGS: FlagSpec = { account: 'string', region: 'string' };
export const SCOPE_USAGE = '[--account NAME] [--region REGION]';

/** The flags as a filter; malformed values are usage errors (whether they are configured is checked later). */
export function scopeFilterOf(flags: Record<string, string | boolean>, usage?: string): ScopeFilter {
  const out: ScopeFilter = {};
  const account = flags.account;
  const region = flags.region;
  if (account !== undefined) {
    if (typeof account !== 'string' || !isAccountName(account))
      throw new UsageError(`"${String(account).slice(0, 40)}" is not an account name`, usage);
    out.account = account;
  }
  if (region !== undefined) {
    if (typeof region !== 'string' || !isKnownRegion(region))
      throw new UsageError(`"${String(region).slice(0, 40)}" is not an AWS region code such as eu-west-1`, usage);
    out.region = region;
  }
  return out;
}

/** The region and account ID an ECS ARN names, if the word is one. */
export function arnScopeOf(word: string | undefined): { region: string; accountId: string } | undefined {
  const m = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):(cluster|service)\//.exec(word ?? '');
  return m ? { region: m[1], accountId: m[2] } : undefined;
}

/**
 * Where `cluster` is. Flags narrow the search, then an ARN's account and region, then — for the
 * default cluster — the account and region ECS_DEFAULT_CLUSTER is qualified with. An unqualified
 * name is looked up across every configured account and region (see ClusterLocator).
 */
export async function locateCluster(
  ctx: AppContext,
  cluster: string,
  o: { flags?: Record<string, string | boolean>; words?: string[]; usage?: string; filter?: ScopeFilter } = {},
): Promise<ClusterTarget> {
  let filter: ScopeFilter = { ...o.filter, ...scopeFilterOf(o.flags ?? {}, o.usage) };
  const arn = arnScopeOf(o.words?.[0]);
  if (arn) {
    const account = await ctx.accounts.byAccountId(arn.accountId);
    if (!account && ctx.accounts.multi)
      throw new ScopeError(
        `that ARN is in AWS account ${arn.accountId}, which is not configured (add it to AWS_ACCOUNTS)`,
      );
    if (account && ctx.accounts.multi) filter = { account: account.name, region: arn.region, ...filter };
  }
  const dflt = ctx.config.defaultTarget;
  if (!filter.account && !filter.region && dflt && cluster === dflt.cluster)
    filter = { account: dflt.account, region: dflt.region };
  return ctx.accounts.locator.locate(cluster, filter, o.usage);
}

/** `prod (111111111111) · eu-west-1`, or undefined for a single-account install (its answers stay as they were). */
export function whereLabel(ctx: AppContext, s: AwsScope): string | undefined {
  if (!ctx.accounts.multi) return undefined;
  const id = ctx.accounts.account(s.account)?.accountId;
  return `${s.account}${id ? ` (${id})` : ''} · ${s.region}`;
}

/** An alarm's account (12 digits) and region, as its card's buttons carry them. */
export interface AlarmOrigin {
  a?: string;
  r?: string;
}

/** Validates the account and region a button carries; false when malformed. */
export function parseAlarmOrigin(v: Record<string, unknown>): AlarmOrigin | false {
  const a = v.a;
  const r = v.r;
  if (a !== undefined && a !== null && (typeof a !== 'string' || !/^\d{12}$/.test(a))) return false;
  if (r !== undefined && r !== null && (typeof r !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r))) return false;
  return { ...(typeof a === 'string' ? { a } : {}), ...(typeof r === 'string' ? { r } : {}) };
}

/** How to add an account the bot does not know, for answers to buttons of its alarms. */
export function addAccountHint(accountId: string): string {
  return `add a role there to AWS_ACCOUNTS (e.g. \`name=arn:aws:iam::${accountId}:role/ecs-chatops\`, deployed with deploy/member-account-role.yml) and restart the bot`;
}

/**
 * Where an alarm card's button acts: the alarm's account and region. A single-account install acts
 * where it always did. An account the bot is not configured for gets a ScopeError saying how to add it.
 */
export async function alarmScopeFilter(ctx: AppContext, o: AlarmOrigin): Promise<ScopeFilter> {
  if (!ctx.accounts.multi) return {};
  const filter: ScopeFilter = {};
  if (o.a) {
    const account = await ctx.accounts.byAccountId(o.a);
    if (!account)
      throw new ScopeError(
        `This alarm is from AWS account ${o.a}, which the bot is not configured for: ${addAccountHint(o.a)}.`,
      );
    filter.account = account.name;
    if (o.r && !account.regions.includes(o.r))
      throw new ScopeError(
        `This alarm is from region ${o.r}, which the bot does not search in account ${account.name} (regions: ${account.regions.join(', ')}): add it to AWS_REGIONS.`,
      );
  }
  if (o.r) filter.region = o.r;
  return filter;
}

/** The account and region a notification names, as buttons carry them (malformed values are dropped). */
export function originOf(n: { account?: string; region?: string }): AlarmOrigin {
  const o = parseAlarmOrigin({ a: n.account, r: n.region });
  if (o !== false) return o;
  const a = parseAlarmOrigin({ a: n.account });
  const r = parseAlarmOrigin({ r: n.region });
  return { ...(a === false ? {} : a), ...(r === false ? {} : r) };
}

/**
 * The read clients of an alarm's account and region, for what the bot does to the alarm itself (mute
 * rules). A single-account install, or an alarm naming no account, uses the default clients; an
 * account the bot is not configured for is a ScopeError saying how to add it.
 */
export async function alarmClients(ctx: AppContext, o: AlarmOrigin): Promise<AwsClients> {
  if (!ctx.accounts.multi) return ctx.aws;
  const f = await alarmScopeFilter(ctx, o);
  if (!f.account) return ctx.aws;
  const a = ctx.accounts.account(f.account)!;
  const home = ctx.accounts.defaultScope.region;
  const region = f.region ?? (a.regions.includes(home) ? home : a.regions[0]);
  return ctx.accounts.read({ account: f.account, region });
}
