import { decodeValue, encodeValue } from '../../src/slack/actions';
import { labWorld } from '../helpers/aws-world';
import { ACTIONS, BOB, buttonsOf, cardText, decision, startHarness, type Harness } from './harness';

/**
 * A cluster fed by two Auto Scaling groups through two capacity providers: SmallAsg launches t3.micro
 * (982 MiB registered), BigAsg t3.medium (3,910 MiB). The service's tasks reserve 1,024 MiB, so only
 * BigAsg's instances hold them (3 each); 5 are wanted, 3 run, 2 wait.
 */
function twoGroupLab(taskMemory = 1024) {
  const lab = labWorld();
  const w = lab.world;
  w.addCluster('Mixed', { capacityProviders: ['SmallCp', 'BigCp'] });
  const small = w.addInstance('Mixed', 't3.micro', { asgName: 'SmallAsg' });
  const big = w.addInstance('Mixed', 't3.medium', { asgName: 'BigAsg' });
  w.addAsg('SmallAsg', {
    min: 1,
    max: 3,
    desired: 1,
    instanceType: 't3.micro',
    cluster: 'Mixed',
    existing: [small.ec2InstanceId],
  });
  w.addAsg('BigAsg', {
    min: 1,
    max: 3,
    desired: 1,
    instanceType: 't3.medium',
    cluster: 'Mixed',
    existing: [big.ec2InstanceId],
  });
  w.addCapacityProvider('SmallCp', 'SmallAsg');
  w.addCapacityProvider('BigCp', 'BigAsg');
  w.registerTaskDef({
    family: 'Worker',
    cpu: 256,
    memory: taskMemory,
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containers: [{ name: 'work', image: 'example/worker:1', memory: taskMemory, cpu: 256, essential: true }],
  });
  w.addService('Mixed', 'Worker', 'Worker:1', 5);
  w.settle();
  return lab;
}

