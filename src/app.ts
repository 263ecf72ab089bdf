import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, type CustomRoute } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { AwsAccounts, type AwsAccountsOptions } from './aws/accounts';
import type { AwsClients } from './aws/clients';
import { awsCallsPlugin, instrumentAwsClients } from './aws/instrument';
import { systemClock, newId as defaultNewId, type Clock } from './clock';
import { registerCommandRouter } from './slack/commands/router';
import type { WorkGate } from './slack/commands/work-gate';
import { ConfigError, type Config } from './config';
import type { AppContext, Feature, Worker } from './context';
import { buildFeatures, type FeatureOptions } from './features';
import { Readiness } from './readiness';
import { sendJson } from './http/routes';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { boltLogger } from './slack/bolt-logger';
import { countingFetch } from './slack/instrument';
import { dropRepeatedEvents } from './slack/event-dedup';
import { slackRequestGuard } from './slack/request-guard';
import { SlackSocket, type SlackSocketOptions } from './slack/socket-mode';
import { openStore, type Store } from './store';

export interface BotOptions {
  config: Config;
  store?: Store;
  /** Clients of the bot's own account in its home region (tests: a fake world's). */
  aws?: AwsClients;
  /** How other accounts' and regions' clients and sessions are made (tests: a fake organisation). */
  awsSeams?: Pick<AwsAccountsOptions, 'makeClients' | 'baseCredentials' | 'stsClientConfig'>;
  clock?: Clock;
  logger?: Logger;
  newId?: (bytes?: number) => string;
  /** Web API retries for Bolt's own client (default 3; tests use 0). */
  slackRetries?: number;
  /** Socket Mode timings (tests shorten the back-off). */
  socket?: Partial<Pick<SlackSocketOptions, 'readyGraceMs' | 'backoffMs' | 'maxBackoffMs'>>;
  /** Typed options for the features and the command router (tests: shorter intervals, fixed lease owners, fakes). */
  inject?: BotSeams;
}

/** What tests (and tuning) may replace: each feature's own options, and the command router's work gate. */
export interface BotSeams extends FeatureOptions {
  commandGate?: WorkGate;
}

export interface Bot {
  app: App;
  ctx: AppContext;
  /** The seams the bot was built with. */
  inject: BotSeams;
  features: Feature[];
  workers: Worker[];
  /** The Socket Mode connection when SLACK_APP_TOKEN is set (Slack then never calls the bot over HTTP). */
  socket?: SlackSocket;
  /** Starts HTTP (and the Slack socket) and workers; resolves with the bound port (pass 0 for a random one). */
  start(port?: number, host?: string): Promise<number>;
  /** Graceful: stop accepting, finish in-flight work, stop workers, close the store. */
  stop(): Promise<void>;
}

/**
 * Who the bot is, for Bolt (bot id and user id, from auth.test). Bolt's own single-token authorize
 * calls auth.test once at start and caches the promise *including a failure*: a bot started while
 * Slack answered 5xx stayed deaf to every command and click until restarted (test/faults). This one
 * keeps only a success and asks again on the next request after a failure.
 */
function botAuthorize(client: WebClient, botToken: string, logger: Logger) {
  let cached: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const load = () => {
    const p = client.auth.test().then((r) => ({ botId: r.bot_id, botUserId: r.user_id }));
    p.catch((err: unknown) => {
      if (cached === p) cached = undefined;
      logger.warn({ err }, 'auth.test failed; will ask Slack again on the next request');
    });
    return p;
  };
  cached = load();
  return async () => ({ botToken, ...(await (cached ??= load())) });
}

/** The bot's own routes with an exact path (every one today), keyed by `METHOD /path`. */
function exactRoutes(routes: CustomRoute[]): Map<string, CustomRoute['handler']> {
  const exact = new Map<string, CustomRoute['handler']>();
  for (const r of routes) {
    if (r.path.includes(':') || r.path.includes('*')) continue;
    for (const m of Array.isArray(r.method) ? r.method : [r.method])
      exact.set(`${m.toUpperCase()} ${r.path}`, r.handler);
  }
  return exact;
}

