import { diagnose } from '../../../src/ecs/diagnosis';
import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { findBadDeployment } from '../../../src/ecs/diagnosis/revisions';
import { suggestedMemory } from '../../../src/ecs/diagnosis/memory';
import type { DiagnosisInput, MemoryKillInfo } from '../../../src/ecs/diagnosis/types';
import {
  deployment,
  healthyInput,
  labIncidentInput,
  MIN,
  NOW,
  service,
  stoppedTask,
  task,
} from '../diagnosis-fixtures';

const OLD = 'ecs-svc/1111111111111111111';
const NEW = 'ecs-svc/2222222222222222222';

/** EcsLabApi:2 deployed 12 min ago; its tasks exit at start while the task of EcsLabApi:1 still runs. */
function badDeploy(o: { failures?: number; rollback?: boolean; first?: number } = {}): DiagnosisInput {
  const started = NOW - 12 * MIN;
  const failures = o.failures ?? 3;
  const base = healthyInput();
  return {
    ...base,
    service: service({
      taskDefinition: 'EcsLabApi:2',
      deployments: [
        deployment({
          id: NEW,
          taskDefinition: 'EcsLabApi:2',
          rolloutState: 'IN_PROGRESS',
          running: 0,
          failedTasks: failures,
          createdAt: started,
          updatedAt: NOW - MIN,
        }),
        deployment({ id: OLD, status: 'ACTIVE', taskDefinition: 'EcsLabApi:1', rolloutState: 'COMPLETED' }),
      ],
      events: [
        { id: 'e1', at: NOW - 2 * MIN, message: '(service EcsLabApi) has started 1 tasks: (task x).' },
        ...(o.rollback
          ? [{ id: 'rb', at: NOW - MIN, message: `(service EcsLabApi) rolling back to deployment ${OLD}.` }]
          : []),
        { id: 'e0', at: NOW - 60 * MIN, message: '(service EcsLabApi) has reached a steady state.' },
      ],
    }),
    tasks: [task({ taskDefinition: 'EcsLabApi:1', containerInstanceId: base.instances![0].id })],
    stoppedTasks: Array.from({ length: failures }, (_, i) =>
      stoppedTask({
        taskDefinition: 'EcsLabApi:2',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 1,
        stoppedAt: (o.first ?? started + MIN) + i * 3 * MIN,
        startedBy: NEW,
      }),
    ),
  };
}

describe('a bad deploy: the newest revision fails where the previous ran steady', () => {
  it('recommends rolling back to the previous revision, naming failed tasks per revision and the first failure', () => {
    const d = diagnose(badDeploy());
    const f = d.findings.find((x) => x.id === 'revision')!;
    expect(f.severity).toBe('critical');
    expect(f.title).toBe('Tasks of EcsLabApi:2 keep failing (3 failed tasks) where EcsLabApi:1 ran steady');
    expect(f.evidence).toEqual([
      'EcsLabApi:2: 3 tasks failed in the last hour (essential container exited ×3), 0 running, the first 1 min after its deployment started 12 min ago',
      'EcsLabApi:1: 0 failed, 1 running; its deployment completed and it still runs 1 task',
    ]);
    expect(d.recommendation?.summary).toBe(
      'tasks of EcsLabApi:2 keep failing where EcsLabApi:1 ran steady: roll back to EcsLabApi:1, then fix the new revision',
    );
    expect(d.recommendation?.actions).toEqual([
      {
        label: 'Roll back to EcsLabApi:1',
        primary: true,
        proposal: {
          a: 'rollback-service',
          c: 'EcsLabCluster',
          s: 'EcsLabApi',
          td: 'EcsLabApi:1',
          r: 'diagnose: tasks of EcsLabApi:2 keep failing where EcsLabApi:1 ran steady',
        },
      },
    ]);
  });

  it('finds the previous revision from the tasks once ECS has dropped its deployment', () => {
    const input = badDeploy();
    input.service.deployments = input.service.deployments.slice(0, 1);
    input.tasks = [];
    input.stoppedTasks!.push(
      stoppedTask({
        taskDefinition: 'EcsLabApi:1',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task replaced by (deployment ecs-svc/2222222222222222222)',
        stoppedAt: NOW - 11 * MIN,
      }),
    );
    const b = findBadDeployment(input, computeFacts(input))!;
    expect(b.previous).toMatchObject({ taskDefinition: 'EcsLabApi:1', failed: 0, replaced: 1 });
    expect(b.steadyBecause).toBe('the service reached a steady state on it 1 h ago');
  });

  it('does not recommend a rollback after one failure, after the circuit breaker went back, or when failures predate the deployment', () => {
    expect(diagnose(badDeploy({ failures: 1 })).recommendation?.actions ?? []).toEqual([]);
    const rolledBack = diagnose(badDeploy({ rollback: true }));
    expect(rolledBack.findings.some((x) => x.id === 'revision')).toBe(false);
    expect(rolledBack.recommendation?.actions.map((a) => a.proposal.a) ?? []).not.toContain('rollback-service');
    expect(
      findBadDeployment(badDeploy({ first: NOW - 40 * MIN }), computeFacts(badDeploy({ first: NOW - 40 * MIN }))),
    ).toBeUndefined();
  });

  it('does not recommend a rollback when the previous revision failed too, or is another family', () => {
    const both = badDeploy();
    both.stoppedTasks!.push(
      stoppedTask({
        taskDefinition: 'EcsLabApi:1',
        stopCode: 'EssentialContainerExited',
        exitCode: 2,
        stoppedAt: NOW - 30 * MIN,
      }),
    );
    expect(findBadDeployment(both, computeFacts(both))).toBeUndefined();
    const other = badDeploy();
    other.service.deployments[1].taskDefinition = 'Other:7';
    other.tasks = [task({ taskDefinition: 'Other:7' })];
    expect(findBadDeployment(other, computeFacts(other))).toBeUndefined();
  });

  it('never recommends a rollback (or a restart) for a capacity shortfall: it scales the instances', () => {
    const d = diagnose(labIncidentInput());
    expect(d.findings.some((x) => x.id === 'revision')).toBe(false);
    const kinds = d.recommendation!.actions.map((a) => a.proposal.a);
    expect(kinds).toEqual(['scale-instances', 'scale-service']);
    expect(JSON.stringify(d.recommendation)).not.toMatch(/roll ?back|restart/i);
  });

  it('does not recommend a rollback when a new revision waits for room rather than failing', () => {
    const input = labIncidentInput();
    input.service.taskDefinition = 'EcsLabApi:2';
    input.service.deployments = [
      deployment({
        id: NEW,
        taskDefinition: 'EcsLabApi:2',
        rolloutState: 'IN_PROGRESS',
        running: 0,
        pending: 3,
        desired: 4,
        createdAt: NOW - 12 * MIN,
      }),
      deployment({ id: OLD, status: 'ACTIVE', taskDefinition: 'EcsLabApi:1', running: 1 }),
    ];
    const d = diagnose(input);
    expect(d.findings.some((x) => x.id === 'revision')).toBe(false);
    expect(d.recommendation!.actions.map((a) => a.proposal.a)).not.toContain('rollback-service');
    expect(d.recommendation!.summary).toContain('scale the Auto Scaling group EcsLabAsg to 4');
  });
});

