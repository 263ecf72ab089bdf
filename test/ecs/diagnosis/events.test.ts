import { parseEvent, sinceSteady, parseEvents } from '../../../src/ecs/diagnosis/events';
import { summarisePlacement } from '../../../src/ecs/diagnosis/facts';
import { placementFinding } from '../../../src/ecs/diagnosis/placement';
import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { healthyInput, labIncidentInput, MIN, NOW, service } from '../diagnosis-fixtures';

const ev = (message: string, at = NOW) => ({ id: 'x', at, message });
const ID = '5c8d3e9a0b1c4d2e8f7a6b5c4d3e2f1a';

describe('service event parsing', () => {
  it.each([
    [
      'insufficient memory',
      `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) has insufficient memory available. For more information, see the Troubleshooting section.`,
      'memory',
      ID,
    ],
    [
      'insufficient CPU (old wording)',
      `service web was unable to place a task because no container instance met all of its requirements. The closest matching container-instance ${ID} has insufficient CPU units available. For more information, see the Troubleshooting section.`,
      'cpu',
      ID,
    ],
    [
      'port in use',
      `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) is already using a port required by your task. For more information, see the Troubleshooting section.`,
      'port',
      ID,
    ],
    [
      'missing attribute',
      `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) is missing an attribute required by your task. For more information, see the Troubleshooting section.`,
      'attribute',
      ID,
    ],
    [
      'agent error',
      `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) encountered error "AGENT". For more information, see the Troubleshooting section.`,
      'agent',
      ID,
    ],
    [
      'no container instances',
      '(service web) was unable to place a task because no container instances were found in your cluster. For more information, see the Troubleshooting section.',
      'no-instances',
      undefined,
    ],
    [
      'Fargate capacity unavailable',
      '(service web) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone.',
      'capacity-unavailable',
      undefined,
    ],
  ])('reads a placement failure: %s', (_label, message, reason, instance) => {
    const e = parseEvent(ev(message));
    expect(e).toMatchObject({ kind: 'placement', reason });
    expect(e.kind === 'placement' ? e.instance : 'not a placement').toBe(instance);
  });

  it('reads steady states, start trouble, circuit-breaker failures and rollbacks', () => {
    expect(parseEvent(ev('(service web) has reached a steady state.')).kind).toBe('steady');
    expect(
      parseEvent(
        ev(
          '(service web) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section.',
        ),
      ).kind,
    ).toBe('cannot-start');
    expect(
      parseEvent(ev('(service web) (deployment ecs-svc/1234567890) deployment failed: tasks failed to start.')),
    ).toMatchObject({ kind: 'deployment-failed', deployment: 'ecs-svc/1234567890', why: 'tasks failed to start' });
    expect(parseEvent(ev('(service web) rolling back to deployment ecs-svc/987654321.'))).toMatchObject({
      kind: 'rollback',
      to: 'ecs-svc/987654321',
    });
    expect(parseEvent(ev('(service web) has started 1 tasks: (task abc).')).kind).toBe('other');
  });

  it('keeps only events since the last steady state', () => {
    const events = parseEvents([
      ev('(service web) has reached a steady state.', NOW - 10 * MIN),
      ev(
        `(service web) was unable to place a task because no container instances were found in your cluster.`,
        NOW - 20 * MIN,
      ),
      ev(
        `(service web) was unable to place a task because no container instances were found in your cluster.`,
        NOW - MIN,
      ),
    ]);
    const { since, lastSteadyAt } = sinceSteady(events, NOW);
    expect(lastSteadyAt).toBe(NOW - 10 * MIN);
    expect(since.map((e) => e.at)).toEqual([NOW - MIN]);
  });
});

describe('placement failures finding', () => {
  it('counts and summarises the lab’s insufficient-memory events instead of pasting them', () => {
    const input = labIncidentInput();
    const f = placementFinding(input, computeFacts(input))!;
    expect(f.severity).toBe('critical');
    expect(f.title).toBe(
      'ECS could not place tasks: insufficient memory (4 placement failures since the last steady state)',
    );
    expect(f.evidence).toHaveLength(1);
    expect(f.evidence[0]).toMatch(
      /^4 × insufficient memory \(closest: container-instance a{8}…\), first 9 min ago, last 0 s ago$/,
    );
    expect(f.evidence.join(' ')).not.toContain('Troubleshooting');
  });

  it('groups mixed reasons, most frequent first', () => {
    const p = summarisePlacement(
      parseEvents([
        ev(
          `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) is already using a port required by your task.`,
          NOW - 3 * MIN,
        ),
        ev(
          `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) is already using a port required by your task.`,
          NOW - 2 * MIN,
        ),
        ev(
          `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${ID}) has insufficient CPU units available.`,
          NOW - MIN,
        ),
      ]),
    );
    expect(p.total).toBe(3);
    expect(p.groups.map((g) => [g.reason, g.count])).toEqual([
      ['port', 2],
      ['cpu', 1],
    ]);
  });

  it('says nothing for a healthy service, and "none" when short without placement failures', () => {
    const healthy = healthyInput();
    expect(placementFinding(healthy, computeFacts(healthy))).toBeUndefined();
    const short = healthyInput({ service: service({ desired: 2, running: 1, pending: 1 }) });
    expect(placementFinding(short, computeFacts(short))).toMatchObject({
      severity: 'ok',
      title: 'No placement failures in the service events',
    });
  });
});
