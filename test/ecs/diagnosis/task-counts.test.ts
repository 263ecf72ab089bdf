import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { taskCountsFinding } from '../../../src/ecs/diagnosis/task-counts';
import { healthyInput, labIncidentInput, MIN, NOW, service, task } from '../diagnosis-fixtures';

const run = (input: ReturnType<typeof healthyInput>) => taskCountsFinding(input, computeFacts(input));

describe('desired vs running vs pending', () => {
  it('the lab: 1 of 4 running, 3 short for 12 minutes, critical, with the counts as evidence', () => {
    const f = run(labIncidentInput());
    expect(f).toMatchObject({
      id: 'tasks',
      severity: 'critical',
      title: '1 of 4 tasks running, 3 tasks short for 12 min',
    });
    expect(f.evidence).toEqual([
      'ECS reports desired 4, running 1, pending 3',
      '3 tasks not yet running, the oldest created 12 min ago; 3 not placed on any instance',
      'Last steady state 1 h ago',
    ]);
  });

  it('healthy: running = desired is ok', () => {
    expect(run(healthyInput())).toMatchObject({ severity: 'ok', title: '1 of 1 tasks running' });
  });

  it('a scale-out a minute old without placement failures is a warning, not yet critical', () => {
    const input = healthyInput({
      service: service({ desired: 2, running: 1, pending: 1 }),
      tasks: [task(), task({ lastStatus: 'PENDING', createdAt: NOW - MIN, containerInstanceId: 'a'.repeat(32) })],
    });
    const f = run(input);
    expect(f.severity).toBe('warning');
    expect(f.title).toBe('1 of 2 tasks running, 1 task short for 1 min');
    expect(f.detail).toMatch(/normal right after a deployment or a scale-out/);
  });

  it('the same shortfall after 20 minutes is critical: ECS is not catching up', () => {
    const input = healthyInput({
      service: service({ desired: 2, running: 1, pending: 1 }),
      tasks: [task(), task({ lastStatus: 'PENDING', createdAt: NOW - 20 * MIN, containerInstanceId: 'a'.repeat(32) })],
    });
    expect(run(input)).toMatchObject({ severity: 'critical', title: '1 of 2 tasks running, 1 task short for 20 min' });
  });

  it('nothing running at all is critical and says the service is down', () => {
    const f = run(healthyInput({ service: service({ desired: 2, running: 0, pending: 0 }), tasks: [] }));
    expect(f.severity).toBe('critical');
    expect(f.detail).toMatch(/down/);
  });

  it('a service scaled to 0 is information, not a problem', () => {
    expect(run(healthyInput({ service: service({ desired: 0, running: 0, pending: 0 }), tasks: [] }))).toMatchObject({
      severity: 'info',
      title: 'The service is scaled to 0 tasks',
    });
  });
});
