import type { Clock } from '../clock';
import { closestNames } from '../ecs/names';
import { NotFoundError, UsageError, UserFacingError } from '../errors';
import type { AwsAccounts } from './accounts';
import { mapLimit } from './batch';
import { EcsReader } from './ecs';
import { ScopeError, scopeKey, type AwsScope, type ClusterTarget, type ScopeFilter } from './scope';

/**
 * Addressing: which account and region a cluster is in. A name qualified by `--account` / `--region`
 * (or an ARN) narrows the search; an unqualified one is looked up across every configured account and
 * region. One place to search (a single-account install) costs no call at all: the command's own read
 * says "not found" as it always did.
 */

/** Several accounts or regions have a cluster of that name: the message lists them with the flags that pick each. */
export class AmbiguousClusterError extends UsageError {
  constructor(
    message: string,
    readonly candidates: (AwsScope & { flags: string })[],
    usage?: string,
  ) {
    super(message, usage);
    this.name = 'AmbiguousClusterError';
  }
}

/** Concurrent ListClusters calls while looking a name up. */
export const LOCATE_CONCURRENCY = 8;
/** How long a scope's cluster names are reused for lookups (a miss always looks again). */
export const CLUSTER_NAMES_TTL_MS = 60_000;

/** `--account prod --region eu-west-1`: the fewest flags that pick `s` among `among`. */
export function flagsFor(s: AwsScope, among: AwsScope[]): string {
  if (among.filter((x) => x.account === s.account).length === 1) return `--account ${s.account}`;
  if (among.filter((x) => x.region === s.region).length === 1) return `--region ${s.region}`;
  return `--account ${s.account} --region ${s.region}`;
}

export function describeScope(s: AwsScope): string {
  return `${s.account} · ${s.region}`;
}

export class ClusterLocator {
  private readonly names = new Map<string, { at: number; names: Promise<string[]> }>();
  private readonly readers = new Map<string, EcsReader>();

  constructor(
    private readonly accounts: AwsAccounts,
    private readonly clock: Clock,
  ) {}

  /** The configured scopes a filter allows; a ScopeError names what is configured when none. */
  scopes(filter: ScopeFilter = {}): AwsScope[] {
    const { account, region } = filter;
    if (account && region) return [this.accounts.check({ account, region })];
    if (account) {
      const a = this.accounts.account(account);
      if (!a) this.accounts.check({ account, region: '' });
      return a!.regions.map((r) => ({ account, region: r }));
    }
    const out = this.accounts.scopes().filter((s) => !region || s.region === region);
    if (out.length === 0)
      throw new ScopeError(
        `region "${String(region).slice(0, 40)}" is not configured (regions: ${this.accounts.settings.regions.join(', ')})`,
      );
    return out;
  }

  /**
   * The one place `cluster` is: used at once when the filter leaves one scope, else looked up in
   * every allowed scope in parallel. Several matches: AmbiguousClusterError; none: NotFoundError with
   * the closest names, each with the flags that pick its account and region.
   */
  async locate(cluster: string, filter: ScopeFilter = {}, usage?: string): Promise<ClusterTarget> {
    const scopes = this.scopes(filter);
    if (scopes.length === 1) return { ...scopes[0], cluster };
    let found = await this.search(scopes, false);
    if (!found.some((r) => r.names?.includes(cluster))) found = await this.search(scopes, true);
    const hits = found.filter((r) => r.names?.includes(cluster)).map((r) => r.scope);
    if (hits.length === 1) return { ...hits[0], cluster };
    if (hits.length > 1) {
      const candidates = hits.map((s) => ({ ...s, flags: flagsFor(s, hits) }));
      throw new AmbiguousClusterError(
        `cluster "${cluster}" is in ${hits.length} places; say which:\n${candidates
          .map((c) => `• ${describeScope(c)}: \`${c.flags}\``)
          .join('\n')}`,
        candidates,
        usage,
      );
    }
    const all = found.flatMap((r) => (r.names ?? []).map((name) => ({ name, scope: r.scope })));
    const closest = closestNames(
      cluster,
      all.map((x) => x.name),
    );
    const suggestions = closest.flatMap((name) => {
      const holders = all.filter((x) => x.name === name).map((x) => x.scope);
      return holders.map((h) => `${name} ${flagsFor(h, holders)}`);
    });
    const failed = found.filter((r) => r.error);
    const note = failed.length
      ? ` (not searched: ${failed.map((r) => `${describeScope(r.scope)}, ${r.error}`).join('; ')})`
      : '';
    throw new NotFoundError(`no cluster "${cluster}" in ${this.where(scopes)}${note}`, suggestions.slice(0, 5));
  }

  /** Cluster names of one scope, reused for a minute. */
  clusterNames(scope: AwsScope, fresh = false): Promise<string[]> {
    const key = scopeKey(scope);
    const hit = this.names.get(key);
    const now = this.clock.now();
    if (hit && !fresh && now - hit.at < CLUSTER_NAMES_TTL_MS) return hit.names;
    const names = this.reader(scope).listClusterNames();
    this.names.set(key, { at: now, names });
    names.catch(() => {
      if (this.names.get(key)?.names === names) this.names.delete(key);
    });
    return names;
  }

  private reader(scope: AwsScope): EcsReader {
    const key = scopeKey(scope);
    let r = this.readers.get(key);
    if (!r) {
      r = new EcsReader(this.accounts.read(scope).ecs, 2);
      this.readers.set(key, r);
    }
    return r;
  }

  private search(scopes: AwsScope[], fresh: boolean) {
    return mapLimit(scopes, LOCATE_CONCURRENCY, async (scope) => {
      try {
        return { scope, names: await this.clusterNames(scope, fresh) };
      } catch (err) {
        if (!(err instanceof UserFacingError)) throw err;
        return { scope, error: err.message };
      }
    });
  }

  private where(scopes: AwsScope[]): string {
    const accounts = [...new Set(scopes.map((s) => s.account))];
    const regions = [...new Set(scopes.map((s) => s.region))];
    return `${accounts.length === 1 ? `account ${accounts[0]}` : `${accounts.length} accounts`} (${
      regions.length === 1 ? regions[0] : `${regions.length} regions`
    })`;
  }
}
