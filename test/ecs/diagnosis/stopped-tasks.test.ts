import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { classifyStop } from '../../../src/ecs/diagnosis/stop-causes';
import { stoppedTasksFinding } from '../../../src/ecs/diagnosis/stopped-tasks';
import { healthyInput, MIN, NOW, service, stoppedTask } from '../diagnosis-fixtures';

const run = (input: ReturnType<typeof healthyInput>) => stoppedTasksFinding(input, computeFacts(input))!;

describe('why tasks stopped', () => {
  it.each([
    [
      'OOM kill',
      stoppedTask({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      }),
      'oom',
    ],
    [
      'exit 137 without OOM',
      stoppedTask({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
      }),
      'killed',
    ],
    [
      'image pull',
      stoppedTask({
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/acme/api:v9: not found',
      }),
      'image-pull',
    ],
    [
      'secrets',
      stoppedTask({
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed',
      }),
      'init',
    ],
    [
      'ELB health check',
      stoppedTask({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason:
          'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/abc)',
      }),
      'health-check',
    ],
    [
      'container health check',
      stoppedTask({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks' }),
      'health-check',
    ],
    [
      'essential exit',
      stoppedTask({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 1,
      }),
      'essential-exit',
    ],
    [
      'cannot start',
      stoppedTask({
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'CannotStartContainerError: Error response from daemon: exec: "node": executable file not found in $PATH',
      }),
      'failed-to-start',
    ],
    [
      'Spot',
      stoppedTask({ stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }),
      'infrastructure',
    ],
    [
      'scale-in',
      stoppedTask({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)',
      }),
      'scaling',
    ],
    ['user', stoppedTask({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }), 'user'],
  ])('classifies %s', (_label, t, cause) => {
    expect(classifyStop(t).cause).toBe(cause);
  });

  it('OOM kills: critical, counted once per cause, with exit codes and the container’s reason', () => {
    const oom = () =>
      stoppedTask({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      });
    const f = run(healthyInput({ stoppedTasks: [oom(), oom(), oom()] }));
    expect(f.severity).toBe('critical');
    expect(f.title).toBe('3 tasks failed in the last 1 h: 3 tasks killed for running out of memory');
    expect(f.detail).toMatch(/Raise the task’s memory/);
    expect(f.evidence).toEqual([
      '3 tasks killed for running out of memory, last 5 min ago: "OutOfMemoryError: Container killed due to memory usage" ×3; api exit 137',
    ]);
  });

  it('an image that cannot be pulled: says how to fix it', () => {
    const f = run(
      healthyInput({
        stoppedTasks: [
          stoppedTask({
            stopCode: 'TaskFailedToStart',
            stoppedReason: 'CannotPullContainerError: pull access denied for acme/api',
          }),
        ],
      }),
    );
    expect(f.severity).toBe('warning');
    expect(f.title).toMatch(/could not pull the container image/);
    expect(f.detail).toMatch(/execution role/);
  });

  it('failed health checks while the service is short: critical', () => {
    const f = run(
      healthyInput({
        service: service({ desired: 2, running: 1 }),
        stoppedTasks: [
          stoppedTask({
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Task failed ELB health checks in (target-group tg)',
          }),
        ],
      }),
    );
    expect(f.severity).toBe('critical');
    expect(f.title).toMatch(/failed health checks/);
  });

  it('an essential container exiting with code 1', () => {
    const f = run(
      healthyInput({
        stoppedTasks: [
          stoppedTask({
            stopCode: 'EssentialContainerExited',
            stoppedReason: 'Essential container in task exited',
            exitCode: 1,
          }),
        ],
      }),
    );
    expect(f.title).toBe('1 task failed in the last 1 h: 1 task stopped because an essential container exited');
    expect(f.evidence[0]).toMatch(/api exit 1$/);
  });

  it('scale-in and user stops are ok; nothing stopped is ok; stops older than an hour are ignored', () => {
    expect(
      run(
        healthyInput({
          stoppedTasks: [
            stoppedTask({
              stopCode: 'ServiceSchedulerInitiated',
              stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
            }),
          ],
        }),
      ),
    ).toMatchObject({ severity: 'ok', title: 'No task failed in the last 1 h (1 task stopped by scaling or by hand)' });
    expect(run(healthyInput())).toMatchObject({ severity: 'ok', title: 'No task stopped in the last 1 h' });
    expect(
      run(
        healthyInput({
          stoppedTasks: [stoppedTask({ stopCode: 'EssentialContainerExited', exitCode: 1, stoppedAt: NOW - 90 * MIN })],
        }),
      ),
    ).toMatchObject({ severity: 'ok' });
  });

  it('"unable to consistently start tasks" events raise a warning even when stopped tasks have aged out', () => {
    const input = healthyInput({
      service: service({
        events: [
          {
            id: 'c',
            at: NOW - 2 * MIN,
            message:
              '(service EcsLabApi) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section.',
          },
          { id: 's', at: NOW - 60 * MIN, message: '(service EcsLabApi) has reached a steady state.' },
        ],
      }),
    });
    expect(run(input)).toMatchObject({
      severity: 'warning',
      title: 'ECS reports the service is unable to consistently start tasks',
    });
  });

  it('is silent when stopped tasks could not be read', () => {
    const input = healthyInput({ stoppedTasks: undefined });
    expect(stoppedTasksFinding(input, computeFacts(input))).toBeUndefined();
  });
});
