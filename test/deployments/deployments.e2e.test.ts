import { labWorld } from '../helpers/aws-world';
import { unsafeParts } from '../hostile/safe-mrkdwn';
import { ACTIONS, ALICE, BOB, decision, startHarness, type Harness } from '../approvals/harness';

/** The lab with room for the replacement tasks beside the old ones (ECS starts new tasks first). */
function roomyLab() {
  const lab = labWorld();
  lab.world.addInstance(lab.cluster, 't3.medium');
  lab.world.settle();
  return lab;
}

const USAGE =
  'Usage: `/ecs deployments &lt;cluster&gt;/&lt;service&gt; [--limit N] [--account NAME] [--region REGION]`';

describe('/ecs deployments, end to end', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('lists the bot’s restart with who asked and who approved, and the deployment before it from the events', async () => {
    h = await startHarness({ lab: roomyLab() });
    const w = h.lab.world;
    const first = w.service('EcsLabCluster', 'EcsLabApi').deployments[0].id;
    const id = await h.requestVia('restart EcsLabCluster/EcsLabApi --reason "<!channel> stuck *connections*"');
    const card = await h.card(id);
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { messageTs: card.ts, expectReply: false });
    await h.settled(id, 'succeeded');
    w.settle();
    const svc = w.service('EcsLabCluster', 'EcsLabApi');
    const second = svc.deployments[0].id;
    expect(svc.deployments.map((d) => [d.id, d.rolloutState])).toEqual([[second, 'COMPLETED']]);
    expect(second).not.toBe(first);

    h.clock.t = w.now;
    const answer = await h.command('deployments EcsLabCluster/EcsLabApi');
    expect(answer.response_type).toBe('ephemeral');
    const blocks = (answer.blocks as any[]).map((b) => b.text?.text ?? b.elements?.map((e: any) => e.text).join(' '));
    expect(blocks[0]).toBe(':rocket: *Deployments of `EcsLabCluster/EcsLabApi`* · now on `EcsLabApi:1`');
    // Newest first: the restart ECS still holds, then the first deployment ECS has dropped.
    expect(blocks[1]).toContain('*`EcsLabApi:1`* · PRIMARY · :white_check_mark: COMPLETED · 1/1 running, 0 pending');
    expect(blocks[1]).toContain(`\`${second}\``);
    expect(blocks[1]).toContain('Image: api `public.ecr.aws/nginx/nginx:stable`');
    expect(blocks[1]).toContain(
      `:bust_in_silhouette: Restart asked by <@${ALICE}> · approved by <@${BOB}> · request \`${id}\``,
    );
    expect(blocks[1]).toContain('_Reason:_ &lt;!channel&gt; stuck *connections*');
    expect(blocks[2]).toContain(
      '*`EcsLabApi:1`* · :leftwards_arrow_with_hook: replaced by a later deployment · 1 task started',
    );
    expect(blocks[2]).toContain(`\`${first}\``);
    expect(blocks[2]).not.toContain('asked by');
    expect(blocks.at(-1)).toContain(
      "this history is rebuilt from the deployments ECS holds now (DescribeServices); the service's events (ECS keeps its latest 100); the tasks ECS still describes (stopped ones for about an hour); the bot's own change requests.",
    );
    expect(answer.text).toBe('Deployments of EcsLabCluster/EcsLabApi: 2 deployments, newest EcsLabApi:1 COMPLETED');
    expect(unsafeParts(answer, { users: [ALICE, BOB] })).toEqual([]);
    // Read-only: the one UpdateService is the approved restart.
    expect(w.callsTo('UpdateService')).toHaveLength(1);
  });

  it('answers bad input with the usage line, and an unknown service with the closest names', async () => {
    h = await startHarness();
    const cases: [string, string][] = [
      ['deployments', 'name the service whose deployments to list'],
      ['deployments EcsLabCluster/EcsLabApi --limit 0', '--limit must be from 1 to 25, not 0'],
      ['deployments EcsLabCluster/EcsLabApi --limit lots', '--limit takes a whole number from 1 to 25, not "lots"'],
      ['deployments EcsLabCluster/bad!name', 'bad!name'],
      ['deployments EcsLabCluster/EcsLabApi --since 1h', 'unknown option --since'],
    ];
    for (const [bad, why] of cases) {
      const answer = await h.command(bad);
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain(why);
      expect(answer.text).toContain(USAGE);
    }
    const unknown = await h.command('deployments EcsLabCluster/EcsLabAp');
    expect(unknown.response_type).toBe('ephemeral');
    expect(unknown.text).toContain('service "EcsLabAp" does not exist in cluster "EcsLabCluster"');
    expect(unknown.text).toContain('EcsLabApi');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
  });

  it('still answers when the tasks cannot be read, and says what it could not read', async () => {
    h = await startHarness();
    h.lab.world.failNext('ListTasks', () => Object.assign(new Error('no'), { name: 'AccessDeniedException' }), 2);
    const answer = await h.command('deployments EcsLabCluster/EcsLabApi');
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain('PRIMARY · :white_check_mark: COMPLETED');
    expect(text).toContain(':warning: Not read, so not part of this history: tasks:');
  });
});
