import { labWorld, WorldError } from '../helpers/aws-world';
import {
  ACTIONS,
  ALICE,
  BOB,
  CHANNEL,
  cardText,
  approveAndApply,
  decision,
  eventually,
  pendingCard,
  rolloutThread,
  startHarness,
  type Harness,
} from './harness';

/** Values the task definitions hold that must never reach Slack: an environment value and secret sources. */
const ENV_VALUE = 'hunter2-env-value-must-not-leak';
const SECRET_SOURCE = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-password-AbCdEf';
const TOKEN_SOURCE = 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/api-token';

/**
 * The lab with room for replacement tasks, and a second revision EcsLabApi:2 that differs from :1 in its
 * image, sizes, environment variable and secret names and ports. `bad` marks :2 so its container exits 1.
 */
function twoRevisionLab(o: { circuitBreaker?: { enable: boolean; rollback: boolean }; deployBad?: boolean } = {}) {
  const lab = labWorld();
  const w = lab.world;
  w.addInstance(lab.cluster, 't3.medium');
  const v1 = w.taskDefs.get('EcsLabApi:1')!;
  v1.containers[0].environment = [{ name: 'LOG_LEVEL', value: 'info' }];
  v1.containers[0].secrets = [{ name: 'DB_PASSWORD', valueFrom: SECRET_SOURCE }];
  v1.executionRoleArn = 'arn:aws:iam::123456789012:role/EcsLabExecution';
  w.registerTaskDef({
    ...v1,
    revision: undefined,
    memory: 768,
    containers: [
      {
        ...v1.containers[0],
        image: 'public.ecr.aws/nginx/nginx:1.27-<!channel>',
        memory: 768,
        environment: [
          { name: 'LOG_LEVEL', value: 'debug' },
          { name: 'FEATURE_FLAG', value: ENV_VALUE },
        ],
        secrets: [
          { name: 'DB_PASSWORD', valueFrom: SECRET_SOURCE },
          { name: 'API_TOKEN', valueFrom: TOKEN_SOURCE },
        ],
        portMappings: [{ containerPort: 8080, hostPort: 0 }],
      },
    ],
  });
  const svc = w.service(lab.cluster, lab.service);
  svc.circuitBreaker = o.circuitBreaker ?? { enable: true, rollback: false };
  if (o.deployBad) w.markBad('EcsLabApi:2');
  w.updateServiceTaskDef(lab.cluster, lab.service, 'EcsLabApi:2');
  w.settle();
  return lab;
}

/** Everything the bot sent to Slack: posts, updates, ephemerals and response_url answers. */
function allSlackText(h: Harness): string {
  return JSON.stringify([h.t.slack.calls, h.t.slack.responses, [...h.t.slack.messages.values()]]);
}

