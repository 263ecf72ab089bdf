import type { Metrics } from '../metrics';
import type { AwsClients } from './clients';

/**
 * IAM service prefix of each client, so an operation label reads like the IAM action it needs. A
 * client added to AwsClients later without an entry here is labelled by its key.
 */
const PREFIX: Record<string, string> = {
  ecs: 'ecs',
  cloudwatch: 'cloudwatch',
  logs: 'logs',
  sns: 'sns',
  sqs: 'sqs',
  autoscaling: 'autoscaling',
  appautoscaling: 'application-autoscaling',
  sts: 'sts',
};

const NAME_RE = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;
const MIDDLEWARE_NAME = 'ecsChatopsCallMetrics';

/** The minimum of an SDK v3 client this module touches. */
interface Instrumentable {
  middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; priority: 'high'; override?: boolean }): void;
  };
}

type Next = (args: unknown) => Promise<unknown>;
type HandlerContext = { commandName?: string };

/** `ok`, or the SDK error's name (ThrottlingException, AccessDeniedException …), bounded to safe label values. */
export function awsOutcomeOf(err: unknown): string {
  const name = (err as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && NAME_RE.test(name) && name !== 'Error' ? name : 'error';
}

/** `ecs:ListClusters` from the client's prefix and the command's name. */
export function awsOperationOf(prefix: string, commandName: string | undefined): string {
  const op = (commandName ?? '').replace(/Command$/, '');
  return `${prefix}:${NAME_RE.test(op) ? op : 'unknown'}`;
}

const done = new WeakSet<object>();

/** Adds the counting middleware to one client; safe to call twice. */
export function instrumentAwsClient(client: Instrumentable, prefix: string, metrics: Pick<Metrics, 'awsCalls'>): void {
  if (done.has(client)) return;
  done.add(client);
  awsCallsPlugin(prefix, metrics).applyToStack(client.middlewareStack);
}

/**
 * The counting middleware as an SDK plugin, for clients the bot does not construct itself (the STS
 * client inside `fromTemporaryCredentials`, so AssumeRole calls are counted too).
 */
export function awsCallsPlugin(prefix: string, metrics: Pick<Metrics, 'awsCalls'>) {
  return {
    applyToStack(stack: Instrumentable['middlewareStack']): void {
      addCounting(stack, prefix, metrics);
    },
  };
}

function addCounting(stack: Instrumentable['middlewareStack'], prefix: string, metrics: Pick<Metrics, 'awsCalls'>) {
  stack.add(
    (next: Next, context: HandlerContext) => async (args: unknown) => {
      const operation = awsOperationOf(prefix, context.commandName);
      try {
        const out = await next(args);
        metrics.awsCalls.inc({ operation, outcome: 'ok' });
        return out;
      } catch (err) {
        metrics.awsCalls.inc({ operation, outcome: awsOutcomeOf(err) });
        throw err;
      }
    },
    // initialize runs once per logical call, outside the retry loop: one count per operation. A plugin
    // may be applied to the same client again (fromTemporaryCredentials does so on every refresh).
    { step: 'initialize', name: MIDDLEWARE_NAME, priority: 'high', override: true },
  );
}

/**
 * Counts every AWS call made through these clients in
 * `ecs_chatops_aws_calls_total{operation="ecs:DescribeServices",outcome="ok"|<error name>}`.
 * Clients whose `send` is replaced (aws-sdk-client-mock) bypass the middleware stack, so their calls
 * are not counted; a fake behind a client's `requestHandler` is.
 */
export function instrumentAwsClients(clients: AwsClients, metrics: Pick<Metrics, 'awsCalls'>): AwsClients {
  for (const [key, value] of Object.entries(clients)) {
    const client = value as Instrumentable | undefined;
    if (client?.middlewareStack) instrumentAwsClient(client, PREFIX[key] ?? key.toLowerCase(), metrics);
  }
  return clients;
}
