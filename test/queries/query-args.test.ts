import { UsageError } from '../../src/errors';
import { MAX_SINCE_MS, parseLimit, parseQueryRequest, parseSince, splitQueryText } from '../../src/queries/args';
import { QUERY_PRESETS, findPreset } from '../../src/queries/presets';

const run = (text: string, defaultCluster?: string) => {
  const r = parseQueryRequest(text, { defaultCluster });
  if (r.kind !== 'run') throw new Error(`expected a run request, got ${r.kind}`);
  return r;
};

describe('/ecs query arguments', () => {
  it('takes a preset with --cluster, defaults to the last hour and 1000 rows', () => {
    const r = run(' cpu --cluster prod');
    expect(r).toMatchObject({ cluster: 'prod', preset: 'cpu', sinceMs: 3_600_000, sinceLabel: '1h', limit: 1000 });
    expect(r.query).toBe(findPreset('cpu')!.query);
  });

  it('takes the cluster as a second word after a preset, or from the default', () => {
    expect(run('memory prod').cluster).toBe('prod');
    expect(run('tasks', 'lab').cluster).toBe('lab');
    expect(run('--cluster=staging --since 2d network', 'lab')).toMatchObject({
      cluster: 'staging',
      sinceLabel: '2d',
      preset: 'network',
    });
  });

  it('refuses a missing cluster, an invalid one and two different ones', () => {
    expect(() => run('cpu')).toThrow(/which cluster\? Add --cluster/);
    expect(() => run('cpu --cluster "bad name!"')).toThrow(/not a valid cluster name/);
    expect(() => run('cpu prod --cluster staging')).toThrow(/two clusters/);
  });

  it('keeps double quotes inside a double-quoted raw query', () => {
    const r = run(' "filter Type="Task" | stats max(MemoryUtilized) as peak by TaskId" --since 6h --cluster prod');
    expect(r.query).toBe('filter Type="Task" | stats max(MemoryUtilized) as peak by TaskId');
    expect(r.preset).toBeUndefined();
    expect(r.sinceMs).toBe(6 * 3_600_000);
  });

  it('reads \\" inside double quotes as a quote, and keeps every other backslash', () => {
    expect(run(' "filter Type=\\"Task\\" and @message like /\\d+/" --cluster a').query).toBe(
      'filter Type="Task" and @message like /\\d+/',
    );
    expect(run(` 'filter Name=\\"x\\"' --cluster a`).query).toBe('filter Name=\\"x\\"');
  });

  it('accepts single quotes, typographic quotes and backticks around a raw query', () => {
    expect(run(` 'filter Type="Service" | limit 5' --cluster a`).query).toBe('filter Type="Service" | limit 5');
    expect(run(' “filter Type="Task"” --cluster a').query).toBe('filter Type="Task"');
    expect(run(' ```fields @timestamp | sort @timestamp desc``` --cluster a').query).toBe(
      'fields @timestamp | sort @timestamp desc',
    );
    expect(run(' `stats count(*) by Type` --cluster a').query).toBe('stats count(*) by Type');
  });

  it('takes an unquoted multi-word raw query up to the trailing flags', () => {
    const r = run(' filter Type="Task" | stats count(*) by TaskDefinitionFamily --cluster prod --limit 50');
    expect(r.query).toBe('filter Type="Task" | stats count(*) by TaskDefinitionFamily');
    expect(r.limit).toBe(50);
  });

  it('keeps a quoted word that looks like a preset as a raw query', () => {
    expect(run(' "cpu" --cluster a').preset).toBeUndefined();
  });

  it('asks for help when empty or for help/presets', () => {
    expect(parseQueryRequest('', {}).kind).toBe('help');
    expect(parseQueryRequest(' help', {}).kind).toBe('help');
    expect(parseQueryRequest(' presets', { defaultCluster: 'x' }).kind).toBe('help');
  });

  it('names the presets when a word is not one', () => {
    expect(() => run(' cpuu --cluster a')).toThrow(
      /unknown preset "cpuu": use one of cpu, memory, network, instances, tasks/,
    );
  });

  it('refuses an unclosed quote, an empty query, a query over 10,000 characters and SOURCE', () => {
    expect(() => run(' "filter x --cluster a')).toThrow(/not closed/);
    expect(() => run(' "" --cluster a')).toThrow(/empty/);
    expect(() => run(` "${'x'.repeat(10_001)}" --cluster a`)).toThrow(/at most 10000/);
    expect(() => run(` "SOURCE logGroups() | fields @message" --cluster a`)).toThrow(/SOURCE is not allowed/);
  });

  it('refuses words after the options and a flag given twice with different values', () => {
    expect(() => run(' cpu --since 1h extra --cluster a')).toThrow(/unexpected "extra"/);
    expect(() => run(' --since 1h cpu --since 2h --cluster a')).toThrow(/--since is given twice/);
  });

  it('carries the usage line on every usage error', () => {
    try {
      run(' cpu --cluster a --limit 0');
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).usage).toMatch(/^query <preset>/);
    }
  });

  it('splits leading and trailing flags around the body', () => {
    expect(splitQueryText(' --cluster a "x y" --limit 5')).toEqual({
      body: 'x y',
      quoted: true,
      opener: '"',
      flags: { cluster: 'a', limit: '5' },
    });
  });
});

