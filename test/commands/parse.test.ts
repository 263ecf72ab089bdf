import { parseArgs, splitTarget, tokenize } from '../../src/commands/parse';
import { UsageError } from '../../src/errors';

describe('tokenize', () => {
  it('splits on whitespace and keeps quoted text whole', () => {
    expect(tokenize('query "fields @timestamp | limit 5" --since 30m')).toEqual(['query', 'fields @timestamp | limit 5', '--since', '30m']);
  });
  it('accepts the typographic quotes Slack clients substitute', () => {
    expect(tokenize('scale service lab/api 4 --reason “deploy 42”')).toEqual(['scale', 'service', 'lab/api', '4', '--reason', 'deploy 42']);
  });
  it('decodes the entities Slack escapes in command text', () => {
    expect(tokenize('query "filter CpuUtilized &gt; 5 &amp;&amp; x &lt; 2"')).toEqual(['query', 'filter CpuUtilized > 5 && x < 2']);
  });
  it('keeps escaped quotes inside double quotes and single quotes verbatim', () => {
    expect(tokenize(`query "filter Type=\\"Task\\"" 'a "b"'`)).toEqual(['query', 'filter Type="Task"', 'a "b"']);
  });
  it('supports --flag="with spaces"', () => {
    expect(tokenize('scale --reason="load test"')).toEqual(['scale', '--reason=load test']);
  });
  it('refuses an unclosed quote with a UsageError', () => {
    expect(() => tokenize('query "oops')).toThrow(UsageError);
  });
});

describe('parseArgs', () => {
  const spec = { reason: 'string', 'dry-run': 'boolean', since: 'string' } as const;
  it('separates positionals and flags', () => {
    expect(parseArgs(['service', 'lab/api', '4', '--dry-run', '--reason', 'x y'], spec)).toEqual({
      positional: ['service', 'lab/api', '4'],
      flags: { 'dry-run': true, reason: 'x y' },
    });
  });
  it('supports --name=value and negative numbers as positionals', () => {
    expect(parseArgs(['--since=2h', '-1'], spec)).toEqual({ positional: ['-1'], flags: { since: '2h' } });
  });
  it('refuses unknown flags and missing values with the usage line', () => {
    expect(() => parseArgs(['--force'], spec, 'scale …')).toThrow(/unknown option --force/);
    try {
      parseArgs(['--reason'], spec, 'scale …');
      fail('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).usage).toBe('scale …');
      expect((e as Error).message).toBe('--reason needs a value');
    }
  });
});

describe('splitTarget', () => {
  it('reads cluster/service and cluster service', () => {
    expect(splitTarget(['lab/api', '4'])).toEqual({ cluster: 'lab', service: 'api', rest: ['4'] });
    expect(splitTarget(['lab', 'api'])).toEqual({ cluster: 'lab', rest: ['api'] });
    expect(splitTarget([])).toEqual({ rest: [] });
  });
});
