import fc from 'fast-check';
import type { ClusterSummary, ContainerInstanceInfo, ServiceSummary, TaskInfo } from '../../src/ecs/model';
import { LIMITS } from '../../src/slack/limits';
import {
  accountsOverviewCsv,
  clusterFiles,
  isMismatch,
  overviewCsv,
  overviewFiles,
  renderCluster,
  renderOverview,
  renderService,
  serviceState,
  sortServices,
  type ClusterView,
  type OverviewView,
  type ServiceView,
  type UtilView,
} from '../../src/status/render/status';
import { csvCell, fitTable, tableLines, toCsv } from '../../src/status/render/status-table';
import { totalTextLength } from '../../src/slack/block-budget';

const AT = Date.UTC(2026, 10, 28, 3, 0, 0);
const HOSTILE = '<!channel> @here *bold* `tick` &amp; <https://evil.example|click>';

function cluster(o: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name: 'lab',
    arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/lab',
    status: 'ACTIVE',
    containerInsights: 'enabled',
    registeredInstances: 1,
    runningTasks: 1,
    pendingTasks: 0,
    activeServices: 1,
    capacityProviders: [],
    ...o,
  };
}

function service(o: Partial<ServiceSummary> = {}): ServiceSummary {
  return {
    name: 'api',
    arn: 'arn:aws:ecs:us-east-1:123456789012:service/lab/api',
    cluster: 'lab',
    status: 'ACTIVE',
    desired: 1,
    running: 1,
    pending: 0,
    launchType: 'EC2',
    capacityProviderStrategy: [],
    taskDefinition: 'api:1',
    deployments: [
      {
        id: 'd1',
        status: 'PRIMARY',
        taskDefinition: 'api:1',
        desired: 1,
        running: 1,
        pending: 0,
        failedTasks: 0,
        rolloutState: 'COMPLETED',
      },
    ],
    events: [],
    ...o,
  };
}

function instance(i: number, o: Partial<ContainerInstanceInfo> = {}): ContainerInstanceInfo {
  return {
    id: `ci${String(i).padStart(30, '0')}`,
    arn: `arn:aws:ecs:us-east-1:123456789012:container-instance/lab/ci${i}`,
    ec2InstanceId: `i-${String(i).padStart(17, '0')}`,
    instanceType: 't3.micro',
    status: 'ACTIVE',
    agentConnected: true,
    registered: { cpu: 2048, memory: 982 },
    remaining: { cpu: 1792, memory: 470 },
    runningTasks: 1,
    pendingTasks: 0,
    ...o,
  };
}

function task(i: number, o: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id: `${String(i).padStart(32, 'a')}`,
    arn: `arn:aws:ecs:us-east-1:123456789012:task/lab/${i}`,
    taskDefinition: 'api:1',
    service: 'api',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    health: 'HEALTHY',
    launchType: 'EC2',
    startedAt: AT - 60_000 * (i + 1),
    containers: [],
    ...o,
  };
}

function clusterView(services: ServiceSummary[], instances: ContainerInstanceInfo[] = [instance(1)]): ClusterView {
  return {
    at: AT,
    cluster: cluster({ activeServices: services.length }),
    services,
    serviceUtil: new Map(),
    instances,
    clusterUtil: { source: 'container-insights', cpu: 35, memory: 60 },
  };
}

/** Slack's limits, checked the way Slack would. */
function expectWithinLimits(m: { text: string; blocks: any[] }): void {
  expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  for (const b of m.blocks) {
    if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
      for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    }
  }
  expect(totalTextLength(m.blocks)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
  expect(m.text.length).toBeLessThanOrEqual(LIMITS.messageText);
}

/** Every "<" in mrkdwn must open a date the renderer built: no mention, no link from data. */
function expectNoInjectedMarkup(m: { blocks: any[] }): void {
  for (const b of m.blocks) {
    const texts = b.type === 'context' ? b.elements.map((e: any) => e.text) : b.type === 'section' ? [b.text.text] : [];
    for (const t of texts) {
      expect(t).not.toMatch(/<(?!!date\^\d+\^)/);
      expect(t).not.toMatch(/@(here|channel|everyone)\b/);
    }
  }
}

