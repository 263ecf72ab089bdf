import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Clock } from '../clock';
import type { AccountSetting, AwsSettings } from './accounts-config';
import { createAwsClients, destroyAwsClients, type AwsClients, type CredentialsProvider } from './clients';
import { ClusterLocator } from './locate';
import { ScopeError, scopeKey, type AwsScope } from './scope';
import { RoleSession, stsName, stsTagValue, type SessionTag } from './sessions';

export type { AwsScope } from './scope';

/** Who asked for and who approved a change: the attribution its AWS session carries. */
export interface ChangeAttribution {
  requestId: string;
  requester: string;
  /** The approver whose approval runs the change: the session's SourceIdentity. */
  approver: string;
  /** Every approver, when the policy asks for more than one. */
  approvers?: string[];
}

/** The clients an approved change runs with, and how CloudTrail will name it. */
export interface ChangeSession {
  clients: AwsClients;
  /** `ecs-chatops-<request id>`; undefined when the change runs with the bot's own credentials. */
  sessionName?: string;
  roleArn?: string;
  /** The Slack user ID CloudTrail records as `sourceIdentity`. */
  sourceIdentity?: string;
  /** The `approvers` session tag: every approver of a change that needed several. */
  approvers?: string;
  /** Releases the session's clients (the change is done). */
  close(): void;
}

/**
 * The `approvers` session tag: every distinct approver, joined by `+` (a character tag values allow
 * and Slack IDs never hold), whole IDs only within the 256 characters of a tag value, so an IAM
 * condition like `aws:PrincipalTag/approvers` StringLike `*U0123ABCD*` never matches a cut-off ID.
 */
export function approversTag(ids: string[]): string {
  const distinct = [...new Set(ids.map((id) => stsTagValue(id).replace(/\+/g, '_')).filter(Boolean))];
  let out = '';
  for (const id of distinct) {
    const next = out ? `${out}+${id}` : id;
    if (next.length > 256) break;
    out = next;
  }
  return out;
}

/** Read sessions are assumed for this long (the SDK and STS default). */
export const READ_SESSION_SECONDS = 3600;
/** A change session lives only as long as its change: STS's minimum. */
export const CHANGE_SESSION_SECONDS = 900;
export const READ_SESSION_NAME = 'ecs-chatops-read';

/** `ecs-chatops-<request id>`: the RoleSessionName CloudTrail shows for one approved change. */
export function changeSessionName(requestId: string): string {
  return stsName(`ecs-chatops-${requestId}`);
}

export interface AwsAccountsOptions {
  settings: AwsSettings;
  clock: Clock;
  /** The bot's own account in its home region (tests pass a fake world's clients). */
  defaultClients?: AwsClients;
  /** Builds the clients of one region with these credentials (undefined: the bot's own). */
  makeClients?: (region: string, credentials?: CredentialsProvider) => AwsClients;
  /** The bot's own credentials, which assume the roles (default: the SDK's credential chain). */
  baseCredentials?: CredentialsProvider;
  /** Extra STS client configuration for AssumeRole (tests: a fake STS's request handler). */
  stsClientConfig?: Record<string, unknown>;
  /** Plugins for the STS clients that assume roles (call counting). */
  stsPlugins?: unknown[];
  /** Applied to every set of clients made (call counting). */
  instrument?: (c: AwsClients) => AwsClients;
}

/**
 * The client factory: SDK clients per (account, region, purpose). Reads share one session per account
 * (`ecs-chatops-read`, assumed once and refreshed before expiry) and one set of clients per account and
 * region; every approved change gets a session of its own whose SourceIdentity is the approver. The
 * bot's own account reads with the bot's own credentials.
 */
export class AwsAccounts {
  readonly settings: AwsSettings;
  readonly defaultScope: AwsScope;
  private readonly readClients = new Map<string, AwsClients>();
  private readonly readSessions = new Map<string, RoleSession>();
  private readonly ownAccountId: { value?: Promise<string | undefined> } = {};
  private changeSessions = 0;
  /** Finds which account and region a cluster name is in. */
  readonly locator: ClusterLocator;

  constructor(private readonly o: AwsAccountsOptions) {
    this.settings = o.settings;
    this.locator = new ClusterLocator(this, o.clock);
    const first = o.settings.accounts[0];
    this.defaultScope = {
      account: first.name,
      region: first.regions.includes(o.settings.region) ? o.settings.region : first.regions[0],
    };
  }

  /** Several accounts or regions: answers say where things are. */
  get multi(): boolean {
    return this.settings.multi;
  }

  get accounts(): readonly AccountSetting[] {
    return this.settings.accounts;
  }

  account(name: string): AccountSetting | undefined {
    return this.settings.accounts.find((a) => a.name === name);
  }

  /** Every configured (account, region) pair, accounts in configuration order. */
  scopes(): AwsScope[] {
    return this.settings.accounts.flatMap((a) => a.regions.map((region) => ({ account: a.name, region })));
  }

  isConfigured(s: AwsScope): boolean {
    return this.account(s.account)?.regions.includes(s.region) ?? false;
  }

  /** Throws a ScopeError naming what is configured when the scope is not. */
  check(s: AwsScope): AwsScope {
    const a = this.account(s.account);
    if (!a)
      throw new ScopeError(
        `account "${s.account.slice(0, 40)}" is not configured (accounts: ${this.accounts.map((x) => x.name).join(', ')})`,
      );
    if (!a.regions.includes(s.region))
      throw new ScopeError(
        `region "${s.region.slice(0, 40)}" is not searched in account ${a.name} (regions: ${a.regions.join(', ')})`,
      );
    return s;
  }

