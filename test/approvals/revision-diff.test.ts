import type { ContainerDefinitionInfo, DeploymentInfo, TaskDefinitionInfo } from '../../src/ecs/model';
import {
  diffRevisions,
  nearbyRevisions,
  parseRevisionRef,
  previousSteadyRevision,
  revisionsDiffer,
} from '../../src/ecs/revision-diff';
import { revisionDiffBlocks } from '../../src/approvals/render/revision-diff';
import { deploymentEndedLine, renderChangeCard } from '../../src/approvals/render/change-request';
import { endedInEvents } from '../../src/approvals/rollout-follower';
import type { ChangePlan } from '../../src/approvals/types';
import { totalTextLength } from '../../src/slack/block-budget';
import { LIMITS } from '../../src/slack/limits';

function container(o: Partial<ContainerDefinitionInfo> & { name: string }): ContainerDefinitionInfo {
  return { essential: true, hostPorts: [], environmentNames: [], secretNames: [], portMappings: [], ...o };
}

function revision(n: number, containers: ContainerDefinitionInfo[], o: Partial<TaskDefinitionInfo> = {}) {
  return {
    family: 'web',
    revision: n,
    cpu: 256,
    memory: 512,
    requiresCompatibilities: ['FARGATE'],
    containers,
    ...o,
  } satisfies TaskDefinitionInfo;
}

const svc = { circuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 50, maximumPercent: 200 };

describe('diffRevisions', () => {
  it('lists image, size, variable and secret names, ports and roles that differ, per container', () => {
    const from = revision(
      7,
      [
        container({
          name: 'app',
          image: 'repo/web:2.0',
          cpu: 256,
          memory: 1024,
          environmentNames: ['LOG_LEVEL', 'NEW_FLAG'],
          secretNames: ['DB_PASSWORD', 'STRIPE_KEY'],
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        }),
        container({ name: 'metrics', image: 'repo/exporter:1' }),
      ],
      { taskCpu: 512, taskMemory: 1024, taskRoleArn: 'arn:aws:iam::1:role/web-v2' },
    );
    const to = revision(
      6,
      [
        container({
          name: 'app',
          image: 'repo/web:1.9',
          cpu: 256,
          memory: 512,
          environmentNames: ['LOG_LEVEL', 'OLD_FLAG'],
          secretNames: ['DB_PASSWORD'],
          portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
        }),
        container({ name: 'proxy', image: 'envoy:1.30' }),
      ],
      { taskCpu: 256, taskMemory: 1024, taskRoleArn: 'arn:aws:iam::1:role/web' },
    );
    const d = diffRevisions(from, to, svc);
    expect(d.from).toBe('web:7');
    expect(d.to).toBe('web:6');
    expect(d.task).toEqual({
      cpu: { from: 512, to: 256 },
      taskRole: { from: 'arn:aws:iam::1:role/web-v2', to: 'arn:aws:iam::1:role/web' },
    });
    expect(d.containers).toEqual([
      {
        name: 'app',
        change: 'changed',
        image: 'repo/web:1.9',
        imageChange: { from: 'repo/web:2.0', to: 'repo/web:1.9' },
        memory: { from: 1024, to: 512 },
        envAdded: ['OLD_FLAG'],
        envRemoved: ['NEW_FLAG'],
        secretsAdded: [],
        secretsRemoved: ['STRIPE_KEY'],
        portsAdded: ['80/tcp on host 80'],
        portsRemoved: ['8080/tcp'],
      },
      expect.objectContaining({ name: 'proxy', change: 'added', image: 'envoy:1.30' }),
      expect.objectContaining({ name: 'metrics', change: 'removed', image: 'repo/exporter:1' }),
    ]);
    expect(d.deployment).toEqual({
      circuitBreaker: { enable: true, rollback: true },
      minimumHealthyPercent: 50,
      maximumPercent: 200,
    });
    expect(revisionsDiffer(d)).toBe(true);
  });

  it('finds no difference between two revisions that define the same things', () => {
    const c = container({ name: 'app', image: 'repo/web:1', environmentNames: ['A'] });
    const d = diffRevisions(revision(2, [c]), revision(1, [{ ...c }]), svc);
    expect(d.containers).toEqual([expect.objectContaining({ name: 'app', change: 'unchanged' })]);
    expect(revisionsDiffer(d)).toBe(false);
  });
});

