import * as AAS from '@aws-sdk/client-application-auto-scaling';
import * as ASG from '@aws-sdk/client-auto-scaling';
import * as CW from '@aws-sdk/client-cloudwatch';
import * as LOGS from '@aws-sdk/client-cloudwatch-logs';
import * as ECS from '@aws-sdk/client-ecs';
import * as SNS from '@aws-sdk/client-sns';
import * as SQS from '@aws-sdk/client-sqs';
import * as STS from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients, CredentialsProvider } from '../../src/aws/clients';
import type { Clock } from '../../src/clock';
import { ACCOUNT, AwsWorld, REGION, WorldError, type CallIdentity, type WorldCall } from './aws-world';
import { worldHandlers, type WorldHandlers } from './aws-world-clients';
import { FakeLogs } from './fake-logs';

/**
 * Several AWS accounts and regions behind a fake STS, for the bot's multi-account paths. Each
 * (account, region) is an AwsWorld; the bot's own identity is role `ecs-chatops-bot` in ACCOUNT with
 * static keys. A role in another account trusts principals listed in its trust policy, may demand an
 * external ID, and allows `sts:SetSourceIdentity` / `sts:TagSession` only when its policy says so —
 * AssumeRole refuses otherwise, with the messages AWS gives. Every call is identified by the access
 * key it was signed with and recorded with that identity (account, role, session name, source
 * identity, tags), in the world it reached and in `org.calls`.
 *
 * `makeClients` gives the bot SDK clients whose calls this org answers; `stsRequestHandler` answers the
 * real SDK STS client inside `fromTemporaryCredentials` at the HTTP level (query protocol, XML), so the
 * bot's credential code runs unchanged.
 */