  /** Clients for reading in a scope, made once and kept. */
  read(scope: AwsScope = this.defaultScope): AwsClients {
    const key = scopeKey(scope);
    let c = this.readClients.get(key);
    if (!c) {
      const a = this.account(this.check(scope).account)!;
      if (a.own && scopeKey(scope) === scopeKey(this.ownHome()) && this.o.defaultClients)
        c = this.o.instrument ? this.o.instrument(this.o.defaultClients) : this.o.defaultClients;
      else c = this.make(scope.region, a.own ? this.o.baseCredentials : this.readSession(a).provider);
      this.readClients.set(key, c);
    }
    return c;
  }

  /** The read session of an account (undefined for the bot's own account). */
  readSessionOf(name: string): RoleSession | undefined {
    const a = this.account(name);
    return a && !a.own ? this.readSession(a) : undefined;
  }

  /**
   * A session of its own for one approved change: AssumeRole with the approver as SourceIdentity and
   * the requester, approver and request as session tags, so CloudTrail shows who approved which
   * request. Assumed before anything runs, so a refusal changes nothing. In the bot's own account the
   * change runs with CHANGE_ROLE_ARN when it is set, else with the bot's own credentials (unattributed).
   */
  async change(scope: AwsScope, who: ChangeAttribution): Promise<ChangeSession> {
    const a = this.account(this.check(scope).account)!;
    const roleArn = a.own ? this.settings.changeRoleArn : a.roleArn;
    if (!roleArn) return { clients: this.read(scope), close: () => undefined };
    const sessionName = changeSessionName(who.requestId);
    const sourceIdentity = stsName(who.approver);
    const tags: SessionTag[] = [
      { Key: 'requester', Value: stsTagValue(who.requester) },
      { Key: 'approver', Value: stsTagValue(who.approver) },
      { Key: 'change', Value: stsTagValue(who.requestId) },
    ];
    const approvers = approversTag([...(who.approvers ?? []), who.approver]);
    if (approvers.includes('+')) tags.push({ Key: 'approvers', Value: approvers });
    const session = new RoleSession(
      {
        account: a.name,
        roleArn,
        sessionName,
        externalId: this.settings.externalId,
        sourceIdentity,
        tags,
        durationSeconds: CHANGE_SESSION_SECONDS,
      },
      this.sts(),
    );
    await session.get();
    this.changeSessions += 1;
    const clients = this.make(scope.region, session.provider);
    return {
      clients,
      sessionName,
      roleArn,
      sourceIdentity,
      ...(approvers.includes('+') ? { approvers } : {}),
      close: () => destroyAwsClients(clients),
    };
  }

  /** The role a change in this account runs in (undefined: the bot's own credentials, unattributed). */
  changeRoleOf(name: string): string | undefined {
    const a = this.account(name);
    if (!a) return undefined;
    return a.own ? this.settings.changeRoleArn : a.roleArn;
  }

  /** The 12-digit ID of a configured account (the bot's own from STS, asked once). */
  async accountId(name: string): Promise<string | undefined> {
    const a = this.account(name);
    if (!a) return undefined;
    if (a.accountId) return a.accountId;
    this.ownAccountId.value ??= this.read(this.ownHome())
      .sts.send(new GetCallerIdentityCommand({}))
      .then((r) => r.Account)
      .catch(() => {
        this.ownAccountId.value = undefined;
        return undefined;
      });
    return this.ownAccountId.value;
  }

  /** The configured account with this 12-digit ID, if any. */
  async byAccountId(id: string): Promise<AccountSetting | undefined> {
    const byRole = this.accounts.find((a) => a.accountId === id);
    if (byRole) return byRole;
    const own = this.accounts.find((a) => a.own);
    return own && (await this.accountId(own.name)) === id ? own : undefined;
  }

  /** AssumeRole calls made so far (read sessions and change sessions). */
  get assumeRoleCalls(): number {
    let n = this.changeSessions;
    for (const s of this.readSessions.values()) n += s.assumed;
    return n;
  }

  destroy(): void {
    for (const c of this.readClients.values()) if (c !== this.o.defaultClients) destroyAwsClients(c);
    this.readClients.clear();
  }

  private ownHome(): AwsScope {
    const own = this.accounts.find((a) => a.own);
    if (!own) return this.defaultScope;
    return {
      account: own.name,
      region: own.regions.includes(this.settings.region) ? this.settings.region : own.regions[0],
    };
  }

  private readSession(a: AccountSetting): RoleSession {
    let s = this.readSessions.get(a.name);
    if (!s) {
      s = new RoleSession(
        {
          account: a.name,
          roleArn: a.roleArn!,
          sessionName: READ_SESSION_NAME,
          externalId: this.settings.externalId,
          durationSeconds: READ_SESSION_SECONDS,
        },
        this.sts(),
      );
      this.readSessions.set(a.name, s);
    }
    return s;
  }

  private sts() {
    return {
      clock: this.o.clock,
      masterCredentials: this.o.baseCredentials,
      region: this.settings.region,
      clientConfig: this.o.stsClientConfig,
      clientPlugins: this.o.stsPlugins,
    };
  }

  private make(region: string, credentials?: CredentialsProvider): AwsClients {
    const c = this.o.makeClients ? this.o.makeClients(region, credentials) : createAwsClients(region, { credentials });
    return this.o.instrument ? this.o.instrument(c) : c;
  }
}