function ownRoute(exact: Map<string, CustomRoute['handler']>, req: IncomingMessage) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return exact.get(`${req.method} ${q === -1 ? url : url.slice(0, q)}`);
}

/** Bolt's Slack endpoint, recognised as Bolt's receiver does (the URL's path, any query ignored). */
const SLACK_EVENTS_PATH = '/slack/events';

function isSlackEndpoint(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname === SLACK_EVENTS_PATH;
  } catch {
    return false;
  }
}

type Guard = (req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage) => void) => void;

/**
 * The bot's own routes (/sns, /healthz, /readyz, /metrics: exact paths) are answered before Bolt's
 * receiver, which otherwise compiles its custom-route matcher on every request — a measurable share of
 * SNS ingest. Requests to /slack/events pass the bot's guard (signature, timestamp both ways, replays,
 * a body Bolt can dispatch) and then go to Bolt; anything else goes to Bolt unchanged.
 */
function serveOwnRoutesFirst(server: Server, routes: CustomRoute[], guard: Guard): void {
  const exact = exactRoutes(routes);
  const bolt = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  // Without the guard in front, replays and bodies that hang Bolt would reach it: refuse to run so.
  if (bolt.length !== 1) throw new Error(`expected Bolt's one request listener, found ${bolt.length}`);
  server.removeAllListeners('request');
  const toBolt = (req: IncomingMessage, res: ServerResponse) => bolt[0].call(server, req, res);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const handler = ownRoute(exact, req);
    if (handler) handler(req as Parameters<CustomRoute['handler']>[0], res);
    else if (isSlackEndpoint(req)) guard(req, res, (checked) => toBolt(checked, res));
    else toBolt(req, res);
  });
}

/**
 * In Socket Mode the bot's own HTTP server serves only its routes (health, metrics, /sns for teams
 * that keep SNS over HTTPS); Slack reaches the bot over the socket, so /slack/events does not exist.
 */
function ownRoutesServer(routes: CustomRoute[], log: Logger): Server {
  for (const r of routes)
    if (r.path.includes(':') || r.path.includes('*'))
      log.warn({ path: r.path }, 'a route with parameters is not served in Socket Mode');
  const exact = exactRoutes(routes);
  return createServer((req, res) => {
    const handler = ownRoute(exact, req);
    if (handler) handler(req as Parameters<CustomRoute['handler']>[0], res);
    else sendJson(res, 404, { error: 'not_found' });
  });
}