export const BOT_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ecs-chatops-bot`;
const BOT_ACCESS_KEY = 'AKIABOTIDENTITY00001';

export interface TrustPolicy {
  /** Principals that may assume the role: role ARNs, or `arn:aws:iam::ACCOUNT:root` for a whole account. */
  principals: string[];
  /** The `sts:ExternalId` condition, when the policy has one. */
  externalId?: string;
  /** Whether the policy's actions include sts:SetSourceIdentity and sts:TagSession. */
  setSourceIdentity: boolean;
  tagSession: boolean;
}

export interface FakeRole {
  arn: string;
  account: string;
  name: string;
  trust: TrustPolicy;
  maxSessionSeconds: number;
}

interface FakeSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: number;
  identity: CallIdentity;
}

export interface AssumeRoleParams {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds?: number;
  ExternalId?: string;
  SourceIdentity?: string;
  Tags?: { Key: string; Value: string }[];
}

export interface AssumeRoleCall {
  at: number;
  caller: string;
  params: AssumeRoleParams;
  outcome: string;
}

export interface OrgCall extends WorldCall {
  account: string;
  region: string;
  identity: CallIdentity;
}

type Cmd = new (input: any) => any;

const SESSION_RE = /^[\w+=,.@-]{2,64}$/;

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export class AwsOrg {
  readonly worlds = new Map<string, AwsWorld>();
  /** CloudWatch Logs per account and region, made on first use by logsOf (none: every Logs call is refused). */
  readonly logs = new Map<string, FakeLogs>();
  readonly roles = new Map<string, FakeRole>();
  readonly sessions = new Map<string, FakeSession>();
  readonly assumeRoleCalls: AssumeRoleCall[] = [];
  readonly calls: OrgCall[] = [];
  /** Accounts whose every call fails as if the network to them were down (not STS: the role is fine). */
  readonly unreachable = new Set<string>();
  /** Artificial latency per call, STS included (benchmarks). */
  latencyMs = 0;
  readonly home: AwsWorld;
  readonly clock: Clock = { now: () => this.now };
  readonly botCredentials: CredentialsProvider = async () => ({
    accessKeyId: BOT_ACCESS_KEY,
    secretAccessKey: 'bot-secret',
  });
  private seq = 0;
  private readonly handlers = new WeakMap<AwsWorld, WorldHandlers>();

  constructor(o: { home?: AwsWorld } = {}) {
    this.home = o.home ?? new AwsWorld();
    this.worlds.set(`${this.home.account}/${this.home.region}`, this.home);
    this.sessions.set(BOT_ACCESS_KEY, {
      accessKeyId: BOT_ACCESS_KEY,
      secretAccessKey: 'bot-secret',
      identity: {
        accessKeyId: BOT_ACCESS_KEY,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ecs-chatops-bot/i-0bot`,
        account: ACCOUNT,
        roleArn: BOT_ROLE_ARN,
        sessionName: 'i-0bot',
        tags: {},
      },
    });
  }

  get now(): number {
    return this.home.now;
  }

  /** Moves every world's time (and so credential expiry) forward. */
  advance(ms: number): void {
    for (const w of this.worlds.values()) w.now += ms;
  }

  /** The world of one account and region (made empty on first use). */
  world(account: string, region: string): AwsWorld {
    const key = `${account}/${region}`;
    let w = this.worlds.get(key);
    if (!w) {
      w = new AwsWorld(this.now, { account, region });
      this.worlds.set(key, w);
    }
    return w;
  }

  /** The CloudWatch Logs of one account and region (made empty on first use). */
  logsOf(account: string, region: string): FakeLogs {
    const key = `${account}/${region}`;
    let l = this.logs.get(key);
    if (!l) {
      l = new FakeLogs();
      this.logs.set(key, l);
    }
    return l;
  }

  roleArn(account: string, name = 'ecs-chatops'): string {
    return `arn:aws:iam::${account}:role/${name}`;
  }

  /** A role in `account` that, by default, trusts the bot's role and allows source identity and tags. */
  addRole(account: string, o: Partial<TrustPolicy> & { name?: string; maxSessionSeconds?: number } = {}): FakeRole {
    const name = o.name ?? 'ecs-chatops';
    const role: FakeRole = {
      arn: this.roleArn(account, name),
      account,
      name,
      trust: {
        principals: o.principals ?? [BOT_ROLE_ARN],
        externalId: o.externalId,
        setSourceIdentity: o.setSourceIdentity ?? true,
        tagSession: o.tagSession ?? true,
      },
      maxSessionSeconds: o.maxSessionSeconds ?? 3600,
    };
    this.roles.set(role.arn, role);
    return role;
  }

  /** Calls made in one account (optionally one operation). */
  callsIn(account: string, op?: string): OrgCall[] {
    return this.calls.filter((c) => c.account === account && (op === undefined || c.op === op));
  }

  /** The session behind an access key; refuses unknown and expired credentials as AWS does. */
  identify(accessKeyId: string | undefined): FakeSession {
    const s = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
    if (!s) throw new WorldError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (s.expiresAt !== undefined && s.expiresAt <= this.now)
      throw new WorldError('ExpiredTokenException', 'The security token included in the request is expired');
    return s;
  }

  assumeRole(caller: FakeSession, p: AssumeRoleParams) {
    const denied = (action: string) =>
      new WorldError(
        'AccessDenied',
        `User: ${caller.identity.arn} is not authorized to perform: ${action} on resource: ${p.RoleArn}`,
      );
    let outcome = 'ok';
    try {
      if (!SESSION_RE.test(p.RoleSessionName ?? ''))
        throw new WorldError('ValidationError', 'RoleSessionName must satisfy [\\w+=,.@-]{2,64}');
      if (p.SourceIdentity !== undefined && !SESSION_RE.test(p.SourceIdentity))
        throw new WorldError('ValidationError', 'SourceIdentity must satisfy [\\w+=,.@-]{2,64}');
      if ((p.Tags ?? []).length > 50 || (p.Tags ?? []).some((t) => t.Key.length > 128 || t.Value.length > 256))
        throw new WorldError('ValidationError', 'Tags exceed the session tag limits');
      const role = this.roles.get(p.RoleArn);
      if (!role) throw denied('sts:AssumeRole');
      const duration = p.DurationSeconds ?? 3600;
      if (duration < 900 || duration > role.maxSessionSeconds)
        throw new WorldError(
          'ValidationError',
          `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
        );
      const t = role.trust;
      const trusted =
        t.principals.includes(caller.identity.roleArn ?? '') ||
        t.principals.includes(`arn:aws:iam::${caller.identity.account}:root`);
      if (!trusted) throw denied('sts:AssumeRole');
      if (t.externalId !== undefined && p.ExternalId !== t.externalId) throw denied('sts:AssumeRole');
      if (p.SourceIdentity !== undefined && !t.setSourceIdentity) throw denied('sts:SetSourceIdentity');
      if ((p.Tags ?? []).length > 0 && !t.tagSession) throw denied('sts:TagSession');
      if (caller.identity.sourceIdentity && p.SourceIdentity && p.SourceIdentity !== caller.identity.sourceIdentity)
        throw new WorldError('AccessDenied', 'SourceIdentity cannot be changed in a role chain');
      this.seq += 1;
      const accessKeyId = `ASIA${String(this.seq).padStart(16, '0')}`;
      const sourceIdentity = p.SourceIdentity ?? caller.identity.sourceIdentity;
      const session: FakeSession = {
        accessKeyId,
        secretAccessKey: `secret-${this.seq}`,
        sessionToken: `token-${this.seq}`,
        expiresAt: this.now + duration * 1000,
        identity: {
          accessKeyId,
          arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${p.RoleSessionName}`,
          account: role.account,
          roleArn: role.arn,
          sessionName: p.RoleSessionName,
          ...(sourceIdentity ? { sourceIdentity } : {}),
          tags: Object.fromEntries((p.Tags ?? []).map((x) => [x.Key, x.Value])),
        },
      };
      this.sessions.set(accessKeyId, session);
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: session.secretAccessKey,
          SessionToken: session.sessionToken!,
          Expiration: new Date(session.expiresAt!),
        },
        AssumedRoleUser: { Arn: session.identity.arn, AssumedRoleId: `AROA${this.seq}:${p.RoleSessionName}` },
        SourceIdentity: sourceIdentity,
      };
    } catch (err) {
      outcome = (err as Error).name;
      throw err;
    } finally {
      this.assumeRoleCalls.push({ at: this.now, caller: caller.identity.arn, params: p, outcome });
    }
  }

  /** SDK clients for one region whose calls this org answers, signed with `credentials` (default: the bot's). */
  readonly makeClients = (region: string, credentials?: CredentialsProvider): AwsClients => {
    const creds = credentials ?? this.botCredentials;
    const cfg = { region, credentials: creds, maxAttempts: 1 };
    const clients: AwsClients = {
      ecs: new ECS.ECSClient(cfg),
      cloudwatch: new CW.CloudWatchClient(cfg),
      logs: new LOGS.CloudWatchLogsClient(cfg),
      sns: new SNS.SNSClient(cfg),
      sqs: new SQS.SQSClient(cfg),
      autoscaling: new ASG.AutoScalingClient(cfg),
      appautoscaling: new AAS.ApplicationAutoScalingClient(cfg),
      sts: new STS.STSClient(cfg),
    };
    const caller = async (): Promise<FakeSession> => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      return this.identify((await creds()).accessKeyId);
    };
    const wire = (client: any, service: keyof WorldHandlers) => {
      const m = mockClient(client);
      m.onAnyCommand().callsFake((input: unknown) => {
        throw new Error(
          `the fake AWS org has no handler for this ${service} call: ${JSON.stringify(input).slice(0, 200)}`,
        );
      });
      for (const [Cmd, op] of worldHandlers(this.home)[service] as [Cmd, string, unknown][]) {
        m.on(Cmd).callsFake(async (input: any) => {
          const s = await caller();
          const account = s.identity.account;
          if (this.unreachable.has(account)) throw this.timeout(service, region);
          const world = this.world(account, region);
          const h = this.handlersOf(world)[service].find((x) => x[1] === op)![2] as (i: unknown) => unknown;
          world.record(service, op, input, s.identity);
          this.calls.push({ service, op, input, at: world.now, account, region, identity: s.identity });
          const out = (await h(input)) as Record<string, unknown>;
          return { $metadata: { httpStatusCode: 200, requestId: `req-${this.calls.length}` }, ...out };
        });
      }
    };
    wire(clients.ecs, 'ecs');
    wire(clients.cloudwatch, 'cloudwatch');
    wire(clients.autoscaling, 'autoscaling');
    wire(clients.appautoscaling, 'application-autoscaling');
    wire(clients.sns, 'sns');
    wire(clients.sqs, 'sqs');
    const sts = mockClient(clients.sts);
    sts.on(STS.GetCallerIdentityCommand).callsFake(async () => {
      const s = await caller();
      return { Account: s.identity.account, Arn: s.identity.arn, UserId: `AROA:${s.identity.sessionName}` };
    });
    sts.on(STS.AssumeRoleCommand).callsFake(async (input: AssumeRoleParams) => this.assumeRole(await caller(), input));
    // CloudWatch Logs answers from the FakeLogs of the caller's account and region, when a test made one.
    const logs = mockClient(clients.logs);
    logs.onAnyCommand().rejects(new Error('this CloudWatch Logs call is not part of the fake AWS org'));
    for (const [Cmd, op] of [
      [LOGS.FilterLogEventsCommand, 'FilterLogEvents'],
      [LOGS.StartQueryCommand, 'StartQuery'],
      [LOGS.GetQueryResultsCommand, 'GetQueryResults'],
      [LOGS.StopQueryCommand, 'StopQuery'],
    ] as [Cmd, string][]) {
      logs.on(Cmd).callsFake(async (input: any) => {
        const s = await caller();
        const account = s.identity.account;
        if (this.unreachable.has(account)) throw this.timeout('logs', region);
        const fake = this.logs.get(`${account}/${region}`);
        if (!fake) throw new Error(`no CloudWatch Logs in the fake AWS org for ${account}/${region}`);
        this.calls.push({ service: 'logs', op, input, at: this.now, account, region, identity: s.identity });
        return fake.client.send(new Cmd(input));
      });
    }
    return clients;
  };

  /**
   * An SDK request handler answering STS's query protocol: what `fromTemporaryCredentials` sends is
   * signed with the caller's access key (Authorization: … Credential=AKID/…), which names the caller.
   */
  readonly stsRequestHandler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const header = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(header)?.[1];
      const q = new URLSearchParams(String(request.body ?? ''));
      const respond = (status: number, body: string) => ({
        response: { statusCode: status, headers: { 'content-type': 'text/xml' }, body: Buffer.from(body, 'utf8') },
      });
      try {
        const caller = this.identify(accessKeyId);
        const action = q.get('Action');
        if (action === 'GetCallerIdentity') {
          const id = caller.identity;
          return respond(
            200,
            `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${xml(id.arn)}</Arn><UserId>AROA:${xml(id.sessionName ?? '')}</UserId><Account>${id.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>sts-req</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          );
        }
        if (action !== 'AssumeRole') throw new WorldError('InvalidAction', `Could not find operation ${action}`);
        const tags: { Key: string; Value: string }[] = [];
        for (let i = 1; q.has(`Tags.member.${i}.Key`); i++)
          tags.push({ Key: q.get(`Tags.member.${i}.Key`)!, Value: q.get(`Tags.member.${i}.Value`) ?? '' });
        const r = this.assumeRole(caller, {
          RoleArn: q.get('RoleArn') ?? '',
          RoleSessionName: q.get('RoleSessionName') ?? '',
          DurationSeconds: q.has('DurationSeconds') ? Number(q.get('DurationSeconds')) : undefined,
          ExternalId: q.get('ExternalId') ?? undefined,
          SourceIdentity: q.get('SourceIdentity') ?? undefined,
          Tags: tags.length ? tags : undefined,
        });
        const c = r.Credentials;
        return respond(
          200,
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>${
            r.SourceIdentity ? `<SourceIdentity>${xml(r.SourceIdentity)}</SourceIdentity>` : ''
          }<AssumedRoleUser><Arn>${xml(r.AssumedRoleUser.Arn)}</Arn><AssumedRoleId>${xml(r.AssumedRoleUser.AssumedRoleId)}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey><SessionToken>${c.SessionToken}</SessionToken><Expiration>${c.Expiration.toISOString()}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>sts-req</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      } catch (err) {
        const e = err as WorldError;
        const status = e.name === 'ValidationError' ? 400 : 403;
        return respond(
          status,
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${xml(e.name)}</Code><Message>${xml(e.message)}</Message></Error><RequestId>sts-req</RequestId></ErrorResponse>`,
        );
      }
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };

  /** What createBot needs to make clients and sessions through this org (BotOptions.awsSeams). */
  seams() {
    return {
      makeClients: this.makeClients,
      baseCredentials: this.botCredentials,
      stsClientConfig: { requestHandler: this.stsRequestHandler },
    };
  }

  /** What the SDK throws when the network to an account is down. */
  private timeout(service: string, region: string): Error {
    return Object.assign(new Error(`connect ETIMEDOUT ${service}.${region}.amazonaws.com:443`), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      $metadata: {},
    });
  }

  private handlersOf(world: AwsWorld): WorldHandlers {
    let h = this.handlers.get(world);
    if (!h) {
      h = worldHandlers(world);
      this.handlers.set(world, h);
    }
    return h;
  }
}

export { ACCOUNT as BOT_ACCOUNT, REGION as HOME_REGION };
