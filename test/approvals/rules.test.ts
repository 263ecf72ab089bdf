import { checkBounds } from '../../src/approvals/bounds';
import { groupEffects, groupSizes, groupWarnings } from '../../src/approvals/executors/scale-instances';
import { serviceWarnings } from '../../src/approvals/executors/scale-service';
import { planServiceCapacity } from '../../src/ecs/capacity';
import { insightsWarnings } from '../../src/approvals/executors/container-insights';
import { isReached } from '../../src/approvals/rollout-follower';
import { normaliseProposal } from '../../src/approvals/request';
import { APPROVAL_EXECUTORS, ExecutorRegistry } from '../../src/approvals/registry';
import { ALARM_ADMIN_EXECUTORS } from '../../src/alarm-admin/feature';

const executors = new ExecutorRegistry(APPROVAL_EXECUTORS);
import { scaleSuggestions } from '../../src/approvals/suggest';
import { parseProposeValue, parseAlarmScaleValue } from '../../src/approvals/listeners';
import { parseScale } from '../../src/approvals/commands/scale';
import { ForbiddenError, UsageError } from '../../src/errors';
import type { ContainerInstanceInfo, ServiceSummary, TaskDefinitionInfo } from '../../src/ecs/model';

const policy = {
  approvers: ['U0BOB'],
  requesters: [],
  allowSelfApproval: false,
  maxDesiredTasks: 10,
  maxInstances: 5,
  maxStep: 3,
  requestTtlMs: 1,
};

describe('bounds', () => {
  it('refuses above the maximum and steps larger than MAX_STEP, allows the rest', () => {
    expect(() => checkBounds(policy, 'tasks', 8, 11)).toThrow(
      new ForbiddenError('11 tasks is above the limit of 10 (MAX_DESIRED_TASKS); the request was not made.'),
    );
    expect(() => checkBounds(policy, 'instances', 1, 6)).toThrow(/MAX_INSTANCES/);
    expect(() => checkBounds(policy, 'tasks', 1, 5)).toThrow(/changes the count by 4, more than the 3/);
    expect(() => checkBounds(policy, 'tasks', 5, 1)).toThrow(/by 4/);
    expect(() => checkBounds(policy, 'tasks', 1, 4)).not.toThrow();
  });
});

describe('Auto Scaling group sizes', () => {
  it('raises max and lowers min only as far as the desired capacity needs', () => {
    expect(groupSizes({ min: 1, max: 1 }, 4)).toEqual({ min: 1, max: 4, raiseMax: true, lowerMin: false });
    expect(groupSizes({ min: 2, max: 5 }, 1)).toEqual({ min: 1, max: 5, raiseMax: false, lowerMin: true });
    expect(groupSizes({ min: 1, max: 5 }, 3)).toEqual({ min: 1, max: 5, raiseMax: false, lowerMin: false });
    expect(groupEffects({ min: 1, max: 1 }, 4)).toEqual([
      'Max size is raised from 1 to 4 so the desired capacity fits (it stays 4 afterwards).',
    ]);
    expect(groupEffects({ min: 2, max: 5 }, 1)).toEqual([
      'Min size is lowered from 2 to 1 so the desired capacity fits (it stays 1 afterwards).',
    ]);
  });

  it('warns when managed scaling owns the group, on scale-in, and when nothing is pending', () => {
    const group = { name: 'g', arn: '', min: 1, max: 4, desired: 2, instances: [], inService: 2 };
    expect(
      groupWarnings({
        group,
        requested: 3,
        pendingTasks: 0,
        capacityProvider: { name: 'cp', groupName: 'g', managedScaling: true, targetCapacity: 100 },
      }),
    ).toEqual([
      expect.stringContaining('Capacity provider "cp" has managed scaling on (target capacity 100%)'),
      'No task is pending in the cluster right now: the new instances will stand idle until tasks need them.',
    ]);
    expect(groupWarnings({ group, requested: 1, pendingTasks: 2 })).toEqual([
      expect.stringContaining('Scaling in terminates 1 instance'),
    ]);
  });
});

