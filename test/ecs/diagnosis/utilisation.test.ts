import { computeFacts } from '../../../src/ecs/diagnosis/facts';
import { insightsFinding } from '../../../src/ecs/diagnosis/insights';
import { utilisationFinding } from '../../../src/ecs/diagnosis/utilisation';
import { cluster, healthyInput } from '../diagnosis-fixtures';

const util = (input: ReturnType<typeof healthyInput>) => utilisationFinding(input, computeFacts(input));

describe('utilisation and Container Insights', () => {
  it('memory near the reservation: warning about OOM kills', () => {
    const f = util(healthyInput({ utilisation: { source: 'container-insights', cpu: 40, memory: 94.4 } }))!;
    expect(f).toMatchObject({ severity: 'warning', title: 'memory at 94% of the reservation' });
    expect(f.detail).toMatch(/out of memory/);
    expect(f.evidence).toEqual(['CPU 40% and memory 94% of the reservation (Container Insights, latest minute)']);
  });

  it('CPU near the reservation: warning about slowing down', () => {
    const f = util(healthyInput({ utilisation: { source: 'aws-ecs', cpu: 97, memory: 50 } }))!;
    expect(f).toMatchObject({ severity: 'warning', title: 'CPU at 97% of the reservation' });
    expect(f.evidence[0]).toMatch(/AWS\/ECS metrics/);
  });

  it('comfortable utilisation is ok; no datapoints is information', () => {
    expect(util(healthyInput())).toMatchObject({ severity: 'ok', title: 'CPU 35%, memory 60% of the reservation' });
    expect(util(healthyInput({ utilisation: { source: 'container-insights' } }))).toMatchObject({ severity: 'info' });
    expect(util(healthyInput({ utilisation: undefined }))).toBeUndefined();
  });

  it('Container Insights disabled: says what is missing and how to enable it (approver needed)', () => {
    const input = healthyInput({ cluster: cluster({ containerInsights: 'disabled' }) });
    const f = insightsFinding(input, computeFacts(input))!;
    expect(f.severity).toBe('info');
    expect(f.title).toBe('Container Insights is disabled on cluster EcsLabCluster');
    expect(f.detail).toContain('`/ecs insights EcsLabCluster enable` (needs an approver)');
    expect(f.detail).toMatch(/PendingTaskCount/);
    expect(insightsFinding(healthyInput(), computeFacts(healthyInput()))).toBeUndefined();
  });
});
