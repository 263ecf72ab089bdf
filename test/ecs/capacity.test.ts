import { describeLimit, fitIn, FIT_CAP, planCapacity, taskNeeds } from '../../src/ecs/capacity';
import { capacityFinding } from '../../src/ecs/diagnosis/capacity';
import { computeFacts } from '../../src/ecs/diagnosis/facts';
import { healthyInput, instance, labIncidentInput, service, taskDef } from './diagnosis-fixtures';

const lab = { cpu: 256, memory: 512, hostPorts: [] as number[] };

describe('capacity math', () => {
  it('the lab: a t3.micro (982 MiB) holds one 512 MiB task; 4 tasks need 4 instances', () => {
    const plan = planCapacity({
      task: lab,
      instances: [instance({ used: { cpu: 256, memory: 512 } })],
      desired: 4,
      running: 1,
      placedPending: 0,
    });
    expect(plan.instances[0]).toMatchObject({ fitsEmpty: 1, fitsNow: 0, limitedBy: 'memory' });
    expect(plan).toMatchObject({
      waiting: 3,
      placeableNow: 0,
      unplaceable: 3,
      extraInstances: 3,
      instancesNeeded: 4,
      neverFits: false,
      headroom: 0,
    });
    expect(plan.free).toEqual({ cpu: 1792, memory: 470 });
    expect(plan.missing).toEqual({ cpu: 0, memory: 3 * 512 - 470 });
    expect(plan.fragmented).toBe(false);
    expect(describeLimit(plan.task, plan.reference!)).toBe('memory: 512 MiB of 982 MiB');
  });

  it('CPU-limited: 1024-unit tasks on 2048-unit instances with plenty of memory fit 2 each', () => {
    const task = { cpu: 1024, memory: 256, hostPorts: [] };
    const plan = planCapacity({
      task,
      instances: [
        instance({ type: 'm5.large', cpu: 2048, memory: 7680, used: { cpu: 2048, memory: 512 } }),
        instance({ type: 'm5.large', cpu: 2048, memory: 7680, used: { cpu: 1024, memory: 256 } }),
      ],
      desired: 8,
      running: 3,
      placedPending: 0,
    });
    expect(plan.reference).toMatchObject({ fitsEmpty: 2, limitedBy: 'cpu' });
    expect(plan.placeableNow).toBe(1);
    expect(plan.unplaceable).toBe(4);
    expect(plan.extraInstances).toBe(2);
    expect(plan.instancesNeeded).toBe(4);
    expect(plan.missing.cpu).toBe(5 * 1024 - 1024);
    expect(plan.missing.memory).toBe(0);
    expect(describeLimit(task, plan.reference!)).toBe('CPU: 1024 units of 2048');
  });

  it('mixed instance types: sizes new capacity by the Auto Scaling group’s type, else the most common one', () => {
    const instances = [
      instance({ type: 't3.micro', memory: 982, used: { cpu: 256, memory: 512 } }),
      instance({ type: 't3.small', memory: 1939, used: { cpu: 768, memory: 1536 } }),
      instance({ type: 't3.small', memory: 1939, used: { cpu: 768, memory: 1536 } }),
    ];
    const byCount = planCapacity({ task: lab, instances, desired: 11, running: 7, placedPending: 0 });
    expect(byCount.instances.map((i) => i.fitsEmpty)).toEqual([1, 3, 3]);
    expect(byCount.reference).toMatchObject({ instanceType: 't3.small', fitsEmpty: 3 });
    expect(byCount.unplaceable).toBe(4);
    expect(byCount.extraInstances).toBe(2);
    expect(byCount.instancesNeeded).toBe(5);
    const byGroup = planCapacity({
      task: lab,
      instances,
      desired: 11,
      running: 7,
      placedPending: 0,
      newInstanceType: 't3.micro',
    });
    expect(byGroup.reference).toMatchObject({ instanceType: 't3.micro', fitsEmpty: 1 });
    expect(byGroup.extraInstances).toBe(4);
    expect(byGroup.instancesNeeded).toBe(7);
  });

  it('counts tasks already placed and starting as needing no room, and room now on other instances', () => {
    const plan = planCapacity({
      task: lab,
      instances: [
        instance({ memory: 1939, used: { cpu: 512, memory: 1024 } }),
        instance({ memory: 1939, used: { cpu: 0, memory: 0 } }),
      ],
      desired: 5,
      running: 1,
      placedPending: 1,
    });
    expect(plan.waiting).toBe(3);
    expect(plan.placeableNow).toBe(3);
    expect(plan.unplaceable).toBe(0);
    expect(plan.extraInstances).toBe(0);
    expect(plan.headroom).toBe(1);
  });

  it('a task larger than an empty instance never fits: no instance count is offered', () => {
    const plan = planCapacity({
      task: { cpu: 256, memory: 2048, hostPorts: [] },
      instances: [instance()],
      desired: 1,
      running: 0,
      placedPending: 0,
    });
    expect(plan.neverFits).toBe(true);
    expect(plan.extraInstances).toBeUndefined();
    expect(plan.instancesNeeded).toBeUndefined();
  });

  it('fixed host ports allow one task per instance, and none where the service already runs', () => {
    const needs = taskNeeds(
      taskDef({
        containers: [{ name: 'api', cpu: 128, memory: 128, essential: true, hostPorts: [80] }],
        cpu: 128,
        memory: 128,
      }),
    );
    expect(needs.hostPorts).toEqual([80]);
    const busy = instance({ id: 'b'.repeat(32), memory: 7680, used: { cpu: 128, memory: 128 } });
    const free = instance({ memory: 7680 });
    const plan = planCapacity({
      task: needs,
      instances: [busy, free],
      desired: 4,
      running: 1,
      placedPending: 0,
      serviceTasksOn: { [busy.id]: 1 },
    });
    expect(plan.instances.map((i) => [i.fitsEmpty, i.fitsNow, i.limitedBy])).toEqual([
      [1, 0, 'ports'],
      [1, 1, 'ports'],
    ]);
    expect(plan.unplaceable).toBe(2);
    expect(plan.extraInstances).toBe(2);
    expect(describeLimit(needs, plan.reference!)).toBe('host port 80');
    // awsvpc gives each task its own ports.
    expect(
      taskNeeds(taskDef({ networkMode: 'awsvpc', containers: [{ name: 'api', essential: true, hostPorts: [80] }] }))
        .hostPorts,
    ).toEqual([]);
  });

  it('notices fragmentation: enough free in total, but not on any one instance', () => {
    const plan = planCapacity({
      task: lab,
      instances: [instance({ used: { cpu: 256, memory: 600 } }), instance({ used: { cpu: 256, memory: 600 } })],
      desired: 3,
      running: 2,
      placedPending: 0,
    });
    expect(plan.free.memory).toBe(764);
    expect(plan.unplaceable).toBe(1);
    expect(plan.fragmented).toBe(true);
  });

  it('skips draining instances and ones whose agent is disconnected', () => {
    const plan = planCapacity({
      task: lab,
      instances: [instance({ status: 'DRAINING' }), instance({ agentConnected: false }), instance()],
      desired: 2,
      running: 0,
      placedPending: 0,
    });
    expect(plan.usableInstances).toBe(1);
    expect(plan.placeableNow).toBe(1);
    expect(plan.unplaceable).toBe(1);
    expect(plan.instancesNeeded).toBe(2);
  });

  it('a task that reserves no CPU is limited by memory alone, and one that reserves nothing is capped', () => {
    expect(fitIn({ cpu: 2048, memory: 1939 }, { cpu: 0, memory: 512, hostPorts: [] })).toEqual({
      count: 3,
      limitedBy: 'memory',
    });
    expect(fitIn({ cpu: 2048, memory: 1939 }, { cpu: 0, memory: 0, hostPorts: [] }).count).toBe(FIT_CAP);
    expect(fitIn({ cpu: -5, memory: -10 }, lab).count).toBe(0);
  });

  it('Fargate: no capacity plan and an info finding instead of instance counts', () => {
    const input = labIncidentInput({
      service: service({ desired: 4, running: 1, pending: 0, launchType: 'FARGATE' }),
      instances: undefined,
    });
    const facts = computeFacts(input);
    expect(facts.fargate).toBe(true);
    expect(facts.capacity).toBeUndefined();
    const f = capacityFinding(input, facts)!;
    expect(f.severity).toBe('info');
    expect(f.title).toMatch(/Fargate provides the capacity/);
    // Fargate by capacity provider strategy counts too.
    expect(
      computeFacts(
        healthyInput({
          service: service({
            launchType: undefined,
            capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          }),
        }),
      ).fargate,
    ).toBe(true);
  });
});
