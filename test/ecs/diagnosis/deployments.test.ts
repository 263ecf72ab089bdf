import { deploymentFinding } from '../../../src/ecs/diagnosis/deployments';
import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { deployment, healthyInput, MIN, NOW, service } from '../diagnosis-fixtures';

const run = (input: ReturnType<typeof healthyInput>) => deploymentFinding(input, computeFacts(input))!;

describe('deployments', () => {
  it('rolled back by the circuit breaker: names the failed revision, the one it went back to, and why', () => {
    const input = healthyInput({
      service: service({
        deployments: [
          deployment({
            id: 'ecs-svc/2',
            taskDefinition: 'EcsLabApi:1',
            rolloutState: 'IN_PROGRESS',
            createdAt: NOW - 2 * MIN,
            updatedAt: NOW - 2 * MIN,
          }),
          deployment({
            id: 'ecs-svc/1',
            status: 'ACTIVE',
            taskDefinition: 'EcsLabApi:2',
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
            failedTasks: 4,
            running: 0,
            createdAt: NOW - 20 * MIN,
            updatedAt: NOW - 2 * MIN,
          }),
        ],
        events: [
          { id: 'r', at: NOW - 2 * MIN, message: '(service EcsLabApi) rolling back to deployment ecs-svc/2.' },
          {
            id: 'f',
            at: NOW - 2 * MIN - 1,
            message: '(service EcsLabApi) (deployment ecs-svc/1) deployment failed: tasks failed to start.',
          },
        ],
      }),
    });
    const f = run(input);
    expect(f.severity).toBe('critical');
    expect(f.title).toBe(
      'The deployment circuit breaker rolled back EcsLabApi:2 to EcsLabApi:1: ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(
      f.evidence.some((e) => /ACTIVE FAILED ecs-svc\/1: EcsLabApi:2, 0\/1 running, 0 pending, 4 failed tasks/.test(e)),
    ).toBe(true);
    expect(f.evidence.some((e) => /rolling back to deployment/.test(e))).toBe(true);
  });

  it('a rollback that has completed is a warning: the new version did not ship', () => {
    const input = healthyInput({
      service: service({
        deployments: [
          deployment({ id: 'ecs-svc/2', rolloutState: 'COMPLETED' }),
          deployment({
            id: 'ecs-svc/1',
            status: 'INACTIVE',
            taskDefinition: 'EcsLabApi:2',
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
            createdAt: NOW - 30 * MIN,
            updatedAt: NOW - 20 * MIN,
          }),
        ],
      }),
    });
    expect(run(input).severity).toBe('warning');
  });

  it('failed without rollback: critical, and says the service stays on the failed revision', () => {
    const input = healthyInput({
      service: service({
        circuitBreaker: { enable: true, rollback: false },
        deployments: [
          deployment({
            taskDefinition: 'EcsLabApi:3',
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
            updatedAt: NOW - MIN,
          }),
        ],
      }),
    });
    const f = run(input);
    expect(f).toMatchObject({
      severity: 'critical',
      title: 'Deployment of EcsLabApi:3 failed: ECS deployment circuit breaker: tasks failed to start.',
    });
    expect(f.detail).toMatch(/rollback is off/);
  });

  it('stuck: in progress for 25 minutes with the old deployment still running', () => {
    const input = healthyInput({
      service: service({
        desired: 2,
        running: 2,
        deployments: [
          deployment({
            id: 'ecs-svc/new',
            taskDefinition: 'EcsLabApi:2',
            rolloutState: 'IN_PROGRESS',
            desired: 2,
            running: 0,
            pending: 2,
            createdAt: NOW - 25 * MIN,
          }),
          deployment({ id: 'ecs-svc/old', status: 'ACTIVE', taskDefinition: 'EcsLabApi:1', desired: 2, running: 2 }),
        ],
      }),
    });
    const f = run(input);
    expect(f).toMatchObject({
      severity: 'warning',
      title: 'Deployment of EcsLabApi:2 in progress for 25 min: 0 of 2 new tasks running',
    });
    expect(f.detail).toMatch(/previous deployment still runs 2 tasks/);
  });

  it('a fresh deployment in progress is information; a completed one is ok', () => {
    const fresh = healthyInput({
      service: service({ deployments: [deployment({ rolloutState: 'IN_PROGRESS', createdAt: NOW - 3 * MIN })] }),
    });
    expect(run(fresh).severity).toBe('info');
    expect(run(healthyInput())).toMatchObject({
      severity: 'ok',
      title: 'No deployment in progress (EcsLabApi:1 deployed 1 d ago)',
    });
  });
});
