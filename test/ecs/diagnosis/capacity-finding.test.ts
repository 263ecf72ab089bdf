import { capacityFinding } from '../../../src/ecs/diagnosis/capacity';
import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { healthyInput, instance, labIncidentInput, service, taskDef } from '../diagnosis-fixtures';

const run = (input: ReturnType<typeof healthyInput>) => capacityFinding(input, computeFacts(input));

describe('capacity finding', () => {
  it('the lab: names what each instance holds, what 4 tasks need, and what is missing', () => {
    const f = run(labIncidentInput())!;
    expect(f.severity).toBe('critical');
    expect(f.title).toBe(
      'Each instance fits 1 task (memory: 512 MiB of 982 MiB); 4 tasks need 4 instances, the cluster has 1',
    );
    expect(f.detail).toMatch(/^3 tasks cannot be placed/);
    expect(f.evidence).toEqual([
      'Task EcsLabApi:1 reserves 256 CPU units and 512 MiB',
      '1 × t3.micro: 982 MiB and 2048 CPU units registered each, fits 1 task when empty; 470 MiB and 1792 CPU units free, room for 0 more now',
      'Auto Scaling group EcsLabAsg (found by instance lookup): desired 1, min 1, max 1',
      '3 waiting tasks need 1536 MiB and 768 CPU units; the cluster is 1066 MiB short',
    ]);
  });

  it('healthy with no room to spare: says the next deployment will wait for capacity', () => {
    expect(run(healthyInput())).toMatchObject({
      severity: 'info',
      title: 'Each instance fits 1 task (memory: 512 MiB of 982 MiB); no room for one more',
    });
  });

  it('healthy with room: ok, and how many more tasks fit', () => {
    const input = healthyInput({ instances: [instance({ memory: 1939, used: { cpu: 256, memory: 512 } })] });
    expect(run(input)).toMatchObject({
      severity: 'ok',
      title: 'Each instance fits 3 tasks (memory: 512 MiB of 1939 MiB); room for 2 more tasks',
    });
  });

  it('a task bigger than any instance: critical, and says to change the instance type or the task', () => {
    const input = healthyInput({
      taskDefinition: taskDef({ memory: 2048 }),
      service: service({ desired: 1, running: 0, pending: 0 }),
      tasks: [],
      instances: [instance()],
    });
    const f = run(input)!;
    expect(f.severity).toBe('critical');
    expect(f.title).toBe('A task needs more than an empty t3.micro has (memory: 2048 MiB of 982 MiB)');
  });

  it('no instances at all: critical', () => {
    expect(run(healthyInput({ instances: [], service: service({ desired: 1, running: 0 }), tasks: [] }))).toMatchObject(
      { severity: 'critical', title: 'The cluster has no container instances' },
    );
  });

  it('names the type when the cluster mixes instance types', () => {
    const input = labIncidentInput({
      instances: [
        instance({ type: 't3.micro', used: { cpu: 256, memory: 512 } }),
        instance({ type: 't3.small', memory: 1939, used: { cpu: 0, memory: 1536 } }),
        instance({ type: 't3.small', memory: 1939, used: { cpu: 0, memory: 1536 } }),
      ],
      asg: undefined,
      service: service({ desired: 10, running: 7, pending: 3 }),
    });
    expect(run(input)!.title).toBe(
      'Each t3.small instance fits 3 tasks (memory: 512 MiB of 1939 MiB); 10 tasks need 4 instances, the cluster has 3',
    );
  });
});
