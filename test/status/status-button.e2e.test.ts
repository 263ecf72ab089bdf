import { labWorld } from '../helpers/aws-world';
import type { TestBot } from '../helpers/test-bot';
import { ACTIONS } from '../../src/slack/actions';
import { blockText, click, statusBot, tableAfter } from './status-helpers';

/** The Status button on alarm cards: value {k, c, s}, answered only to whoever clicked. */
describe('the alarm card Status button', () => {
  let lab: ReturnType<typeof labWorld>;
  let t: TestBot;
  beforeAll(async () => {
    lab = labWorld();
    lab.raiseDesired(4);
    t = await statusBot(lab.world);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('shows the service status as an ephemeral reply that leaves the card alone', async () => {
    const body = await click(
      t,
      ACTIONS.alarmStatus,
      JSON.stringify({ k: 'alarm:EcsLabApi-pending', c: 'EcsLabCluster', s: 'EcsLabApi' }),
    );
    expect(body.response_type).toBe('ephemeral');
    expect(body.replace_original).toBe(false);
    expect(body.blocks[0].text.text).toBe('EcsLabCluster / EcsLabApi');
    expect(blockText(body)).toContain(':warning: *1 of 4 running*, *3 pending* · short');
  });

  it('shows the cluster status when the alarm names no service', async () => {
    const body = await click(t, ACTIONS.alarmStatus, JSON.stringify({ k: 'alarm:cluster-cpu', c: 'EcsLabCluster' }));
    expect(body.replace_original).toBe(false);
    expect(body.blocks[0].text.text).toBe('Cluster EcsLabCluster');
    expect(tableAfter(body, '*Services*')[1]).toMatch(/^!\s+EcsLabApi\s+4\s+1\s+3/);
  });

  it('shows every cluster for an alarm tied to no cluster (no default cluster set)', async () => {
    const body = await click(t, ACTIONS.alarmStatus, JSON.stringify({ k: 'alarm:billing' }));
    expect(body.replace_original).toBe(false);
    expect(body.blocks[0].text.text).toBe('ECS clusters in us-east-1');
    expect(blockText(body)).toContain('*EcsLabCluster*');
  });

  it.each([
    ['not JSON', 'status please'],
    ['an invalid cluster name', JSON.stringify({ k: 'x', c: 'Ecs Lab <cluster>' })],
    ['a cluster that is not a string', JSON.stringify({ k: 'x', c: 5 })],
    ['an invalid service name', JSON.stringify({ k: 'x', c: 'EcsLabCluster', s: '../etc' })],
    ['an array', JSON.stringify(['EcsLabCluster'])],
  ])('refuses %s without calling AWS', async (_what, value) => {
    const before = lab.world.calls.length;
    const body = await click(t, ACTIONS.alarmStatus, value);
    expect(body.response_type).toBe('ephemeral');
    expect(body.replace_original).toBe(false);
    expect(body.text).toContain('this button is malformed; it names no valid cluster or service');
    expect(body.text).toContain('Use `/ecs status &lt;cluster&gt;/&lt;service&gt;` instead.');
    expect(lab.world.calls.length).toBe(before);
  });

  it('names the closest services when the alarm’s service is gone', async () => {
    const body = await click(t, ACTIONS.alarmStatus, JSON.stringify({ k: 'x', c: 'EcsLabCluster', s: 'EcsLabApiOld' }));
    expect(body.text).toContain('service "EcsLabApiOld" does not exist in cluster "EcsLabCluster"');
    expect(body.text).toContain('Did you mean: `EcsLabApi`');
  });
});