describe('/ecs scale instances and /ecs diagnose on a cluster with two Auto Scaling groups', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('without --group: an ephemeral error naming both groups and the flag; nothing requested', async () => {
    h = await startHarness({ lab: twoGroupLab() });
    const answer = await h.command('scale instances Mixed 2');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('cluster "Mixed" uses several Auto Scaling groups ("BigAsg", "SmallAsg")');
    expect(answer.text).toContain('--group NAME');
    expect(answer.text).toContain('Usage: `/ecs scale service');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });

  it('--group must be one of the cluster’s groups, well-formed, and only with scale instances', async () => {
    h = await startHarness({ lab: twoGroupLab() });
    expect((await h.command('scale instances Mixed 2 --group EcsLabAsg')).text).toContain(
      '"EcsLabAsg" is not an Auto Scaling group of cluster "Mixed" (its groups are "BigAsg", "SmallAsg")',
    );
    expect((await h.command('scale instances Mixed 2 --group a:b')).text).toContain(
      '"a:b" is not a valid Auto Scaling group name',
    );
    expect((await h.command('scale service Mixed/Worker 4 --group BigAsg')).text).toContain(
      '--group names an Auto Scaling group: it goes with scale instances',
    );
    expect((await h.command('scale instances Mixed 2 --group')).text).toContain('--group needs a value');
    expect(await h.t.store.changeRequests.list()).toEqual([]);
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
  });

  it('--group BigAsg: the card, the approval and the change are about BigAsg only', async () => {
    h = await startHarness({ lab: twoGroupLab() });
    const id = await h.requestVia('scale instances Mixed 2 --group BigAsg --reason "two tasks wait"');
    const card = await h.card(id);
    const text = cardText(card);
    expect(text).toContain('Scale the instances of Mixed (group BigAsg) from 1 to 2 instances');
    expect(text).toContain("Group BigAsg (found through the cluster's capacity provider) · min 1 · max 3 · desired 1");
    expect(text).not.toContain('SmallAsg');
    expect(buttonsOf(card)).toEqual([ACTIONS.changeApprove, ACTIONS.changeReject, ACTIONS.changeCancel]);
    expect((await h.request(id)).proposal).toMatchObject({
      action: 'scale-instances',
      cluster: 'Mixed',
      group: 'BigAsg',
    });

    await h.click(ACTIONS.changeApprove, decision(id), BOB, { messageTs: card.ts, expectReply: false });
    await h.settled(id, 'succeeded');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup').map((c) => c.input)).toEqual([
      { AutoScalingGroupName: 'BigAsg', DesiredCapacity: 2 },
    ]);
    expect(h.lab.world.asgs.get('BigAsg')).toMatchObject({ desired: 2 });
    expect(h.lab.world.asgs.get('SmallAsg')).toMatchObject({ desired: 1 });
  });

  it('/ecs diagnose names the group whose instance type fits the task, and its button scales that group', async () => {
    h = await startHarness({ lab: twoGroupLab() });
    expect(h.lab.world.counts('Mixed', 'Worker')).toEqual({ desired: 5, running: 3, pending: 2 });
    const body = await h.command('diagnose Mixed/Worker');
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain('scale the Auto Scaling group BigAsg to 2 (desired 1 → 2)');
    expect(blocks).toContain('BigAsg is the group to scale: its t3.medium instances fit 3 tasks each');
    expect(blocks).toContain('SmallAsg: t3.micro instances fit 0 tasks when empty (memory: 1024 MiB of 982 MiB)');
    const actions = body.blocks.find((b: any) => b.type === 'actions');
    const scaleUp = actions.elements.find((e: any) => decodeValue<any>(e.value)?.a === 'scale-instances');
    expect(decodeValue(scaleUp.value)).toMatchObject({ a: 'scale-instances', c: 'Mixed', n: 2, g: 'BigAsg' });

    // The button asks for exactly that: a request for BigAsg.
    const reply = await h.click(scaleUp.action_id, scaleUp.value, BOB);
    const id = /request `([A-Za-z0-9_-]+)`/.exec(reply.text)![1];
    const r = await h.request(id);
    expect(r.proposal).toMatchObject({ group: 'BigAsg', desired: 2 });
    expect(r.plan.target).toBe('Mixed · group BigAsg');
    expect(h.lab.world.callsTo('UpdateAutoScalingGroup')).toHaveLength(0);
  });

  it('/ecs diagnose says so when no group’s instance type fits a task, and offers no instance scaling', async () => {
    h = await startHarness({ lab: twoGroupLab(5000) });
    const body = await h.command('diagnose Mixed/Worker');
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain('no Auto Scaling group of the cluster has an instance type that fits a task');
    expect(blocks).toContain('BigAsg: t3.medium instances fit 0 tasks when empty (memory: 5000 MiB of 3910 MiB)');
    expect(blocks).toContain('use a larger instance type or a smaller task');
    const values = (body.blocks.find((b: any) => b.type === 'actions')?.elements ?? []).map((e: any) =>
      decodeValue<any>(e.value),
    );
    expect(values.filter((v: any) => v.a === 'scale-instances')).toEqual([]);
  });

  it('the alarm card’s Scale… button offers one more instance in each group, each naming its group', async () => {
    h = await startHarness({ lab: twoGroupLab() });
    const reply = await h.click(ACTIONS.alarmScale, encodeValue({ c: 'Mixed', s: 'Worker' }), BOB);
    const blocks = JSON.stringify(reply.blocks);
    expect(blocks).toContain('*Instances* (group `BigAsg`): desired 1 · in service 1 · min 1 · max 3');
    expect(blocks).toContain('*Instances* (group `SmallAsg`): desired 1 · in service 1 · min 1 · max 3');
    expect(blocks).toContain('/ecs scale instances Mixed 2 --group BigAsg');
    const values = reply.blocks
      .find((b: any) => b.type === 'actions')
      .elements.map((e: any) => decodeValue<any>(e.value))
      .filter((v: any) => v.a === 'scale-instances');
    expect(values).toEqual([
      expect.objectContaining({ c: 'Mixed', n: 2, g: 'BigAsg' }),
      expect.objectContaining({ c: 'Mixed', n: 2, g: 'SmallAsg' }),
    ]);
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });
});