describe('service state', () => {
  it.each([
    [service(), 'ok', false],
    [service({ desired: 4, running: 1, pending: 3 }), 'short', true],
    [service({ desired: 2, running: 2, pending: 1 }), 'pending', true],
    [service({ desired: 1, running: 2 }), 'over', true],
    [service({ status: 'DRAINING' }), 'draining', true],
    [service({ deployments: [{ ...service().deployments[0], rolloutState: 'IN_PROGRESS' }] }), 'rollout', false],
    [service({ deployments: [{ ...service().deployments[0], rolloutState: 'FAILED' }] }), 'failed', true],
  ])('%#: %s', (s, state, mismatch) => {
    expect(serviceState(s)).toBe(state);
    expect(isMismatch(s)).toBe(mismatch);
  });

  it('sorts the worst first: failed, then the largest shortfall, then by name', () => {
    const sorted = sortServices([
      service({ name: 'a-ok' }),
      service({ name: 'b-short1', desired: 3, running: 2 }),
      service({ name: 'c-short3', desired: 3, running: 0 }),
      service({ name: 'd-failed', deployments: [{ ...service().deployments[0], rolloutState: 'FAILED' }] }),
    ]);
    expect(sorted.map((s) => s.name)).toEqual(['d-failed', 'c-short3', 'b-short1', 'a-ok']);
  });
});

describe('renderOverview', () => {
  it('says so when the region has no cluster', () => {
    const m = renderOverview({ region: 'eu-west-1', at: AT, clusters: [], util: new Map() });
    expect(m.blocks[1]).toMatchObject({
      type: 'section',
      text: { text: expect.stringContaining('No ECS clusters in `eu-west-1`') },
    });
    expect(overviewFiles({ region: 'eu-west-1', at: AT, clusters: [], util: new Map() })).toEqual([]);
  });

  it('summarises 500 clusters within the limits and puts every one in the CSV', () => {
    const clusters = Array.from({ length: 500 }, (_, i) =>
      cluster({ name: `c${String(i).padStart(3, '0')}-${'x'.repeat(200)}`, pendingTasks: i === 420 ? 2 : 0 }),
    );
    const v: OverviewView = { region: 'us-east-1', at: AT, clusters, util: new Map() };
    const m = renderOverview(v);
    expectWithinLimits(m);
    // The one with pending tasks leads, despite its name.
    expect(
      m.blocks[1].type === 'section' && (m.blocks[1] as any).text.text.startsWith(':large_yellow_circle: *c420-'),
    ).toBe(true);
    const files = overviewFiles(v);
    expect(files).toHaveLength(1);
    expect(files[0].content.trim().split('\r\n')).toHaveLength(501);
    expect(JSON.stringify(m.blocks)).toMatch(/…and \d+ more clusters: every cluster is in the attached CSV/);
  });

  it('says why the CSV is missing when the upload failed', () => {
    const clusters = Array.from({ length: 60 }, (_, i) => cluster({ name: `c${i}` }));
    const m = renderOverview(
      { region: 'us-east-1', at: AT, clusters, util: new Map() },
      { ok: false, reason: 'Slack answered <boom>' },
    );
    expect(JSON.stringify(m.blocks)).toContain(
      'not shown (the CSV could not be attached: Slack answered &lt;boom&gt;)',
    );
  });

  it('escapes cluster names', () => {
    const m = renderOverview({
      region: 'us-east-1',
      at: AT,
      clusters: [cluster({ name: HOSTILE })],
      util: new Map(),
      metricsError: '<@U123> denied',
    });
    expectNoInjectedMarkup(m);
  });
});

