import { AwsWorld, type WTask } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { FakeLogs } from '../helpers/fake-logs';
import { startTestBot, type TestBot } from '../helpers/test-bot';

export const CLUSTER = 'shop';
export const SERVICE = 'web';
export const GROUP = '/ecs/web';
export const PREFIX = 'web';

/**
 * A Fargate service `shop/web` of two tasks, each with two containers logging to CloudWatch Logs
 * (`app` and `worker`, group /ecs/web, stream prefix web) and a FireLens log router.
 */
export function logsWorld(o: { tasks?: number } = {}) {
  const world = new AwsWorld();
  world.addCluster(CLUSTER);
  const awslogs = (extra: Record<string, string> = {}) => ({
    logDriver: 'awslogs',
    options: {
      'awslogs-group': GROUP,
      'awslogs-region': 'us-east-1',
      'awslogs-stream-prefix': PREFIX,
      ...extra,
    },
  });
  world.registerTaskDef({
    family: SERVICE,
    cpu: 512,
    memory: 1024,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containers: [
      { name: 'app', image: 'example/web:1.4.2', essential: true, logConfiguration: awslogs() },
      { name: 'worker', image: 'example/worker:1.4.2', essential: false, logConfiguration: awslogs() },
      {
        name: 'router',
        image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
        essential: true,
        logConfiguration: {
          logDriver: 'awsfirelens',
          options: { Name: 'datadog', Host: 'http-intake.logs.example.com' },
        },
      },
    ],
  });
  world.addService(CLUSTER, SERVICE, `${SERVICE}:1`, o.tasks ?? 2, { launchType: 'FARGATE' });
  world.settle();
  const logs = new FakeLogs();
  logs.addGroup(GROUP);
  const tasks = (): WTask[] =>
    world
      .tasksOf(CLUSTER, SERVICE)
      .filter((t) => t.lastStatus === 'RUNNING')
      .sort((a, b) => a.id.localeCompare(b.id));
  const stream = (container: string, taskId: string) => `${PREFIX}/${container}/${taskId}`;
  return {
    world,
    logs,
    tasks,
    stream,
    /** Writes lines to a task's container stream, `agoMs` before now each. */
    say(task: WTask, container: string, lines: [agoMs: number, message: string][]) {
      logs.put(
        GROUP,
        stream(container, task.id),
        lines.map(([ago, message]) => ({ at: world.now - ago, message })),
      );
    },
  };
}

export function logsBot(
  w: ReturnType<typeof logsWorld>,
  env: Record<string, string | undefined> = {},
): Promise<TestBot> {
  return startTestBot({
    aws: awsClientsFor(w.world, { logs: w.logs.client }),
    clock: { now: () => w.world.now },
    env,
    noWorkers: true,
  });
}