describe('service scaling warnings', () => {
  const svc: ServiceSummary = {
    name: 'api',
    arn: '',
    cluster: 'lab',
    status: 'ACTIVE',
    desired: 1,
    running: 1,
    pending: 0,
    launchType: 'EC2',
    capacityProviderStrategy: [],
    taskDefinition: 'api:1',
    deployments: [],
    events: [],
  };
  const inst = (memory: number, cpu = 2048): ContainerInstanceInfo => ({
    id: 'i',
    arn: '',
    status: 'ACTIVE',
    agentConnected: true,
    registered: { cpu: 2048, memory: 982 },
    remaining: { cpu, memory },
    runningTasks: 1,
    pendingTasks: 0,
  });

  const taskDef: TaskDefinitionInfo = {
    family: 'api',
    revision: 1,
    cpu: 256,
    memory: 512,
    requiresCompatibilities: [],
    containers: [],
  };
  const room = (instances: ContainerInstanceInfo[]) =>
    planServiceCapacity({ service: svc, taskDefinition: taskDef, instances }).room;

  it('counts the tasks that fit per instance (not pooled)', () => {
    expect(room([inst(470), inst(470)])).toBe(0);
    expect(room([inst(1100), inst(600)])).toBe(3);
    expect(room([inst(4000, 300)])).toBe(1);
  });

  it('warns about auto scaling bounds, policies and a cluster without room', () => {
    const w = serviceWarnings({
      svc,
      requested: 4,
      scaling: {
        min: 1,
        max: 3,
        suspended: false,
        policies: [
          { name: 'cpu', type: 'TargetTrackingScaling' },
          { name: 'step', type: 'StepScaling' },
        ],
      },
      capacity: planServiceCapacity({ service: svc, taskDefinition: taskDef, instances: [inst(470)], desired: 4 }),
    });
    expect(w).toEqual([
      'Service auto scaling keeps the desired count between 1 and 3: it will lower 4 back to 3.',
      'Target tracking policy "cpu" adjusts the desired count to its target and may undo this change.',
      'Scaling policy "step" (StepScaling) may change the desired count again when its alarm fires.',
      expect.stringContaining('about 3 tasks will stay PENDING'),
    ]);
    expect(
      serviceWarnings({
        svc: { ...svc, launchType: 'FARGATE' },
        requested: 4,
        capacity: planServiceCapacity({ service: svc, taskDefinition: taskDef, instances: [], desired: 4 }),
      }),
    ).toEqual([]);
    expect(serviceWarnings({ svc, requested: 0 })).toEqual(['A desired count of 0 stops every task of the service.']);
    expect(serviceWarnings({ svc, requested: 2, scalingError: 'denied' })).toEqual([
      'Could not check service auto scaling: denied',
    ]);
  });

  it('describes what a Container Insights change costs or breaks', () => {
    expect(insightsWarnings('enabled', 'disabled')[0]).toContain('alarms on ECS/ContainerInsights metrics get no data');
    expect(insightsWarnings('disabled', 'enhanced')).toHaveLength(2);
    expect(insightsWarnings('enhanced', 'enabled').at(-1)).toContain(
      'Task- and container-level metrics (enhanced) stop',
    );
  });
});

describe('rollout reached', () => {
  it('needs every task running and none pending, or every instance in service and registered', () => {
    expect(isReached({ kind: 'service', target: 't', desired: 3, desiredNow: 3, running: 3, pending: 0 })).toBe(true);
    expect(isReached({ kind: 'service', target: 't', desired: 3, desiredNow: 3, running: 3, pending: 1 })).toBe(false);
    expect(
      isReached({
        kind: 'instances',
        target: 't',
        desired: 2,
        desiredNow: 2,
        inService: 2,
        registered: 1,
        pendingTasks: 0,
      }),
    ).toBe(false);
    expect(
      isReached({
        kind: 'instances',
        target: 't',
        desired: 2,
        desiredNow: 2,
        inService: 2,
        registered: 2,
        pendingTasks: 0,
      }),
    ).toBe(true);
  });
});