describe('renderCluster', () => {
  it('flags every mismatch and lays the table out aligned', () => {
    const m = renderCluster(
      clusterView([service({ name: 'api', desired: 4, running: 1, pending: 3 }), service({ name: 'worker' })]),
    );
    const text = JSON.stringify(m.blocks);
    expect(text).toContain(':warning: *1 service not at the desired count:* `api`');
    const table = (m.blocks.find((b: any) => b.text?.text.startsWith('*Services*')) as any).text.text as string;
    const rows = table.split('\n').slice(3, -1);
    expect(rows[0]).toMatch(/^!\s+api\s+4\s+1\s+3\s+—\s+—\s+short$/);
    expect(rows[1]).toMatch(/^\s+worker\s+1\s+1\s+0\s+—\s+—$/);
    expect(clusterFiles(clusterView([service()]))).toEqual([]);
  });

  it('handles a cluster without services or instances', () => {
    const m = renderCluster(clusterView([], []));
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('No active services in this cluster.');
    expect(text).toContain('no container instances registered');
  });

  it('flags disconnected and draining instances first', () => {
    const m = renderCluster(
      clusterView(
        [service()],
        [instance(1), instance(2, { agentConnected: false }), instance(3, { status: 'DRAINING' })],
      ),
    );
    const table = (m.blocks.find((b: any) => b.text?.text.startsWith('*Capacity*')) as any).text.text as string;
    const rows = table.split('\n').slice(3, -1);
    expect(rows[0]).toMatch(/^!\s+i-0+2\s.*agent disconnected$/);
    expect(rows[1]).toMatch(/^!\s+i-0+3\s.*draining$/);
    expect(rows[2]).toMatch(/^\s+i-0+1\s.*active$/);
  });

  it('stays within the limits for 1000 hostile, long-named, mismatched services and 300 instances', () => {
    const services = Array.from({ length: 1000 }, (_, i) =>
      service({ name: `${HOSTILE}${'n'.repeat(200)}${i}`, desired: 5, running: i % 5, pending: 1 }),
    );
    const v = clusterView(
      services,
      Array.from({ length: 300 }, (_, i) => instance(i)),
    );
    const m = renderCluster(v);
    expectWithinLimits(m);
    expectNoInjectedMarkup(m);
    const files = clusterFiles(v);
    expect(files.map((f) => f.title)).toEqual(['Services of lab', 'Container instances of lab']);
    expect(files[0].content.trim().split('\r\n')).toHaveLength(1001);
  });

  it('stays within the limits for any mix of services and instances', () => {
    const svc = fc.record({
      name: fc.string({ minLength: 1, maxLength: 255 }),
      desired: fc.nat(10_000),
      running: fc.nat(10_000),
      pending: fc.nat(10_000),
    });
    fc.assert(
      fc.property(fc.array(svc, { maxLength: 400 }), fc.nat(200), (ss, ni) => {
        const v = clusterView(
          ss.map((s) => service(s)),
          Array.from({ length: ni }, (_, i) => instance(i)),
        );
        const m = renderCluster(v);
        expectWithinLimits(m);
        expectNoInjectedMarkup(m);
      }),
      { numRuns: 60 },
    );
  });
});

describe('renderService', () => {
  const history = {
    source: 'container-insights' as const,
    window: { start: AT - 3_600_000, end: AT },
    periodSeconds: 60,
    cpu: Array.from({ length: 60 }, (_, i) => ({ at: AT - 3_600_000 + i * 60_000, value: i < 30 ? 20 : 80 })),
    memory: [],
  };

  function view(o: Partial<ServiceView> = {}): ServiceView {
    return { at: AT, cluster: cluster(), service: service(), tasks: [task(1)], tasksTotal: 1, history, ...o };
  }

  it('draws the CPU sparkline with min/avg/max and says when memory has no data', () => {
    const m = renderService(view());
    const spark = (m.blocks.find((b: any) => b.text?.text.startsWith('*Utilisation')) as any).text.text as string;
    expect(spark).toContain(`CPU ${'▂'.repeat(15)}${'▇'.repeat(15)}  min 20%  avg 50%  max 80%  now 80%`);
    expect(spark).toContain('MEM ' + ' '.repeat(30) + '  no data');
  });

  it('shows metrics trouble instead of a sparkline', () => {
    const m = renderService(view({ history: undefined, metricsError: 'cloudwatch:GetMetricData <denied>' }));
    expect(JSON.stringify(m.blocks)).toContain(
      '*Utilisation, last hour:* unavailable (cloudwatch:GetMetricData &lt;denied&gt;)',
    );
  });

  it('puts unhealthy and pending tasks first and counts the ones not shown', () => {
    const tasks = [
      task(1),
      task(2, { lastStatus: 'PENDING', health: 'UNKNOWN', startedAt: undefined }),
      task(3, { health: 'UNHEALTHY' }),
      ...Array.from({ length: 40 }, (_, i) => task(10 + i)),
    ];
    const m = renderService(view({ tasks, tasksTotal: 120 }));
    const t = (m.blocks.find((b: any) => b.text?.text.startsWith('*Tasks*')) as any).text.text as string;
    const rows = t.split('\n').slice(2);
    expect(rows[1]).toMatch(/RUNNING\s+UNHEALTHY/);
    expect(rows[2]).toMatch(/PENDING\s+UNKNOWN\s+api:1\s+not yet/);
    expect(t).toMatch(/…and 10[5-9] more tasks$/);
  });

  it('stays within the limits and escapes everything AWS wrote, however long', () => {
    const long = `${HOSTILE} ${'m'.repeat(5000)}`;
    const s = service({
      name: 'x'.repeat(255),
      desired: 100,
      running: 40,
      pending: 60,
      deployments: Array.from({ length: 50 }, (_, i) => ({
        id: `d${i}`,
        status: 'ACTIVE',
        taskDefinition: `${'f'.repeat(255)}:${i}`,
        desired: 1,
        running: 0,
        pending: 1,
        failedTasks: 3,
        rolloutState: 'IN_PROGRESS',
        rolloutStateReason: long,
      })),
      events: Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, at: AT - i * 1000, message: long })),
    });
    const tasks = Array.from({ length: 100 }, (_, i) =>
      task(i, { taskDefinition: `${'f'.repeat(255)}:1`, containerInstanceId: HOSTILE }),
    );
    const m = renderService(view({ cluster: cluster({ name: 'c'.repeat(255) }), service: s, tasks, tasksTotal: 100 }));
    expectWithinLimits(m);
    expectNoInjectedMarkup(m);
    const events = (m.blocks.find((b: any) => b.text?.text.startsWith('*Last events*')) as any).text.text as string;
    expect(events.split('\n')).toHaveLength(6);
  });
});