describe('/ecs rollback with approval, end to end', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('rolls a failed deployment back to the revision that ran before it: diff on the card, approved once, executed once, followed to completion', async () => {
    h = await startHarness({ lab: twoRevisionLab({ deployBad: true }) });
    const w = h.lab.world;
    const svc = w.service('EcsLabCluster', 'EcsLabApi');
    // The bad revision failed 3 tasks; the circuit breaker (rollback off) stopped it; :1 still serves.
    expect(svc.deployments.map((d) => [d.taskDef, d.status, d.rolloutState])).toEqual([
      ['EcsLabApi:2', 'PRIMARY', 'FAILED'],
      ['EcsLabApi:1', 'ACTIVE', 'COMPLETED'],
    ]);
    const stopped = w.tasksOf('EcsLabCluster', 'EcsLabApi').filter((t) => t.taskDef === 'EcsLabApi:2');
    expect(stopped).toHaveLength(3);
    expect(stopped[0]).toMatchObject({ stopCode: 'EssentialContainerExited', lastStatus: 'STOPPED' });
    expect(stopped[0].containers[0].exitCode).toBe(1);

    const id = await h.requestVia('rollback EcsLabCluster/EcsLabApi --reason "bad deploy"');
    const card = await pendingCard(h, id);
    const text = cardText(card);
    expect(text).toContain('Roll back service EcsLabCluster/EcsLabApi from EcsLabApi:2 to EcsLabApi:1');
    expect(text).toContain("Target EcsLabApi:1: the revision of the service's previous deployment, which completed");
    expect(text).toContain('*What changes*: `EcsLabApi:2` → `EcsLabApi:1`');
    expect(text).toContain(
      'image `public.ecr.aws/nginx/nginx:1.27-&lt;!channel&gt;` → *`public.ecr.aws/nginx/nginx:stable`*',
    );
    expect(text).toContain('memory 768 MiB → *512 MiB*');
    expect(text).toContain('Environment variables: removed `FEATURE_FLAG`');
    expect(text).toContain('Secrets: removed `API_TOKEN`');
    expect(text).toContain('Port mappings: added `80/tcp` · removed `8080/tcp`');
    expect(text).toContain(
      'Deployment configuration (kept): circuit breaker on, rollback off · minimum healthy 100 % · maximum 200 %',
    );
    expect(text).toContain(
      'The current deployment of EcsLabApi:2 FAILED (3 tasks failed): ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(text).not.toContain('A deployment is in progress');
    expect(text).not.toContain('<!channel>');
    expect(w.callsTo('UpdateService')).toHaveLength(0);

    const done = await approveAndApply(h, id, card);
    // A second click on the same card (a retry, a double click) changes nothing more.
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { messageTs: card.ts, expectReply: false });
    expect(w.callsTo('UpdateService').map((c) => c.input)).toEqual([
      { cluster: 'EcsLabCluster', service: 'EcsLabApi', taskDefinition: 'EcsLabApi:1' },
    ]);
    const ours = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    expect(ours).toMatchObject({ taskDef: 'EcsLabApi:1', rolloutState: 'IN_PROGRESS' });

    expect(cardText(done)).toContain(`Deployment ${ours.id} of EcsLabApi:1 started (was EcsLabApi:2).`);

    const thread = await rolloutThread(h, card);
    w.settle();
    h.clock.advance(15_000);
    expect(await h.follower.runOnce()).toBe(1);
    expect(thread().at(-1)).toMatch(/Reached: .*deployment of `EcsLabApi:1` completed · 1\/1 new tasks running/);
    expect(svc.deployments.map((d) => [d.taskDef, d.status, d.rolloutState])).toEqual([
      ['EcsLabApi:1', 'PRIMARY', 'COMPLETED'],
    ]);
    expect(w.callsTo('UpdateService')).toHaveLength(1);

    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[1]).toMatchObject({
      actor: ALICE,
      approver: BOB,
      action: 'rollback-service',
      target: 'EcsLabCluster/EcsLabApi',
      before: 'EcsLabApi:2',
      after: { deploymentId: ours.id, taskDefinition: 'EcsLabApi:1', from: 'EcsLabApi:2' },
    });

    // Names of variables and secrets were shown; no value and no secret source ever reached Slack.
    const everything = allSlackText(h);
    expect(everything).toContain('FEATURE_FLAG');
    for (const leak of [ENV_VALUE, SECRET_SOURCE, TOKEN_SOURCE, 'prod/db-password', 'debug']) {
      expect(everything).not.toContain(leak);
    }
  });

  it('reports a named target that the circuit breaker fails and rolls back', async () => {
    // :2 completed and runs; the operator rolls back to :1, whose image no longer works.
    const lab = twoRevisionLab({ circuitBreaker: { enable: true, rollback: true } });
    lab.world.markBad('EcsLabApi:1');
    h = await startHarness({ lab });
    const w = h.lab.world;
    const svc = w.service('EcsLabCluster', 'EcsLabApi');
    expect(svc.deployments.map((d) => [d.taskDef, d.rolloutState])).toEqual([['EcsLabApi:2', 'COMPLETED']]);

    const id = await h.requestVia('rollback EcsLabCluster/EcsLabApi EcsLabApi:1');
    const card = await pendingCard(h, id);
    expect(cardText(card)).toContain('Target EcsLabApi:1: named by the requester');
    await approveAndApply(h, id, card);
    const ours = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    expect(ours.taskDef).toBe('EcsLabApi:1');

    const thread = await rolloutThread(h, card);
    // Three tasks of :1 exit 1; the circuit breaker fails the deployment and goes back to :2.
    for (let i = 0; i < 6; i++) w.tick();
    expect(ours).toMatchObject({ rolloutState: 'FAILED', failedTasks: 3 });
    const back = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    expect(back.taskDef).toBe('EcsLabApi:2');
    expect(svc.events.map((e) => e.message)).toContain(
      `(service EcsLabApi) (deployment ${ours.id}) deployment failed: tasks failed to start.`,
    );

    h.clock.advance(15_000);
    expect(await h.follower.runOnce()).toBe(1);
    const last = thread().at(-1) ?? '';
    expect(last).toContain('The deployment of `EcsLabApi:1` on `EcsLabCluster/EcsLabApi` failed (3 tasks failed).');
    expect(last).toContain('ECS says: ECS deployment circuit breaker: tasks failed to start.');
    expect(last).toContain('Rolled back by the deployment circuit breaker.');
    expect(last).toContain(`The service now deploys \`EcsLabApi:2\` (deployment \`${back.id}\`)`);
    expect((await h.t.store.rollouts.forRequest(id))?.status).toBe('stopped');
    expect(w.callsTo('UpdateService')).toHaveLength(1);
  });
});

