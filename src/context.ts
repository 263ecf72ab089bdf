import type { App } from '@slack/bolt';
import type { CustomRoute } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AwsClients } from './aws/clients';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Readiness } from './http/readiness';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Store } from './store';
import type { Subcommand } from './slack/commands/types';

/** Everything a feature may use. Built once in app.ts; tests inject fakes for each part. */
export interface AppContext {
  config: Config;
  store: Store;
  aws: AwsClients;
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

/**
 * A capability of the bot. app.ts lists the features; each contributes subcommands, HTTP routes,
 * Bolt listeners (actions, events, views) and workers. Nothing else needs to change to add one.
 */
export interface Feature {
  name: string;
  subcommands?: Subcommand[];
  routes?: CustomRoute[];
  register?(app: App): void;
  workers?: Worker[];
}

export type FeatureFactory = (ctx: AppContext) => Feature;
