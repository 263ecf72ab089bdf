import type { BotServiceChange } from '../../src/approvals/api';
import { buildHistory } from '../../src/deployments/history';
import { renderDeployments, type DeploymentsView } from '../../src/deployments/render/deployments';
import type { TaskInfo } from '../../src/ecs/model';
import { totalTextLength } from '../../src/slack/block-budget';
import { LIMITS } from '../../src/slack/limits';
import { deployment, MIN, NOW, service } from '../ecs/diagnosis-fixtures';
import { HOSTILE, HOSTILE_TEXT, unsafeParts } from '../hostile/safe-mrkdwn';

const OLD = 'ecs-svc/1000000000000000001';
const MID = 'ecs-svc/2000000000000000002';
const NEW = 'ecs-svc/3000000000000000003';

function task(id: string, taskDefinition: string, startedBy: string, o: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id,
    arn: `arn:aws:ecs:us-east-1:123456789012:task/EcsLabCluster/${id}`,
    taskDefinition,
    service: 'EcsLabApi',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    containers: [],
    startedBy,
    ...o,
  };
}

function change(o: Partial<BotServiceChange> = {}): BotServiceChange {
  return {
    requestId: 'req123abc',
    action: 'restart-service',
    status: 'succeeded',
    requestedBy: 'U0ALICE',
    approvedBy: ['U0BOB'],
    requestedAt: NOW - 31 * MIN,
    executedAt: NOW - 30 * MIN,
    summary: 'Restart service EcsLabCluster/EcsLabApi: a new deployment of EcsLabApi:2',
    requested: 'new deployment of EcsLabApi:2',
    deploymentId: NEW,
    taskDefinition: 'EcsLabApi:2',
    ...o,
  };
}

/** Three deployments: one ECS forgot (only events remember it), one the bot made, the primary now. */
function threeDeploys() {
  const svc = service({
    taskDefinition: 'EcsLabApi:3',
    deployments: [
      deployment({ id: NEW, taskDefinition: 'EcsLabApi:3', createdAt: NOW - 5 * MIN, updatedAt: NOW - 2 * MIN }),
    ],
    events: [
      { id: 'e5', at: NOW - 2 * MIN, message: `(service EcsLabApi) (deployment ${NEW}) deployment completed.` },
      { id: 'e4', at: NOW - 5 * MIN, message: '(service EcsLabApi) has started 1 tasks: (task ccc).' },
      { id: 'e3', at: NOW - 28 * MIN, message: `(service EcsLabApi) (deployment ${MID}) deployment completed.` },
      { id: 'e2', at: NOW - 30 * MIN, message: '(service EcsLabApi) has started 2 tasks: (task bbb) (task bb2).' },
      { id: 'e1', at: NOW - 200 * MIN, message: `(service EcsLabApi) (deployment ${OLD}) deployment completed.` },
      { id: 'e0', at: NOW - 205 * MIN, message: '(service EcsLabApi) has started 1 tasks: (task aaa).' },
    ],
  });
  const tasks = [task('bbb', 'EcsLabApi:2', MID), task('ccc', 'EcsLabApi:3', NEW, { lastStatus: 'RUNNING' })];
  return { svc, tasks };
}