describe('/ecs rollback, refusals', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  const noCard = () =>
    expect(h.t.slack.messagesIn(CHANNEL).filter((m) => cardText(m).includes('Roll back service'))).toHaveLength(0);

  it('refuses a revision that does not exist, naming the ones nearby, and one of another family', async () => {
    h = await startHarness({ lab: twoRevisionLab() });
    const missing = await h.command('rollback EcsLabCluster/EcsLabApi 9');
    expect(missing.response_type).toBe('ephemeral');
    expect(missing.text).toContain('EcsLabApi:9 does not exist. Revisions of EcsLabApi nearby: 1, 2 (current).');

    const other = await h.command('rollback EcsLabCluster/EcsLabApi OtherApp:1');
    expect(other.text).toContain(
      'OtherApp:1 is of family OtherApp, but EcsLabCluster/EcsLabApi runs family EcsLabApi (EcsLabApi:2): a rollback deploys a revision of the same family',
    );
    const arn = await h.command(
      'rollback EcsLabCluster/EcsLabApi arn:aws:ecs:us-east-1:999999999999:task-definition/EcsLabApi:1',
    );
    expect(arn.text).toContain('a service deploys only its own account');

    const same = await h.command('rollback EcsLabCluster/EcsLabApi 2');
    expect(same.text).toContain('already runs EcsLabApi:2: nothing to roll back to');

    h.lab.world.deregisterTaskDef('EcsLabApi:1');
    const inactive = await h.command('rollback EcsLabCluster/EcsLabApi EcsLabApi:1');
    expect(inactive.text).toContain('EcsLabApi:1 is INACTIVE (deregistered): ECS does not deploy it again.');
    noCard();
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
  });

  it('reads only the pages of a long revision history that it needs, and accepts the ARN of a revision', async () => {
    const lab = labWorld();
    const w = lab.world;
    w.addInstance(lab.cluster, 't3.medium');
    const v1 = w.taskDefs.get('EcsLabApi:1')!;
    for (let n = 2; n <= 350; n++)
      w.registerTaskDef({ ...v1, revision: n, containers: [{ ...v1.containers[0], image: `nginx:${n}` }] });
    w.updateServiceTaskDef(lab.cluster, lab.service, 'EcsLabApi:350');
    w.settle();
    h = await startHarness({ lab });
    const lists = () => w.callsTo('ListTaskDefinitions').length;

    const dry = await h.command('rollback EcsLabCluster/EcsLabApi --dry-run');
    expect(JSON.stringify(dry)).toContain(
      'Roll back service EcsLabCluster/EcsLabApi from EcsLabApi:350 to EcsLabApi:349',
    );
    expect(JSON.stringify(dry)).toContain('the newest earlier ACTIVE revision of EcsLabApi');
    expect(lists()).toBe(1);

    const missing = await h.command('rollback EcsLabCluster/EcsLabApi 400');
    expect(missing.text).toContain(
      'EcsLabApi:400 does not exist. Revisions of EcsLabApi nearby: 346, 347, 348, 349, 350 (current).',
    );
    expect(lists()).toBe(2);

    w.deregisterTaskDef('EcsLabApi:3');
    const inactive = await h.command('rollback EcsLabCluster/EcsLabApi 3');
    expect(inactive.text).toContain('ACTIVE revisions of EcsLabApi nearby: 1, 2, 4, 5, 6.');
    // 349 ACTIVE revisions, 100 a page: the bottom of the history takes every page, and no more.
    expect(lists()).toBe(6);

    const arn = await h.command(
      'rollback EcsLabCluster/EcsLabApi arn:aws:ecs:us-east-1:123456789012:task-definition/EcsLabApi:12 --dry-run',
    );
    expect(JSON.stringify(arn)).toContain('from EcsLabApi:350 to EcsLabApi:12');
    expect(JSON.stringify(arn)).toContain('image `nginx:350` → *`nginx:12`*');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
  });

  it('says so when there is no earlier revision that ran steady', async () => {
    h = await startHarness();
    const answer = await h.command('rollback EcsLabCluster/EcsLabApi');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain(
      'there is no earlier revision of EcsLabApi that ran steady to roll EcsLabCluster/EcsLabApi back to: it runs EcsLabApi:1',
    );
    expect(answer.text).toContain('/ecs rollback EcsLabCluster/EcsLabApi &lt;revision&gt;');
    noCard();
  });

  it('answers bad input with the usage line, requesting nothing', async () => {
    h = await startHarness();
    const usage =
      'Usage: `/ecs rollback &lt;cluster&gt;/&lt;service&gt; [revision] [--reason "…"] [--account NAME] [--region REGION] [--dry-run]`';
    const cases: [string, string][] = [
      ['rollback', 'name the service to roll back'],
      ['rollback EcsLabCluster/EcsLabApi 3 extra', 'unexpected "extra"'],
      ['rollback EcsLabCluster/EcsLabApi x:y', '"x:y" is not a revision'],
      ['rollback EcsLabCluster/EcsLabApi <!here>:1', 'is not a revision'],
      ['rollback a/b/c', '"a/b/c" is not cluster/service'],
    ];
    for (const [bad, why] of cases) {
      const answer = await h.command(bad);
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain(why);
      expect(answer.text).toContain(usage);
      expect(answer.text).not.toContain('<!here>');
    }
    noCard();
  });

  it('stops, changing nothing, when the service moved to another revision before the approval', async () => {
    h = await startHarness({ lab: twoRevisionLab({ deployBad: true }) });
    const id = await h.requestVia('rollback EcsLabCluster/EcsLabApi');
    const w = h.lab.world;
    const td = w.registerTaskDef({ ...w.taskDefs.get('EcsLabApi:1')!, revision: undefined, bad: undefined });
    w.updateServiceTaskDef('EcsLabCluster', 'EcsLabApi', `EcsLabApi:${td.revision}`);
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    const r = await h.settled(id, 'failed');
    expect(r.error).toContain('changed since the request (was EcsLabApi:2, now EcsLabApi:3); nothing was changed');
    expect(w.callsTo('UpdateService')).toHaveLength(0);
  });

  it('requests a rollback from a propose button carrying the target revision, and refuses a stale one', async () => {
    h = await startHarness({ lab: twoRevisionLab({ deployBad: true }) });
    const value = JSON.stringify({ a: 'rollback-service', c: 'EcsLabCluster', s: 'EcsLabApi', td: 'EcsLabApi:1' });
    const reply = await h.click(ACTIONS.changePropose, value, ALICE);
    expect(reply.text).toContain(
      'Requested: Roll back service EcsLabCluster/EcsLabApi from EcsLabApi:2 to EcsLabApi:1',
    );
    const stale = JSON.stringify({ a: 'rollback-service', c: 'EcsLabCluster', s: 'EcsLabApi', td: 'EcsLabApi:7' });
    expect((await h.click(ACTIONS.changePropose, stale, ALICE)).text).toContain('EcsLabApi:7 does not exist');
    const malformed = JSON.stringify({ a: 'scale-service', c: 'EcsLabCluster', s: 'EcsLabApi', td: 'EcsLabApi:1' });
    expect((await h.click(ACTIONS.changePropose, malformed, ALICE)).text).toContain('nothing was requested');
    expect(h.lab.world.callsTo('UpdateService')).toHaveLength(0);
  });
});

