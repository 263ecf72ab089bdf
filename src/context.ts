import type { App, CustomRoute, RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AwsAccounts } from './aws/accounts';
import type { AwsClients } from './aws/clients';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Readiness } from './readiness';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Store } from './store';

/** Everything a feature may use. Built once in app.ts; tests inject fakes for each part. */
export interface AppContext {
  config: Config;
  store: Store;
  /** Clients of the default account and region (`accounts.read()`): all there is in a single-account install. */
  aws: AwsClients;
  /** Clients per account, region and purpose: read sessions, and a session of its own per approved change. */
  accounts: AwsAccounts;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** New unguessable id (change requests, error references). */
  newId: (bytes?: number) => string;
  /** Slack Web API client for work outside a request (outbox, follow-ups). Rate limits are surfaced, not retried. */
  slack: WebClient;
  /** What /readyz checks besides the store; parts that can be down (the Slack socket) register here. */
  readiness: Readiness;
  /** Registers a promise as in-flight work; shutdown waits for it. */
  track<T>(p: Promise<T>): Promise<T>;
}

/** A long-running loop (outbox worker, rollout follower). `runOnce` lets tests drive it without timers. */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
  runOnce(): Promise<number>;
}

export type FlagKind = 'string' | 'boolean';
export type FlagSpec = Record<string, FlagKind>;

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean>;
}

/** One /ecs call, as the router (slack/commands/router.ts) hands it to a subcommand after the ack. */
export interface CommandInvocation {
  /** Words after the subcommand name, with flags separated per the subcommand's spec. */
  args: ParsedArgs;
  /** The whole text after /ecs, Slack entities decoded. */
  text: string;
  userId: string;
  channelId: string;
  teamId?: string;
  triggerId?: string;
  /** Sends a message through the command's response_url (ephemeral unless response_type says otherwise). */
  respond: (msg: string | RespondArguments) => Promise<void>;
  log: Logger;
}

/** An /ecs subcommand a feature contributes. */
export interface Subcommand {
  name: string;
  aliases?: string[];
  /** One usage line, shown by /ecs help and with every usage error: `status [cluster][/service]`. */
  usage: string;
  summary: string;
  flags?: FlagSpec;
  /** Hidden from /ecs help (still routed). */
  hidden?: boolean;
  /** The subcommand records its own latency (its final answer comes after run() resolves, e.g. a running query). */
  ownLatency?: boolean;
  run(inv: CommandInvocation, ctx: AppContext): Promise<void>;
}

/**
 * A capability of the bot. features.ts lists the features; each contributes subcommands, HTTP routes,
 * Bolt listeners (actions, events, views) and workers. Nothing else needs to change to add one.
 */
export interface Feature {
  name: string;
  subcommands?: Subcommand[];
  routes?: CustomRoute[];
  register?(app: App): void;
  workers?: Worker[];
}