describe('proposals and button values', () => {
  it('validates and cleans a proposal', () => {
    expect(
      normaliseProposal(executors, {
        action: 'scale-service',
        cluster: 'lab',
        service: 'api',
        desired: 2,
        reason: '  busy\n\tnight ',
      }),
    ).toMatchObject({ reason: 'busy night' });
    expect(() => normaliseProposal(executors, { action: 'scale-service', cluster: 'lab', desired: 2 })).toThrow(
      UsageError,
    );
    expect(() =>
      normaliseProposal(executors, { action: 'scale-service', cluster: 'lab/x', service: 'api', desired: 2 }),
    ).toThrow(/not a valid cluster name/);
    expect(() => normaliseProposal(executors, { action: 'scale-instances', cluster: 'lab', desired: -1 })).toThrow(
      /whole number/,
    );
    expect(() => normaliseProposal(executors, { action: 'scale-instances', cluster: 'lab', desired: 1.5 })).toThrow(
      /whole number/,
    );
    expect(() =>
      normaliseProposal(executors, { action: 'container-insights', cluster: 'lab', insights: 'on' as never }),
    ).toThrow(/enabled, enhanced, disabled/);
    expect(() => normaliseProposal(executors, { action: 'alarm-create', cluster: 'lab' })).toThrow(
      /no executor is registered/,
    );
    expect(() =>
      normaliseProposal(executors, { action: 'scale-instances', cluster: 'lab', desired: 2, reason: 'x'.repeat(501) }),
    ).toThrow(/under 500/);
  });

  it('knows the executors the features declared, and refuses two for one action', () => {
    const withAlarms = new ExecutorRegistry([...APPROVAL_EXECUTORS, ...ALARM_ADMIN_EXECUTORS]);
    // alarm-admin's own validation runs: its executor is the one consulted.
    expect(() => normaliseProposal(withAlarms, { action: 'alarm-create', cluster: 'lab' })).toThrow(
      /the service is required/,
    );
    expect(withAlarms.get('alarm-delete')).toBe(ALARM_ADMIN_EXECUTORS[1].executor);
    expect(() => new ExecutorRegistry([...APPROVAL_EXECUTORS, APPROVAL_EXECUTORS[0]])).toThrow(
      'two executors are declared for scale-service',
    );
  });

  it('parses propose and alarm-scale values, refusing anything else', () => {
    expect(
      parseProposeValue('{"a":"scale-service","c":"lab","s":"api","n":2,"r":"alarm x","t":"1700000000.000100"}'),
    ).toMatchObject({ a: 'scale-service', n: 2 });
    for (const bad of [
      '',
      'null',
      '[]',
      '{"a":"rm -rf","c":"lab"}',
      '{"a":"scale-service","c":"lab","n":-1}',
      '{"a":"scale-service","c":"lab","t":"now"}',
      '{"a":"scale-service","c":"lab","s":"a b"}',
    ]) {
      expect(() => parseProposeValue(bad)).toThrow(/malformed/);
    }
    expect(parseAlarmScaleValue('{"k":"alarm-1","c":"lab","s":"api"}')).toEqual({ k: 'alarm-1', c: 'lab', s: 'api' });
    expect(() => parseAlarmScaleValue('{"c":"<lab>"}')).toThrow(/malformed/);
  });

  it('suggests +1, back to running and one more instance, within the bounds only', () => {
    const bounds = { tasks: policy, instances: policy };
    const { suggestions: s, notes } = scaleSuggestions({
      cluster: 'lab',
      service: { name: 'api', desired: 4, running: 1, pending: 3 },
      group: { desired: 1 },
      reason: 'alarm x',
      threadTs: '1.2',
      bounds,
    });
    expect(s.map((x) => [x.label, x.value.n, x.command])).toEqual([
      ['Service to 5 tasks (+1)', 5, '/ecs scale service lab/api 5 --reason "alarm x"'],
      ['Service back to 1 running', 1, '/ecs scale service lab/api 1 --reason "alarm x"'],
      ['Instances to 2 (+1)', 2, '/ecs scale instances lab 2 --reason "alarm x"'],
    ]);
    expect(notes).toEqual([]);
    expect(s[0].value).toMatchObject({ a: 'scale-service', c: 'lab', s: 'api', r: 'alarm x', t: '1.2' });
    const capped = scaleSuggestions({
      cluster: 'lab',
      service: { name: 'api', desired: 10, running: 10, pending: 0 },
      group: { desired: 5 },
      bounds,
    });
    expect(capped.suggestions).toEqual([]);
    expect(capped.notes).toEqual([
      'No +1 for api: 10 tasks is the most a request may set (MAX_DESIRED_TASKS)',
      'No +1 instance: 5 instances is the most a request may set (MAX_INSTANCES)',
    ]);
  });

  it("checks every suggestion with the bounds of the cluster's account, cutting one to the step allowed", () => {
    const prod = {
      ...policy,
      maxDesiredTasks: 6,
      maxStep: 2,
      sources: { maxDesiredTasks: 'rule 1 of the policy file', maxStep: 'rule 1 of the policy file' },
    };
    const { suggestions, notes } = scaleSuggestions({
      cluster: 'web',
      service: { name: 'api', desired: 6, running: 1, pending: 5 },
      groups: [{ name: 'web-asg-b', desired: 2 }],
      bounds: { tasks: prod, instances: policy },
      scope: { account: 'prod', region: 'eu-west-1' },
    });
    // Every suggestion is one the approval flow accepts in prod.
    for (const x of suggestions.filter((y) => y.value.a === 'scale-service'))
      expect(() => checkBounds(prod, 'tasks', 6, x.value.n as number)).not.toThrow();
    expect(suggestions.map((x) => [x.label, x.value.n, x.command])).toEqual([
      ['Service down to 4 (towards 1)', 4, '/ecs scale service web/api 4 --account prod --region eu-west-1'],
      ['web-asg-b to 3 (+1)', 3, '/ecs scale instances web 3 --group web-asg-b --account prod --region eu-west-1'],
    ]);
    expect(notes).toEqual([
      'No +1 for api: 6 tasks is the most a request may set in prod (rule 1 of the policy file)',
      'Back to 1 running takes more than one request: one request may change the count by at most 2 in prod (rule 1 of the policy file)',
    ]);
  });
});