describe('deployment history, rebuilt from ECS, events, tasks and the bot’s requests', () => {
  it('lists current and past deployments newest first, with revisions from the tasks and the bot', () => {
    const { svc, tasks } = threeDeploys();
    const h = buildHistory({
      service: svc,
      tasks,
      changes: [change({ deploymentId: MID, taskDefinition: 'EcsLabApi:2' })],
      limit: 10,
    });
    expect(h.rows.map((r) => [r.id, r.taskDefinition, r.rolloutState, r.status])).toEqual([
      [NEW, 'EcsLabApi:3', 'COMPLETED', 'PRIMARY'],
      [MID, 'EcsLabApi:2', 'COMPLETED', undefined],
      [OLD, undefined, 'COMPLETED', undefined],
    ]);
    // The forgotten deployment's start is the first task start the events name before it completed.
    expect(h.rows[2]).toMatchObject({ createdAt: NOW - 205 * MIN, updatedAt: NOW - 200 * MIN, startedTasks: 1 });
    expect(h.rows[1]).toMatchObject({ createdAt: NOW - 30 * MIN, startedTasks: 2, bot: { requestedBy: 'U0ALICE' } });
    expect(h.rows[1].sources).toEqual(expect.arrayContaining(['events', 'tasks', 'bot']));
    expect(h.sources).toEqual(['ecs', 'events', 'tasks', 'bot']);
    expect(h.oldestEventAt).toBe(NOW - 205 * MIN);
  });

  it('names a failed deployment from its event, and keeps scaling apart from deployments', () => {
    const svc = service({
      events: [
        {
          id: 'f',
          at: NOW - 10 * MIN,
          message: `(service EcsLabApi) (deployment ${MID}) deployment failed: tasks failed to start.`,
        },
      ],
    });
    const scale = change({
      requestId: 'scale1',
      action: 'scale-service',
      deploymentId: undefined,
      taskDefinition: undefined,
      summary: 'Scale service EcsLabCluster/EcsLabApi from 1 to 4 tasks',
    });
    const h = buildHistory({ service: svc, tasks: [], changes: [scale], limit: 10 });
    const failed = h.rows.find((r) => r.id === MID)!;
    expect(failed).toMatchObject({ rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start' });
    expect(h.otherChanges.map((c) => c.requestId)).toEqual(['scale1']);
  });

  it('keeps to the limit and counts the rest', () => {
    const { svc, tasks } = threeDeploys();
    const h = buildHistory({ service: svc, tasks, changes: [], limit: 2 });
    expect(h.rows).toHaveLength(2);
    expect(h.more).toBe(1);
  });
});

function view(o: Partial<DeploymentsView> = {}): DeploymentsView {
  const { svc, tasks } = threeDeploys();
  return {
    cluster: 'EcsLabCluster',
    service: 'EcsLabApi',
    now: NOW,
    current: 'EcsLabApi:3',
    history: buildHistory({ service: svc, tasks, changes: [change({ deploymentId: MID })], limit: 10 }),
    images: new Map([
      ['EcsLabApi:2', [{ container: 'api', image: 'example/api:v2' }]],
      ['EcsLabApi:3', [{ container: 'api', image: 'example/api:v3' }]],
    ]),
    gaps: [],
    ...o,
  };
}

describe('/ecs deployments renderer', () => {
  it('shows revision, image, state, when, and who asked and approved what the bot made', () => {
    const m = renderDeployments(view());
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('*Deployments of `EcsLabCluster/EcsLabApi`* · now on `EcsLabApi:3`');
    expect(text).toContain('*`EcsLabApi:3`* · PRIMARY · :white_check_mark: COMPLETED · 1/1 running, 0 pending');
    expect(text).toContain('Image: api `example/api:v2`');
    expect(text).toContain(
      ':bust_in_silhouette: Restart asked by <@U0ALICE> · approved by <@U0BOB> · request `req123abc`',
    );
    expect(text).toContain('created <!date^');
    expect(text).toContain('(30 min ago)');
    expect(text).toContain('*revision not known*');
    expect(text).toContain(
      "this history is rebuilt from the deployments ECS holds now (DescribeServices); the service's events",
    );
    expect(m.text).toBe('Deployments of EcsLabCluster/EcsLabApi: 3 deployments, newest EcsLabApi:3 COMPLETED');
  });

  it('escapes hostile images, reasons, requesters and gaps in every field, the text fallback included', () => {
    const v = view({
      cluster: HOSTILE.channel,
      current: HOSTILE.link,
      images: new Map([['EcsLabApi:3', [{ container: HOSTILE.mention, image: HOSTILE.fence }]]]),
      gaps: [HOSTILE_TEXT],
    });
    v.history.rows[1].bot!.reason = HOSTILE_TEXT;
    v.history.rows[1].bot!.requestedBy = HOSTILE.here;
    v.history.rows[0].rolloutStateReason = HOSTILE.bidi;
    v.history.rows[0].rolloutState = 'IN_PROGRESS';
    expect(unsafeParts(renderDeployments(v), { users: ['U0BOB'] })).toEqual([]);
  });

  it('stays within the block and text budget for a long history, and says how to see more', () => {
    const events = Array.from({ length: 100 }, (_, i) => ({
      id: `e${i}`,
      at: NOW - i * MIN,
      message: `(service EcsLabApi) (deployment ecs-svc/${String(i).padStart(19, '0')}) deployment completed.`,
    }));
    const images = new Map([
      ['EcsLabApi:3', Array.from({ length: 10 }, (_, i) => ({ container: `c${i}`, image: 'x'.repeat(400) }))],
    ]);
    const h = buildHistory({ service: service({ deployments: [], events }), tasks: [], changes: [], limit: 25 });
    h.rows.forEach((r) => (r.taskDefinition = 'EcsLabApi:3'));
    const m = renderDeployments(view({ history: h, images }));
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    expect(totalTextLength(m.blocks)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
    expect(JSON.stringify(m.blocks)).toMatch(
      /older deployments? not shown: `\/ecs deployments EcsLabCluster\/EcsLabApi --limit 25`/,
    );
  });
});