describe('/ecs rollback, a flaky network, a missing permission and a follower that polls late', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('answers a throttled read with what happened and requests nothing', async () => {
    h = await startHarness({ lab: twoRevisionLab() });
    h.lab.world.throttleNext('ListTaskDefinitions', 5);
    const answer = await h.command('rollback EcsLabCluster/EcsLabApi');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('AWS is throttling ecs:ListTaskDefinitions right now');
    expect(h.t.slack.messagesIn(CHANNEL).filter((m) => cardText(m).includes('Roll back service'))).toHaveLength(0);
  });

  it('fails the request, naming the role and the statement, when ECS refuses iam:PassRole', async () => {
    h = await startHarness({ lab: twoRevisionLab({ deployBad: true }) });
    const id = await h.requestVia('rollback EcsLabCluster/EcsLabApi');
    const role = 'arn:aws:iam::123456789012:role/EcsLabExecution';
    h.lab.world.failNext(
      'UpdateService',
      () =>
        new WorldError(
          'AccessDeniedException',
          `User: arn:aws:sts::123456789012:assumed-role/ecs-chatops/bot is not authorized to perform: iam:PassRole on resource: ${role} because no identity-based policy allows the iam:PassRole action`,
        ),
    );
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    const r = await h.settled(id, 'failed');
    expect(r.error).toContain(
      `ECS refused to deploy EcsLabApi:1: the bot may not pass its role ${role} to ECS tasks (iam:PassRole). Grant it as the ApprovedRollbackPassRole statement of iam-policy.json does; nothing was changed.`,
    );
    // The card's details already say "FAILED" (the bad deployment), so wait for the status line itself.
    await eventually(
      async () => cardText(await h.card(id)).includes('but the change failed:* ECS refused'),
      'the card',
    );
    expect(h.lab.world.service('EcsLabCluster', 'EcsLabApi').taskDef).toBe('EcsLabApi:2');
    expect((await h.t.store.audit.forRequest(id)).map((a) => a.outcome)).toEqual(['requested', 'failed']);
  });

  it('still says the circuit breaker rolled the deployment back when ECS has already dropped it', async () => {
    const lab = twoRevisionLab({ circuitBreaker: { enable: true, rollback: true } });
    lab.world.markBad('EcsLabApi:1');
    h = await startHarness({ lab });
    const w = h.lab.world;
    const id = await h.requestVia('rollback EcsLabCluster/EcsLabApi 1');
    const card = await pendingCard(h, id);
    await approveAndApply(h, id, card);
    const svc = w.service('EcsLabCluster', 'EcsLabApi');
    const ours = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    const thread = await rolloutThread(h, card);
    // The follower polls only after the rollback to :2 completed: ECS lists that deployment alone.
    w.settle();
    expect(svc.deployments.map((d) => [d.taskDef, d.status, d.rolloutState])).toEqual([
      ['EcsLabApi:2', 'PRIMARY', 'COMPLETED'],
    ]);
    h.clock.advance(15_000);
    expect(await h.follower.runOnce()).toBe(1);
    const last = thread().at(-1) ?? '';
    expect(last).toContain('The deployment of `EcsLabApi:1` on `EcsLabCluster/EcsLabApi` failed.');
    expect(last).toContain('ECS says: tasks failed to start.');
    expect(last).toContain('Rolled back by the deployment circuit breaker. The service now deploys `EcsLabApi:2`');
    expect(ours.rolloutState).toBe('FAILED');
    expect((await h.t.store.rollouts.forRequest(id))?.status).toBe('stopped');
  });
});