describe('--since and --limit', () => {
  it('parses minutes, hours, days and weeks', () => {
    expect(parseSince('30m')).toEqual({ ms: 30 * 60_000, label: '30m' });
    expect(parseSince('6h').ms).toBe(6 * 3_600_000);
    expect(parseSince('2d').ms).toBe(2 * 86_400_000);
    expect(parseSince('1w').ms).toBe(MAX_SINCE_MS);
    expect(parseSince('90 minutes').label).toBe('90m');
  });

  it('refuses zero, nonsense and more than 7 days', () => {
    expect(() => parseSince('0m')).toThrow(/at least 1m/);
    expect(() => parseSince('30x')).toThrow(/duration such as 30m/);
    expect(() => parseSince('-1h')).toThrow(/duration/);
    expect(() => parseSince('8d')).toThrow(/longer than the 7d/);
    expect(() => parseSince('169h')).toThrow(/longer than the 7d/);
  });

  it('takes a limit from 1 to 10000', () => {
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('10000')).toBe(10_000);
    expect(() => parseLimit('0')).toThrow(/from 1 to 10000/);
    expect(() => parseLimit('10001')).toThrow(/from 1 to 10000/);
    expect(() => parseLimit('5.5')).toThrow(/whole number/);
  });
});

describe('presets', () => {
  it('include the three Container Insights lab queries verbatim', () => {
    expect(findPreset('cpu')!.query).toBe(
      'STATS avg(CpuUtilized) as avg_node_cpu_utilization by TaskDefinitionFamily | SORT avg_node_cpu_utilization DESC',
    );
    expect(findPreset('instances')!.query).toBe(
      'STATS avg(ContainerInstanceCount) as instance_count by ClusterName | SORT ClusterName desc',
    );
    expect(findPreset('tasks')!.query).toBe('stats avg(RunningTaskCount) as container_count by ServiceName');
  });

  it('group memory and network by task definition family over Task events', () => {
    for (const name of ['memory', 'network']) {
      const q = findPreset(name)!.query;
      expect(q).toMatch(/^filter Type="Task" \| stats /);
      expect(q).toMatch(/by TaskDefinitionFamily \| sort \w+ desc$/);
    }
    expect(findPreset('memory')!.query).toContain('MemoryUtilized');
    expect(findPreset('network')!.query).toContain('NetworkRxBytes');
  });

  it('have unique names and fit StartQuery', () => {
    expect(new Set(QUERY_PRESETS.map((p) => p.name)).size).toBe(QUERY_PRESETS.length);
    for (const p of QUERY_PRESETS) expect(p.query.length).toBeLessThanOrEqual(10_000);
  });
});
