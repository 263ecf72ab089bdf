import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Clock } from '../clock';
import { AwsError } from '../errors';
import type { AwsCredentials, CredentialsProvider } from './clients';

/**
 * One assumed-role session: AssumeRole once, share the credentials with every client that uses the
 * session, and assume again shortly before they expire (by the bot's clock). The SDK would otherwise
 * memoise credentials per client, so seven clients in two regions meant fourteen AssumeRole calls for
 * one account; a `memoized` provider tells the SDK this one caches and refreshes itself.
 */

/** Credentials are renewed when fewer than this many ms remain (the SDK's own margin is 5 minutes). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A Slack user ID as STS takes it for SourceIdentity and RoleSessionName: 2–64 characters of
 * `[\w+=,.@-]`. Slack IDs already are; anything else has its other characters replaced, so the
 * approver is always named rather than the change refused.
 */
export function stsName(s: string): string {
  const clean = s.replace(/[^\w+=,.@-]/g, '_').slice(0, 64);
  return clean.length >= 2 ? clean : clean.padEnd(2, '_');
}

/** A session tag value as STS takes it: up to 256 of letters, digits, spaces and `_.:/=+-@`. */
export function stsTagValue(s: string): string {
  return s.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

export interface SessionTag {
  Key: string;
  Value: string;
}

export interface RoleSessionParams {
  /** Configured account name, for messages. */
  account: string;
  roleArn: string;
  sessionName: string;
  externalId?: string;
  /** CloudTrail's `sourceIdentity` for every call made with the session (needs sts:SetSourceIdentity). */
  sourceIdentity?: string;
  /** Session tags (need sts:TagSession). */
  tags?: SessionTag[];
  durationSeconds: number;
}

export interface StsOptions {
  clock: Clock;
  /** The bot's own credentials, which assume the role (default: the SDK's credential chain). */
  masterCredentials?: CredentialsProvider;
  /** The region of the STS endpoint (the bot's home region). */
  region: string;
  /** Extra STS client configuration (tests: a request handler answering as a fake STS). */
  clientConfig?: Record<string, unknown>;
  /** STS client plugins (the call-counting middleware). */
  clientPlugins?: unknown[];
}

/** The role could not be assumed. The message names the account, the role and the likely cause. */
export class RoleAssumeError extends AwsError {
  constructor(
    message: string,
    readonly account: string,
    readonly roleArn: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'sts:AssumeRole', options);
    this.name = 'RoleAssumeError';
  }
}

/** Why AssumeRole refused, in words that point at the fix. */
export function assumeRoleProblem(err: unknown, p: Pick<RoleSessionParams, 'sourceIdentity' | 'tags' | 'externalId'>) {
  const name = (err as { name?: string })?.name ?? 'Error';
  const msg = String((err as Error)?.message ?? '');
  if (/sts:SetSourceIdentity/.test(msg))
    return "its trust policy does not allow sts:SetSourceIdentity, which approved changes need so CloudTrail names the approver (add it to the trust policy's actions, see deploy/member-account-role.yml)";
  if (/sts:TagSession/.test(msg))
    return "its trust policy does not allow sts:TagSession, which approved changes need to tag the session with requester, approver and change (add it to the trust policy's actions)";
  if (name === 'AccessDenied' || name === 'AccessDeniedException')
    return `its trust policy does not trust the bot's own role${
      p.externalId
        ? ', or its sts:ExternalId condition does not match AWS_EXTERNAL_ID'
        : ', or it requires an external ID (set AWS_EXTERNAL_ID)'
    }`;
  if (name === 'RegionDisabledException') return 'STS is not activated in the bot’s home region for that account';
  if (name === 'ExpiredTokenException' || name === 'InvalidClientTokenId')
    return `the bot's own credentials were refused (${name})`;
  if (name === 'ValidationError') return `STS refused the request: ${msg.slice(0, 200)}`;
  return `STS answered ${name}${msg ? `: ${msg.slice(0, 200)}` : ''}`;
}

export class RoleSession {
  private current?: { creds: AwsCredentials; refreshAt: number };
  private pending?: Promise<AwsCredentials>;
  private readonly source: CredentialsProvider;
  /** How many times this session called AssumeRole. */
  assumed = 0;
  /** What the SDK clients take as `credentials`. */
  readonly provider: CredentialsProvider & { memoized: true };

  constructor(
    readonly params: RoleSessionParams,
    private readonly sts: StsOptions,
  ) {
    this.source = fromTemporaryCredentials({
      params: {
        RoleArn: params.roleArn,
        RoleSessionName: params.sessionName,
        DurationSeconds: params.durationSeconds,
        ...(params.externalId ? { ExternalId: params.externalId } : {}),
        ...(params.sourceIdentity ? { SourceIdentity: params.sourceIdentity } : {}),
        ...(params.tags?.length ? { Tags: params.tags } : {}),
      },
      ...(sts.masterCredentials ? { masterCredentials: sts.masterCredentials } : {}),
      clientConfig: { region: sts.region, maxAttempts: 2, ...sts.clientConfig },
      ...(sts.clientPlugins ? { clientPlugins: sts.clientPlugins as never } : {}),
    }) as CredentialsProvider;
    const provider = (() => this.get()) as CredentialsProvider & { memoized: true };
    provider.memoized = true;
    this.provider = provider;
  }

  /** Valid credentials: the cached ones, or new ones when they are about to expire. */
  get(): Promise<AwsCredentials> {
    const c = this.current;
    if (c && this.sts.clock.now() < c.refreshAt) return Promise.resolve(c.creds);
    this.pending ??= this.assume().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async assume(): Promise<AwsCredentials> {
    this.assumed += 1;
    let creds: AwsCredentials;
    try {
      creds = await this.source();
    } catch (err) {
      this.current = undefined;
      throw new RoleAssumeError(
        `The bot cannot use account ${this.params.account}: it could not assume role ${this.params.roleArn}${
          this.params.sourceIdentity ? ' with a source identity' : ''
        }. Likely cause: ${assumeRoleProblem(err, this.params)}. Run \`npm run doctor\` for details.`,
        this.params.account,
        this.params.roleArn,
        { cause: err },
      );
    }
    const expires = creds.expiration?.getTime() ?? this.sts.clock.now() + this.params.durationSeconds * 1000;
    this.current = { creds, refreshAt: expires - REFRESH_MARGIN_MS };
    return creds;
  }
}