describe('revisionDiffBlocks', () => {
  it('escapes AWS strings, and shows names but never anything but names', () => {
    const from = revision(2, [
      container({ name: 'app*<!here>', image: 'repo/web:`bad`<@U123>', environmentNames: ['X_<!channel>'] }),
    ]);
    const to = revision(1, [container({ name: 'app*<!here>', image: 'repo/web:good' })]);
    const text = JSON.stringify(revisionDiffBlocks(diffRevisions(from, to, svc), { maxChars: 3000 }));
    expect(text).not.toContain('<!here>');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('Environment variables: removed `X_&lt;!channel&gt;`');
  });

  it('stays within the characters it is given, keeps the deployment line and counts the containers left out', () => {
    const many = (tag: string) =>
      Array.from({ length: 10 }, (_, i) =>
        container({
          name: `container-${i}`,
          image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/a-rather-long-repository-name-${i}:${tag}`,
          environmentNames: Array.from({ length: 40 }, (_, j) => `${tag}_VARIABLE_NAME_${j}`),
        }),
      );
    const d = diffRevisions(revision(9, many('new')), revision(8, many('old')), svc);
    for (const maxChars of [3500, 1500, 600]) {
      const blocks = revisionDiffBlocks(d, { maxChars });
      expect(totalTextLength(blocks)).toBeLessThanOrEqual(maxChars);
      const text = JSON.stringify(blocks);
      expect(text).toContain('Deployment configuration (kept): circuit breaker on, rollback on');
      if (maxChars < 3500) expect(text).toMatch(/\d+ more container/);
    }
    expect(JSON.stringify(revisionDiffBlocks(d, { maxChars: 3500 }))).toContain('and 28 more');
  });

  it('keeps the whole approval card within Slack limits with the longest reason and the largest diff', () => {
    const many = (tag: string) =>
      Array.from({ length: 10 }, (_, i) =>
        container({
          name: `c${i}`,
          image: `repo/${'x'.repeat(200)}:${tag}`,
          environmentNames: Array.from({ length: 40 }, (_, j) => `${tag}_${j}`),
        }),
      );
    const plan: ChangePlan = {
      action: 'rollback-service',
      cluster: 'c',
      service: 's',
      target: 'c/s',
      summary: 'Roll back service c/s from web:9 to web:8',
      current: { value: 'web:9', label: 'web:9' },
      requested: { value: 'web:8', label: 'web:8' },
      details: ['x'.repeat(1500)],
      effects: ['y'.repeat(1500)],
      warnings: ['z'.repeat(3000)],
      data: { taskDefinition: 'web:8' },
      revisionDiff: diffRevisions(revision(9, many('new')), revision(8, many('old')), svc),
    };
    const card = renderChangeCard({
      id: 'req123456',
      status: 'pending',
      plan,
      requestedBy: 'U1',
      reason: 'r'.repeat(500),
      createdAt: 0,
      expiresAt: 1,
    });
    expect(totalTextLength(card.blocks)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
    expect(card.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    expect(JSON.stringify(card.blocks)).toContain('Deployment configuration (kept)');
  });
});

describe('which revision a rollback goes to', () => {
  const dep = (o: Partial<DeploymentInfo> & { taskDefinition: string }): DeploymentInfo => ({
    id: `ecs-svc/${o.taskDefinition}`,
    status: 'ACTIVE',
    desired: 1,
    running: 1,
    pending: 0,
    failedTasks: 0,
    ...o,
  });

  it('prefers the completed deployment the service ran before the current one', () => {
    const target = previousSteadyRevision(
      {
        taskDefinition: 'web:9',
        deployments: [
          dep({ taskDefinition: 'web:9', status: 'PRIMARY', rolloutState: 'FAILED' }),
          dep({ taskDefinition: 'web:7', rolloutState: 'COMPLETED', createdAt: 1 }),
        ],
      },
      [9, 8, 7, 6],
    );
    expect(target).toEqual({ taskDefinition: 'web:7', basis: 'previous-deployment' });
  });

  it('else takes the newest earlier ACTIVE revision, never one whose deployment failed, and may find none', () => {
    const svc2 = {
      taskDefinition: 'web:9',
      deployments: [
        dep({ taskDefinition: 'web:9', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }),
        dep({ taskDefinition: 'web:8', rolloutState: 'FAILED' }),
      ],
    };
    expect(previousSteadyRevision(svc2, [10, 9, 8, 6])).toEqual({ taskDefinition: 'web:6', basis: 'earlier-revision' });
    expect(previousSteadyRevision(svc2, [10, 9, 8])).toBeUndefined();
    expect(previousSteadyRevision({ taskDefinition: 'web:1', deployments: [] }, [1])).toBeUndefined();
  });

  it('parses the three ways to name a revision and refuses anything else', () => {
    expect(parseRevisionRef('7')).toEqual({ revision: 7 });
    expect(parseRevisionRef('web:7')).toEqual({ family: 'web', revision: 7 });
    expect(parseRevisionRef('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7')).toEqual({
      family: 'web',
      revision: 7,
      region: 'eu-west-1',
      account: '123456789012',
    });
    for (const bad of ['0', 'web:0', 'web', 'web:7:1', 'a b:1', '<!here>:1', 'web:-1', 'web:1e3', ''])
      expect(parseRevisionRef(bad)).toBeUndefined();
  });

  it('names the revisions nearest the one asked for', () => {
    expect(nearbyRevisions([1, 2, 3, 10, 11, 12, 20], 9)).toEqual([2, 3, 10, 11, 12]);
    expect(nearbyRevisions([], 3)).toEqual([]);
  });
});

describe('the end of a followed rollback', () => {
  const base = {
    kind: 'deployment' as const,
    target: 'c/s',
    deploymentId: 'ecs-svc/1',
    taskDefinition: 'web:6',
    rolloutState: 'FAILED',
    rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    status: 'ACTIVE',
    desired: 2,
    running: 0,
    pending: 0,
    failedTasks: 3,
  };

  it('says whether the circuit breaker rolled the deployment back, and to what', () => {
    const back = deploymentEndedLine({ ...base, replacedBy: { id: 'ecs-svc/2', taskDefinition: 'web:7' } });
    expect(back).toContain('Rolled back by the deployment circuit breaker. The service now deploys `web:7`');
    const stuck = deploymentEndedLine({ ...base, status: 'PRIMARY' });
    expect(stuck).toContain('Not rolled back: no other deployment took over');
    expect(stuck).not.toContain('Rolled back by');
  });

  it('reads how a deployment ECS no longer lists ended from the service events', () => {
    const events = [
      { message: '(service s) has reached a steady state.' },
      { message: '(service s) rolling back to deployment ecs-svc/0.' },
      { message: '(service s) (deployment ecs-svc/1) deployment failed: tasks failed to start.' },
      { message: '(service s) (deployment ecs-svc/0) deployment completed.' },
    ];
    expect(endedInEvents(events, 'ecs-svc/1')).toEqual({ rolloutState: 'FAILED', reason: 'tasks failed to start.' });
    expect(endedInEvents(events, 'ecs-svc/0')).toEqual({ rolloutState: 'COMPLETED' });
    expect(endedInEvents(events, 'ecs-svc/9')).toBeUndefined();
  });
});
