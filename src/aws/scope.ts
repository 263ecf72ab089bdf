import { UserFacingError } from '../errors';

/**
 * Where an AWS call goes: a configured account (by name) and a region. Every read and change of the
 * bot is made in one scope; a single-account install has exactly one.
 */
export interface AwsScope {
  account: string;
  region: string;
}

export const scopeKey = (s: AwsScope): string => `${s.account}/${s.region}`;

/** Where to look: an account, a region, both or neither. */
export interface ScopeFilter {
  account?: string;
  region?: string;
}

/** A cluster and the account and region it is in. */
export interface ClusterTarget extends AwsScope {
  cluster: string;
}

/** A scope names an account or region the bot is not configured for. */
export class ScopeError extends UserFacingError {
  override readonly code = 'scope';
}