/** The composition root: config → store → AWS clients → features → Bolt App. */
export async function createBot(opts: BotOptions): Promise<Bot> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const store = opts.store ?? (await openStore(config.database));
  const metrics = createMetrics();
  const clock = opts.clock ?? systemClock;
  // Every AWS call is counted by operation and outcome (a middleware on each client), AssumeRole too.
  const accounts = new AwsAccounts({
    settings: config.aws,
    clock,
    ...opts.awsSeams,
    defaultClients: opts.aws,
    instrument: (c) => instrumentAwsClients(c, metrics),
    stsPlugins: [awsCallsPlugin('sts', metrics)],
  });
  const aws = accounts.read();
  // Every Slack HTTP call is counted by method and outcome: ctx.slack, Bolt's app.client and the
  // per-team clients Bolt gives listeners all take their fetch from these options.
  const slackFetch = countingFetch(metrics);
  const inflight = new Set<Promise<unknown>>();
  const slackRetries = opts.slackRetries ?? 3;

  const ctx: AppContext = {
    config,
    store,
    aws,
    accounts,
    clock,
    logger,
    metrics,
    newId: opts.newId ?? defaultNewId,
    slack: new WebClient(config.slack.botToken, {
      slackApiUrl: config.slack.apiUrl,
      logger: boltLogger(logger),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 10_000,
      fetch: slackFetch,
    }),
    readiness: new Readiness(),
    track<T>(p: Promise<T>) {
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      return p;
    },
  };

  const inject = opts.inject ?? {};
  const features = buildFeatures(ctx, inject);
  const routes = features.flatMap((f) => f.routes ?? []);
  // Socket Mode when an app-level token is given: Bolt's SocketModeReceiver, reconnects owned by SlackSocket.
  const socket = config.slack.appToken
    ? new SlackSocket({
        appToken: config.slack.appToken,
        apiUrl: config.slack.apiUrl,
        fetch: slackFetch,
        logger,
        metrics,
        clock: ctx.clock,
        ...opts.socket,
      })
    : undefined;
  if (socket) ctx.readiness.add('slack-socket', () => socket.readiness());
  else if (!config.slack.signingSecret)
    throw new ConfigError([{ setting: 'SLACK_SIGNING_SECRET', message: 'is required (or set SLACK_APP_TOKEN)' }]);
  const app = new App({
    authorize: botAuthorize(ctx.slack, config.slack.botToken, logger),
    ...(socket
      ? { receiver: socket.receiver }
      : { signingSecret: config.slack.signingSecret, customRoutes: routes, processBeforeResponse: false }),
    logger: boltLogger(logger),
    clientOptions: { slackApiUrl: config.slack.apiUrl, retryConfig: { retries: slackRetries }, fetch: slackFetch },
    // Bolt's default in-memory conversation store runs before every listener (and so before every ack)
    // and builds an Error per request when nothing is stored; the bot keeps no conversation state.
    convoStore: false,
    extendedErrorHandler: true,
  });
  app.error(async ({ error }: { error: Error }) => {
    logger.error({ err: error }, 'slack listener error');
  });
  // First in the middleware chain: a retried event stops before any feature sees it.
  dropRepeatedEvents(app, { events: store.slackRequests, now: systemClock.now, logger });

  registerCommandRouter(
    app,
    ctx,
    features.flatMap((f) => f.subcommands ?? []),
    opts.inject?.commandGate,
  );
  for (const f of features) f.register?.(app);
  const workers = features.flatMap((f) => f.workers ?? []);

  let server: Server | undefined;
  let stopping: Promise<void> | undefined;
  return {
    app,
    ctx,
    inject,
    features,
    workers,
    socket,
    async start(port = config.port, host?: string) {
      if (socket) {
        const own = ownRoutesServer(routes, logger);
        server = own;
        await new Promise<void>((resolve, reject) => {
          own.once('error', reject);
          own.listen(port, host, () => {
            own.off('error', reject);
            resolve();
          });
        });
        // Resolves once connected or after a first failed attempt; SlackSocket keeps trying on its own.
        await socket.start();
      } else {
        server = (await app.start(host ? { port, host } : port)) as Server;
        serveOwnRoutesFirst(
          server,
          routes,
          slackRequestGuard({
            signingSecret: config.slack.signingSecret ?? '',
            requests: store.slackRequests,
            now: systemClock.now,
            logger,
            metrics,
          }),
        );
      }
      for (const w of workers) w.start();
      const bound = (server.address() as AddressInfo).port;
      logger.info(
        {
          port: bound,
          slack: socket ? 'socket-mode' : 'http',
          store: store.dialect,
          features: features.map((f) => f.name),
        },
        'ecs-chatops started',
      );
      return bound;
    },
    stop() {
      stopping ??= (async () => {
        if (socket) {
          // No new envelopes from Slack; then the health server goes.
          await socket.stop().catch((err: unknown) => logger.warn({ err }, 'Slack socket stop failed'));
          const own = server;
          if (own) {
            own.closeIdleConnections?.();
            await new Promise<void>((resolve) => own.close(() => resolve()));
          }
        } else if (server) {
          server.closeIdleConnections?.();
          await app.stop().catch((err: unknown) => logger.warn({ err }, 'http server stop failed'));
        }
        await Promise.allSettled([...inflight]);
        await Promise.allSettled(workers.map((w) => w.stop()));
        await Promise.allSettled([...inflight]);
        await store.close();
        accounts.destroy();
        logger.info('ecs-chatops stopped');
      })();
      return stopping;
    },
  };
}
