import { diagnose } from '../../../src/ecs/diagnosis';
import {
  deployment,
  FIXTURE_BOUNDS,
  healthyInput,
  instance,
  labIncidentInput,
  MIN,
  NOW,
  service,
  stoppedTask,
  taskDef,
} from '../diagnosis-fixtures';

describe('diagnose and recommend', () => {
  it('the lab: insufficient memory, and scale the Auto Scaling group to 4 (max 1 → 4), with scaling back as the alternative', () => {
    const d = diagnose(labIncidentInput());
    expect(d.healthy).toBe(false);
    expect(d.severity).toBe('critical');
    expect(d.headline).toBe('1 of 4 tasks running, 3 tasks short for 12 min');
    expect(d.findings.map((f) => `${f.id}:${f.severity}`)).toEqual([
      'tasks:critical',
      'placement:critical',
      'capacity:critical',
      'stopped-tasks:ok',
      'deployment:ok',
      'utilisation:ok',
    ]);
    const rec = d.recommendation!;
    expect(rec.summary).toBe(
      'each instance fits 1 task (memory: 512 MiB of 982 MiB), 4 tasks need 4 instances: scale the Auto Scaling group EcsLabAsg to 4 (max 1 → 4)',
    );
    expect(rec.actions.map((a) => [a.label, a.primary, a.proposal.a, a.proposal.n])).toEqual([
      ['Scale EcsLabAsg to 4 instances', true, 'scale-instances', 4],
      ['Scale EcsLabApi back to 1 task', false, 'scale-service', 1],
    ]);
    expect(rec.actions[0].proposal).toMatchObject({ c: 'EcsLabCluster' });
    expect(rec.actions[0].proposal.s).toBeUndefined();
    expect(rec.actions[1].proposal).toMatchObject({ c: 'EcsLabCluster', s: 'EcsLabApi' });
    expect(rec.actions[0].proposal.r).toBe(
      'diagnose: 3 tasks of EcsLabCluster/EcsLabApi cannot be placed: not enough memory on the instances',
    );
  });

  it('a healthy service: says so and recommends nothing', () => {
    const d = diagnose(healthyInput());
    expect(d.healthy).toBe(true);
    expect(d.headline).toBe('Looks healthy: 1 of 1 tasks running');
    expect(d.recommendation).toBeUndefined();
    expect(d.findings.every((f) => f.severity === 'ok' || f.severity === 'info')).toBe(true);
  });

  it('CPU-limited: sizes the group by CPU', () => {
    const input = labIncidentInput({
      taskDefinition: taskDef({ cpu: 1024, memory: 256 }),
      instances: [
        instance({
          id: 'a'.repeat(32),
          type: 't3.small',
          memory: 1939,
          used: { cpu: 1024, memory: 256 },
          asgName: 'EcsLabAsg',
        }),
      ],
      asg: {
        name: 'EcsLabAsg',
        min: 1,
        max: 10,
        desired: 1,
        instanceType: 't3.small',
        launching: 0,
        foundBy: 'capacity provider',
      },
      service: service({ desired: 5, running: 1, pending: 0 }),
      tasks: undefined,
    });
    const rec = diagnose(input).recommendation!;
    expect(rec.summary).toBe(
      'each instance fits 2 tasks (CPU: 1024 units of 2048), 5 tasks need 3 instances: scale the Auto Scaling group EcsLabAsg to 3 (desired 1 → 3)',
    );
    expect(rec.actions[0].proposal).toMatchObject({ a: 'scale-instances', n: 3 });
  });

  it('capacity cannot grow past MAX_INSTANCES: scaling the service back is the recommended fix', () => {
    const input = labIncidentInput({
      limits: { tasks: FIXTURE_BOUNDS, instances: { ...FIXTURE_BOUNDS, maxInstances: 3 } },
    });
    const rec = diagnose(input).recommendation!;
    expect(rec.summary).toMatch(/more than the 3 instances a request may set; scale EcsLabApi back to 1 task/);
    expect(rec.actions.map((a) => [a.proposal.a, a.proposal.n, a.primary])).toEqual([['scale-service', 1, true]]);
    expect(rec.notes.join(' ')).toMatch(/MAX_INSTANCES/);
  });

  it("stays within the bounds of the service's account: the first step when one request may not go all the way", () => {
    const rule = 'rule 1 of the policy file';
    const input = labIncidentInput({
      limits: {
        tasks: { ...FIXTURE_BOUNDS, maxStep: 2, sources: { maxStep: rule } },
        instances: { ...FIXTURE_BOUNDS, maxStep: 2, sources: { maxStep: rule } },
        account: 'prod',
      },
    });
    const rec = diagnose(input).recommendation!;
    // 4 instances needed from 1: the button asks for 3; scaling back from 4 to 1 becomes a step to 2.
    expect(rec.actions.map((a) => [a.proposal.a, a.proposal.n])).toEqual([
      ['scale-instances', 3],
      ['scale-service', 2],
    ]);
    expect(rec.notes.join(' ')).toContain(
      '4 instances are needed, but one request may change the count by at most 2 in prod (rule 1 of the policy file): the button takes the first step, to 3',
    );
    expect(rec.notes.join(' ')).toContain(
      'Scaling EcsLabApi back to 1 changes the count by more than one request may in prod (2, rule 1 of the policy file): the button takes a first step, to 2.',
    );
  });

  it('no known Auto Scaling group: says how to tell the bot, offers only scaling back', () => {
    const rec = diagnose(labIncidentInput({ asg: undefined })).recommendation!;
    expect(rec.summary).toMatch(
      /cannot tell which Auto Scaling group feeds cluster EcsLabCluster \(set ASG_MAPPING=EcsLabCluster=<group>\)/,
    );
    expect(rec.actions.map((a) => a.proposal.a)).toEqual(['scale-service']);
  });

  it('the group is already launching enough instances: wait, no scale-instances button', () => {
    const rec = diagnose(
      labIncidentInput({
        asg: {
          name: 'EcsLabAsg',
          min: 1,
          max: 4,
          desired: 4,
          instanceType: 't3.micro',
          launching: 3,
          foundBy: 'instance lookup',
        },
      }),
    ).recommendation!;
    expect(rec.summary).toMatch(/already at 4 with 3 instances launching: wait/);
    expect(rec.actions.some((a) => a.proposal.a === 'scale-instances')).toBe(false);
  });

  it('service auto scaling owns the desired count: no scale-back button, and a note', () => {
    const rec = diagnose(
      labIncidentInput({ serviceScaling: { min: 1, max: 8, policies: ['cpu-target'] } }),
    ).recommendation!;
    expect(rec.actions.map((a) => a.proposal.a)).toEqual(['scale-instances']);
    expect(rec.notes[0]).toMatch(/Service auto scaling manages EcsLabApi \(min 1, max 8, policies cpu-target\)/);
  });

  it('an instance was lost (tasks stopped by termination): adds instances but does not offer scaling back', () => {
    const rec = diagnose(
      labIncidentInput({
        stoppedTasks: [
          stoppedTask({ stopCode: 'TerminationNotice', stoppedReason: 'Instance terminated by Auto Scaling' }),
        ],
      }),
    ).recommendation!;
    expect(rec.actions.map((a) => a.proposal.a)).toEqual(['scale-instances']);
  });

  it('tasks are OOM-killed: fix the memory, never add instances', () => {
    const oom = () =>
      stoppedTask({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      });
    const d = diagnose(
      healthyInput({ service: service({ desired: 2, running: 1 }), stoppedTasks: [oom(), oom(), oom()] }),
    );
    expect(d.recommendation!.summary).toMatch(/killed for running out of memory: raise the task’s memory/);
    expect(d.recommendation!.actions).toEqual([]);
  });

  it('one crash beside a capacity shortfall: capacity is still the fix (but scaling back is not offered)', () => {
    const rec = diagnose(
      labIncidentInput({
        stoppedTasks: [
          stoppedTask({
            stopCode: 'EssentialContainerExited',
            stoppedReason: 'Essential container in task exited',
            exitCode: 1,
          }),
        ],
      }),
    ).recommendation!;
    expect(rec.actions.map((a) => [a.proposal.a, a.proposal.n])).toEqual([['scale-instances', 4]]);
  });

  it('a circuit-breaker rollback: fix the revision, scaling would not help', () => {
    const d = diagnose(
      healthyInput({
        service: service({
          deployments: [
            deployment({ rolloutState: 'IN_PROGRESS', createdAt: NOW - MIN }),
            deployment({
              id: 'ecs-svc/9',
              status: 'ACTIVE',
              taskDefinition: 'EcsLabApi:2',
              rolloutState: 'FAILED',
              rolloutStateReason: 'tasks failed to start',
              updatedAt: NOW - MIN,
            }),
          ],
        }),
      }),
    );
    expect(d.findings[0].id).toBe('deployment');
    expect(d.recommendation).toMatchObject({ actions: [] });
    expect(d.recommendation!.summary).toMatch(/fix it .* before deploying again; scaling would not help/);
  });

  it('a task larger than the instances: a larger type or a smaller task', () => {
    const input = labIncidentInput({ taskDefinition: taskDef({ memory: 2048 }) });
    const rec = diagnose(input).recommendation!;
    expect(rec.summary).toBe(
      'a task needs more than an empty t3.micro has (memory: 2048 MiB of 982 MiB): use a larger instance type or a smaller task',
    );
    expect(rec.actions.map((a) => a.proposal.a)).toEqual(['scale-service']);
  });

  it('an empty group: start one instance and diagnose again', () => {
    const input = labIncidentInput({
      instances: [],
      asg: { name: 'EcsLabAsg', min: 0, max: 2, desired: 0, launching: 0, foundBy: 'ASG_MAPPING' },
      service: service({ desired: 2, running: 0, pending: 0 }),
      tasks: [],
    });
    const rec = diagnose(input).recommendation!;
    expect(rec.summary).toMatch(/scale the Auto Scaling group EcsLabAsg to 1, then diagnose again/);
    expect(rec.actions[0].proposal).toMatchObject({ a: 'scale-instances', n: 1 });
  });

  it('never offers to scale a service with nothing running down to 0', () => {
    const rec = diagnose(
      labIncidentInput({
        service: service({ desired: 4, running: 0, pending: 0 }),
        tasks: [],
        instances: [instance({ asgName: 'EcsLabAsg' })],
      }),
    ).recommendation!;
    expect(rec.actions.map((a) => a.proposal.a)).toEqual(['scale-instances']);
    expect(rec.actions[0].proposal.n).toBe(4);
  });

  it('a group that also holds instances of another group is sized for its own share', () => {
    const input = labIncidentInput({
      instances: [
        instance({ id: 'a'.repeat(32), used: { cpu: 256, memory: 512 }, asgName: 'EcsLabAsg' }),
        instance({ used: { cpu: 256, memory: 512 }, asgName: 'OtherAsg' }),
      ],
      service: service({ desired: 4, running: 2, pending: 0 }),
      tasks: undefined,
    });
    const rec = diagnose(input).recommendation!;
    expect(rec.actions[0].proposal.n).toBe(3);
  });

  it('orders findings worst first and keeps the events window: old placement failures before a steady state are history', () => {
    const input = healthyInput({
      service: service({
        events: [
          { id: 's', at: NOW - 5 * MIN, message: '(service EcsLabApi) has reached a steady state.' },
          {
            id: 'p',
            at: NOW - 30 * MIN,
            message:
              '(service EcsLabApi) was unable to place a task because no container instances were found in your cluster.',
          },
        ],
      }),
    });
    const d = diagnose(input);
    expect(d.findings.some((f) => f.id === 'placement')).toBe(false);
    expect(d.healthy).toBe(true);
  });
});