describe('a container killed for memory', () => {
  const kill: MemoryKillInfo = {
    taskId: 'a'.repeat(32),
    taskDefinition: 'EcsLabApi:1',
    container: 'api',
    containerLimit: 512,
    taskMemory: 512,
    peakPct: 97.4,
    peakAt: NOW - 6 * MIN,
    exitCode: 137,
    reason: 'OutOfMemoryError: Container killed due to memory usage',
    stoppedAt: NOW - 5 * MIN,
    kills: 3,
  };
  const oomInput = (m: MemoryKillInfo | undefined): DiagnosisInput =>
    healthyInput({
      service: service({ running: 1, desired: 2 }),
      stoppedTasks: [0, 1, 2].map((i) =>
        stoppedTask({
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          exitCode: 137,
          containerReason: 'OutOfMemoryError: Container killed due to memory usage',
          stoppedAt: NOW - (5 + i * 5) * MIN,
        }),
      ),
      memoryKill: m,
    });

  it('shows the limit against the peak, and recommends more memory in words — never instances', () => {
    const d = diagnose(oomInput(kill));
    const f = d.findings.find((x) => x.id === 'memory')!;
    expect(f.title).toBe(
      'api was killed for running out of memory: 512 MiB limit, peak use about 499 MiB per task (97% of the reservation)',
    );
    expect(f.evidence).toEqual([
      'Task aaaaaaaa… (EcsLabApi:1) stopped 5 min ago: "OutOfMemoryError: Container killed due to memory usage", exit code 137 — 3 memory kills in the last hour',
      'api: hard limit 512 MiB (memory); task memory 512 MiB',
      'Peak memory 97% of the reservation (about 499 MiB per task) 6 min ago — Container Insights MemoryUtilized ÷ MemoryReserved of the service, 1-minute averages over the last hour',
    ]);
    expect(f.detail).toContain('e.g. 768 MiB');
    expect(d.recommendation?.summary).toBe(
      'container api is killed for running out of memory (512 MiB limit, peak about 499 MiB per task): give it more memory in a new task definition revision, e.g. 768 MiB, or find what grew; more instances would not help',
    );
    expect(d.recommendation?.actions).toEqual([]);
  });

  it('says why the peak is missing when Container Insights is off', () => {
    const d = diagnose(
      oomInput({
        ...kill,
        peakPct: undefined,
        peakAt: undefined,
        peakMissing: 'Container Insights is off on cluster EcsLabCluster',
      }),
    );
    const f = d.findings.find((x) => x.id === 'memory')!;
    expect(f.title).toBe('api was killed for running out of memory: 512 MiB limit');
    expect(f.evidence[2]).toBe('Peak memory not known: Container Insights is off on cluster EcsLabCluster');
    expect(d.recommendation?.summary).toContain('(512 MiB limit): give it more memory');
  });

  it('suggests half again above the larger of limit and peak, in whole 128 MiB', () => {
    expect(suggestedMemory(kill)).toBe(768);
    expect(suggestedMemory({ ...kill, containerLimit: 1000, peakPct: 120, taskMemory: 1000 })).toBe(1920);
    expect(
      suggestedMemory({ ...kill, containerLimit: undefined, taskMemory: undefined, peakPct: undefined }),
    ).toBeUndefined();
  });
});