describe('/ecs scale arguments', () => {
  const ctx = { config: { defaultCluster: 'lab' } } as never;
  const args = (positional: string[], flags: Record<string, string | boolean> = {}) => ({ positional, flags });

  it('reads every accepted form', () => {
    expect(parseScale(args(['service', 'c/s', '3'], { reason: 'why' }), ctx)).toEqual({
      action: 'scale-service',
      cluster: 'c',
      service: 's',
      desired: 3,
      reason: 'why',
    });
    expect(parseScale(args(['service', 'c', 's', '3']), ctx)).toMatchObject({ cluster: 'c', service: 's', desired: 3 });
    expect(parseScale(args(['service', 's', '3']), ctx)).toMatchObject({ cluster: 'lab', service: 's' });
    expect(parseScale(args(['c/s', '0']), ctx)).toMatchObject({ action: 'scale-service', desired: 0 });
    expect(parseScale(args(['instances', 'c', '4']), ctx)).toEqual({
      action: 'scale-instances',
      cluster: 'c',
      desired: 4,
      reason: undefined,
    });
    expect(parseScale(args(['instances', '4']), ctx)).toMatchObject({ cluster: 'lab', desired: 4 });
  });

  it('refuses what it cannot read, with the usage line', () => {
    expect(() => parseScale(args(['service', 'c/s', '-1']), ctx)).toThrow(/whole number/);
    expect(() => parseScale(args(['service', 'c/s', '2', 'extra']), ctx)).toThrow(/unexpected "extra"/);
    expect(() => parseScale(args(['volume', '3']), ctx)).toThrow(/say service or instances/);
    expect(() => parseScale(args(['instances', 'c!', '3']), ctx)).toThrow(/not a valid cluster name/);
    expect(() => parseScale(args([]), ctx)).toThrow(
      expect.objectContaining({ usage: expect.stringContaining('scale service <cluster>/<service> <count>') }),
    );
    expect(() => parseScale(args(['instances', '3']), { config: {} } as never)).toThrow(
      /ECS_DEFAULT_CLUSTER is not set/,
    );
  });
});
