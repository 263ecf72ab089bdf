import { labWorld, WorldError } from '../helpers/aws-world';
import { ACTIONS, ALICE, BOB, cardText, decision, startHarness, type Harness } from '../approvals/harness';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecs-bot-alarms';
const PUBLIC_URL = 'https://ecs-bot.example.com';
const ENDPOINT = `${PUBLIC_URL}/sns`;
const ALARM = 'ecs-pending-tasks-EcsLabCluster-EcsLabApi';

/** The lab with the bot's topic, subscribed and confirmed unless told otherwise. */
function labWithTopic(o: { topic?: boolean; subscription?: 'confirmed' | 'pending' | 'none' } = {}) {
  const lab = labWorld();
  if (o.topic !== false) {
    const t = lab.world.addTopic(TOPIC);
    if ((o.subscription ?? 'confirmed') !== 'none') {
      t.subscriptions.push({
        arn: `${TOPIC}:1b2c3d4e`,
        protocol: 'https',
        endpoint: ENDPOINT,
        pending: o.subscription === 'pending',
      });
    }
  }
  return lab;
}

const ENV = { SNS_TOPIC_ARNS: TOPIC, PUBLIC_URL, APPROVERS: BOB };

describe('/ecs alarm create pending, end to end through approval', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('creates exactly one PutMetricAlarm on the bot topic once an approver approves', async () => {
    h = await startHarness({ lab: labWithTopic(), env: ENV });
    const id = await h.requestVia(
      'alarm create pending EcsLabCluster/EcsLabApi --threshold 1 --periods 2 --reason "lab"',
    );
    const text = cardText(await h.card(id));
    expect(text).toContain('Create an alarm');
    expect(text).toContain(ALARM);
    expect(text).toContain('ECS/ContainerInsights PendingTaskCount');
    expect(text).toContain(`SNS topic ${TOPIC}`);
    // Nothing changes before the approval.
    expect(h.lab.world.callsTo('PutMetricAlarm')).toHaveLength(0);

    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');

    const puts = h.lab.world.callsTo('PutMetricAlarm');
    expect(puts).toHaveLength(1);
    expect(puts[0].input).toMatchObject({
      AlarmName: ALARM,
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'PendingTaskCount',
      Dimensions: [
        { Name: 'ClusterName', Value: 'EcsLabCluster' },
        { Name: 'ServiceName', Value: 'EcsLabApi' },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    expect(h.lab.world.alarms.get(ALARM)?.okActions).toEqual([TOPIC]);
    const audit = await h.t.store.audit.forRequest(id);
    expect(audit.map((a) => a.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[1]).toMatchObject({ actor: ALICE, approver: BOB, action: 'alarm-create', target: ALARM });
  });

  it('uses threshold 0 and 3 periods by default', async () => {
    h = await startHarness({ lab: labWithTopic(), env: ENV });
    const id = await h.requestVia('alarm create pending EcsLabCluster/EcsLabApi');
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    expect(h.lab.world.callsTo('PutMetricAlarm').map((c) => [c.input.Threshold, c.input.EvaluationPeriods])).toEqual([
      [0, 3],
    ]);
  });

  it('warns on the card when Container Insights is off on the cluster', async () => {
    const lab = labWithTopic();
    lab.world.cluster('EcsLabCluster').containerInsights = 'disabled';
    h = await startHarness({ lab, env: ENV });
    const id = await h.requestVia('alarm create pending EcsLabCluster/EcsLabApi');
    expect(cardText(await h.card(id))).toContain('Container Insights is disabled on EcsLabCluster');
  });

  it.each([
    ['no PUBLIC_URL', labWithTopic(), { ...ENV, PUBLIC_URL: undefined }, /PUBLIC_URL is not set/],
    [
      'a topic that does not exist',
      labWithTopic({ topic: false }),
      ENV,
      new RegExp(`The topic ${TOPIC} does not exist in us-east-1`),
    ],
    [
      'no subscription of the bot',
      labWithTopic({ subscription: 'none' }),
      ENV,
      new RegExp(`${ENDPOINT} is not subscribed to ${TOPIC}: run aws sns subscribe`),
    ],
    [
      'a subscription pending confirmation',
      labWithTopic({ subscription: 'pending' }),
      ENV,
      /still pending confirmation/,
    ],
    [
      'a topic in another region',
      labWithTopic(),
      { ...ENV, SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ecs-bot-alarms' },
      /is in eu-west-1 but the bot's alarms are created in us-east-1/,
    ],
  ])('says what is missing with %s, and requests nothing', async (_what, lab, env, message) => {
    h = await startHarness({ lab, env });
    const answer = await h.command('alarm create pending EcsLabCluster/EcsLabApi');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toMatch(/The alarm would not reach this bot/);
    expect(answer.text).toMatch(message);
    expect(await h.t.store.changeRequests.list()).toEqual([]);
    expect(h.t.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.lab.world.callsTo('PutMetricAlarm')).toHaveLength(0);
  });

  it('names the closest services when the service does not exist', async () => {
    h = await startHarness({ lab: labWithTopic(), env: ENV });
    const answer = await h.command('alarm create pending EcsLabCluster/EcsLabAp');
    expect(answer.text).toContain('service "EcsLabAp" does not exist in cluster "EcsLabCluster"');
    expect(answer.text).toContain('`EcsLabApi`');
  });

  it.each([
    ['alarm create cpu EcsLabCluster/EcsLabApi', '"cpu" is not an alarm the bot can create (known: pending)'],
    ['alarm create pending EcsLabCluster', 'name the service as &lt;cluster&gt;/&lt;service&gt;'],
    ['alarm create pending EcsLabCluster/EcsLabApi --threshold -1', '--threshold must be a number of pending tasks'],
    [
      'alarm create pending EcsLabCluster/EcsLabApi --periods 0',
      '--periods must be a whole number of minutes from 1 to 1440',
    ],
    ['alarm create pending EcsLabCluster/EcsLabApi --periods 2.5', '--periods must be a whole number'],
    ['alarm frobnicate', '"frobnicate" is not create or delete'],
  ])('refuses %s with the usage line', async (text, message) => {
    h = await startHarness({ lab: labWithTopic(), env: ENV });
    const answer = await h.command(text);
    expect(answer.text).toContain(message);
    expect(answer.text).toContain('Usage: `/ecs alarm');
    expect(h.lab.world.calls.filter((c) => c.service === 'cloudwatch')).toHaveLength(0);
  });

  it('shows the plan without requesting anything with --dry-run', async () => {
    h = await startHarness({ lab: labWithTopic(), env: ENV });
    const answer = await h.command('alarm create pending EcsLabCluster/EcsLabApi --dry-run');
    expect(answer.text).toMatch(/^Dry run: Create alarm ecs-pending-tasks-EcsLabCluster-EcsLabApi/);
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });
});

describe('/ecs alarm delete, end to end through approval', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('deletes the alarm with one DeleteAlarms once an approver approves', async () => {
    const lab = labWithTopic();
    h = await startHarness({ lab, env: ENV });
    lab.world.alarms.set('lab-cpu-high', {
      name: 'lab-cpu-high',
      arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-cpu-high',
      namespace: 'AWS/ECS',
      metricName: 'CPUUtilization',
      dimensions: [
        { Name: 'ClusterName', Value: 'EcsLabCluster' },
        { Name: 'ServiceName', Value: 'EcsLabApi' },
      ],
      statistic: 'Average',
      period: 60,
      evaluationPeriods: 3,
      threshold: 80,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: [
        TOPIC,
        'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:resource/ecs/service/EcsLabCluster/EcsLabApi:policyName/up',
      ],
      okActions: [],
      insufficientDataActions: [],
      state: 'OK',
      stateReason: 'ok',
      stateUpdatedAt: lab.world.now,
    });
    const id = await h.requestVia('alarm delete lab-cpu-high --reason "obsolete"');
    const text = cardText(await h.card(id));
    expect(text).toContain('Delete an alarm');
    expect(text).toContain('ECS service auto scaling policy: deleting it stops those actions too');
    expect(text).toContain('This alarm was not created by this bot.');
    expect(h.lab.world.callsTo('DeleteAlarms')).toHaveLength(0);

    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'succeeded');
    expect(h.lab.world.callsTo('DeleteAlarms').map((c) => c.input)).toEqual([{ AlarmNames: ['lab-cpu-high'] }]);
    expect(h.lab.world.alarms.has('lab-cpu-high')).toBe(false);
    expect((await h.request(id)).cluster).toBe('EcsLabCluster');
  });

  it('deletes an alarm the bot created (request, approve, gone)', async () => {
    h = await startHarness({ lab: labWithTopic(), env: ENV });
    const create = await h.requestVia('alarm create pending EcsLabCluster/EcsLabApi');
    await h.click(ACTIONS.changeApprove, decision(create), BOB, { expectReply: false });
    await h.settled(create, 'succeeded');
    const del = await h.requestVia(`alarm delete ${ALARM}`);
    expect(cardText(await h.card(del))).not.toContain('not created by this bot');
    await h.click(ACTIONS.changeApprove, decision(del), BOB, { expectReply: false });
    await h.settled(del, 'succeeded');
    expect(h.lab.world.alarms.has(ALARM)).toBe(false);
  });

  it('answers a misspelt alarm name with the closest names and requests nothing', async () => {
    const lab = labWithTopic();
    h = await startHarness({ lab, env: ENV });
    lab.world.alarms.set(ALARM, { ...baseAlarm(ALARM), state: 'OK' });
    const answer = await h.command('alarm delete ecs-pending-tasks-EcsLabCluster-EcsLabAp');
    expect(answer.text).toContain('there is no metric alarm named');
    expect(answer.text).toContain(`\`${ALARM}\``);
    expect(await h.t.store.changeRequests.list()).toEqual([]);
  });

  it('fails the request, changing nothing, when the alarm changed after the request', async () => {
    const lab = labWithTopic();
    h = await startHarness({ lab, env: ENV });
    lab.world.alarms.set(ALARM, { ...baseAlarm(ALARM), state: 'OK' });
    const id = await h.requestVia(`alarm delete ${ALARM}`);
    lab.world.alarms.get(ALARM)!.threshold = 5;
    await h.click(ACTIONS.changeApprove, decision(id), BOB, { expectReply: false });
    await h.settled(id, 'failed');
    expect(h.lab.world.callsTo('DeleteAlarms')).toHaveLength(0);
    expect((await h.request(id)).error).toContain('changed since the request');
  });
});

describe('/ecs alarms', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('lists what CloudWatch reports in ALARM for the ECS namespaces only', async () => {
    const lab = labWithTopic();
    h = await startHarness({ lab, env: ENV });
    lab.world.alarms.set(ALARM, {
      ...baseAlarm(ALARM),
      state: 'ALARM',
      stateReason: 'Threshold Crossed: 1 datapoint [3.0] was greater than 0.0',
    });
    lab.world.alarms.set('rds-cpu', { ...baseAlarm('rds-cpu'), namespace: 'AWS/RDS', state: 'ALARM' });
    lab.world.alarms.set('ecs-quiet', { ...baseAlarm('ecs-quiet'), state: 'OK' });
    const answer = await h.command('alarms');
    expect(answer.response_type).toBe('ephemeral');
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain(ALARM);
    expect(text).toContain('no card: its actions do not reach this bot');
    expect(text).toContain('Threshold Crossed: 1 datapoint [3.0] was greater than 0.0');
    expect(text).not.toContain('rds-cpu');
    expect(text).not.toContain('ecs-quiet');
    expect(h.lab.world.callsTo('DescribeAlarms')[0].input).toMatchObject({ StateValue: 'ALARM' });
    expect(answer.blocks.length).toBeLessThanOrEqual(50);
  });

  it('says so when CloudWatch cannot be read, and still answers', async () => {
    const lab = labWithTopic();
    h = await startHarness({ lab, env: ENV });
    lab.world.failNext(
      'DescribeAlarms',
      () => new WorldError('AccessDenied', 'User is not authorized to perform cloudwatch:DescribeAlarms'),
    );
    const answer = await h.command('alarms');
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain('CloudWatch could not be read');
    expect(text).toContain('cloudwatch:DescribeAlarms');
    expect(text).toContain('No open alarms');
    expect(h.t.slack.calls.map((c) => c.method)).not.toContain('chat.postMessage');
  });
});

function baseAlarm(name: string) {
  return {
    name,
    arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    namespace: 'ECS/ContainerInsights',
    metricName: 'PendingTaskCount',
    dimensions: [
      { Name: 'ClusterName', Value: 'EcsLabCluster' },
      { Name: 'ServiceName', Value: 'EcsLabApi' },
    ],
    statistic: 'Maximum',
    period: 60,
    evaluationPeriods: 3,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [TOPIC],
    okActions: [TOPIC],
    insufficientDataActions: [],
    state: 'OK' as const,
    stateReason: '',
    stateUpdatedAt: Date.UTC(2026, 10, 28, 3, 0, 0),
    description: 'Managed by ecs-chatops.',
  };
}