describe('table and CSV helpers', () => {
  it('aligns numbers right and text left, and cuts long cells', () => {
    const lines = tableLines(
      [
        { title: 'NAME', align: 'left', max: 5 },
        { title: 'N', align: 'right' },
      ],
      [
        ['a', '1'],
        ['abcdefgh', '100'],
      ],
    );
    expect(lines).toEqual(['NAME     N', 'a        1', 'abcd…  100']);
  });

  it('fits as many rows as the character budget allows', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [`row-${i}`, String(i)]);
    const fit = fitTable(
      [
        { title: 'R', align: 'left' },
        { title: 'N', align: 'right' },
      ],
      rows,
      500,
      1000,
    );
    expect(fit.text.length).toBeLessThanOrEqual(1000);
    expect(fit.shown).toBeGreaterThan(50);
    expect(fit.text.startsWith('```\n') && fit.text.endsWith('\n```')).toBe(true);
  });

  it('writes RFC 4180 CSV and defuses spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(12.3456)).toBe('12.35');
    expect(csvCell(undefined)).toBe('');
    expect(toCsv(['a', 'b'], [[1, 'x\ny']])).toBe('a,b\r\n1,"x\ny"\r\n');
  });
});

describe('cluster CSVs', () => {
  const util = new Map<string, UtilView>([
    ['lab', { source: 'container-insights', cpu: 12.345, memory: 40, cpuReservation: 50, memoryReservation: 75 }],
  ]);
  const lines = (content: string) => content.trim().split('\r\n');

  it('the overview across accounts has the one-region columns behind account, ID and region, with the same cells', () => {
    const one = lines(overviewCsv({ region: 'eu-west-1', at: AT, clusters: [cluster()], util }).content);
    const many = lines(
      accountsOverviewCsv({
        at: AT,
        groups: [
          { account: 'prod', accountId: '111111111111', region: 'eu-west-1', clusters: [cluster()], util },
          { account: 'staging', region: 'us-east-1', clusters: [cluster({ name: '=cmd' })], util: new Map() },
        ],
      }).content,
    );
    expect(one[0]).toBe(
      'cluster,status,container_insights,instances,services,running_tasks,pending_tasks,cpu_used_pct,memory_used_pct,cpu_reserved_pct,memory_reserved_pct',
    );
    expect(one[1]).toBe('lab,ACTIVE,enabled,1,1,1,0,12.35,40,50,75');
    expect(many[0]).toBe(`account,account_id,region,${one[0]}`);
    expect(many[1]).toBe(`prod,111111111111,eu-west-1,${one[1]}`);
    // A name a spreadsheet would run as a formula is quoted; a missing ID and missing metrics stay empty.
    expect(many[2]).toBe("staging,,us-east-1,'=cmd,ACTIVE,enabled,1,1,1,0,,,,");
  });
});
