import { serviceChanges, type BotServiceChange } from '../approvals/api';
import type { EcsReader } from '../aws/ecs';
import type { AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import type { TaskInfo } from '../ecs/model';
import { UserFacingError } from '../errors';
import type { Logger } from '../logger';
import { buildHistory } from './history';
import type { DeploymentsView } from './render/deployments';
import type { DeploymentsRequest } from './args';

/** Revisions whose images are read per answer (each a DescribeTaskDefinition, cached). */
const MAX_REVISIONS = 12;
/** Tasks read per desired status: enough to name the deployments ECS still remembers. */
const MAX_TASKS = 100;

/**
 * Reads what the history is rebuilt from, all read-only: the service (its deployments and events), its
 * running and recently stopped tasks, the bot's approved changes of it, then each revision's images.
 * Only the service is required; anything else that fails is named in the answer.
 */
export async function gatherDeployments(
  ctx: AppContext,
  ecs: EcsReader,
  req: DeploymentsRequest,
  o: { scope?: AwsScope; where?: string; log: Logger },
): Promise<DeploymentsView> {
  const gaps: string[] = [];
  const optional = <T>(what: string, p: Promise<T>, fallback: T): Promise<T> =>
    p.catch((err: unknown) => {
      if (err instanceof UserFacingError) gaps.push(`${what}: ${err.message}`);
      else {
        o.log.error({ err }, `deployments: reading ${what} failed`);
        gaps.push(`${what}: an unexpected error (logged)`);
      }
      return fallback;
    });
  await ecs.getCluster(req.cluster);
  const service = await ecs.getService(req.cluster, req.service);
  const [running, stopped, changes] = await Promise.all([
    optional<TaskInfo[]>('tasks', ecs.listTasks(req.cluster, { service: service.name, max: MAX_TASKS }), []),
    optional<TaskInfo[]>(
      'stopped tasks',
      ecs.listTasks(req.cluster, { service: service.name, desiredStatus: 'STOPPED', max: MAX_TASKS }),
      [],
    ),
    optional<BotServiceChange[]>(
      "the bot's change requests",
      serviceChanges(ctx, { cluster: service.cluster, service: service.name, scope: o.scope }, 50),
      [],
    ),
  ]);
  const history = buildHistory({ service, tasks: [...running, ...stopped], changes, limit: req.limit });
  const revisions = [...new Set(history.rows.map((r) => r.taskDefinition).filter((t): t is string => !!t))];
  const images = new Map<string, { container: string; image?: string }[]>();
  await Promise.all(
    revisions.slice(0, MAX_REVISIONS).map(async (rev) => {
      const td = await optional(`task definition ${rev}`, ecs.describeTaskDefinition(rev), undefined);
      if (td)
        images.set(
          rev,
          td.containers.map((c) => ({ container: c.name, image: c.image })),
        );
    }),
  );
  return {
    cluster: service.cluster,
    service: service.name,
    now: ctx.clock.now(),
    current: service.taskDefinition,
    history,
    images,
    gaps,
    where: o.where,
  };
}
