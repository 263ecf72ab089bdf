import { parseArgs, parseTargetWords, tokenize } from '../../../src/slack/commands/parse';
import { UsageError } from '../../../src/errors';

describe('tokenize', () => {
  it('splits on whitespace and keeps quoted text whole', () => {
    expect(tokenize('query "fields @timestamp | limit 5" --since 30m')).toEqual([
      'query',
      'fields @timestamp | limit 5',
      '--since',
      '30m',
    ]);
  });
  it('accepts the typographic quotes Slack clients substitute', () => {
    expect(tokenize('scale service lab/api 4 --reason “deploy 42”')).toEqual([
      'scale',
      'service',
      'lab/api',
      '4',
      '--reason',
      'deploy 42',
    ]);
  });
  it('decodes the entities Slack escapes in command text', () => {
    expect(tokenize('query "filter CpuUtilized &gt; 5 &amp;&amp; x &lt; 2"')).toEqual([
      'query',
      'filter CpuUtilized > 5 && x < 2',
    ]);
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

describe('parseTargetWords', () => {
  const U = 'x <cluster>/<service>';
  it('reads cluster/service, cluster service, cluster/, /service and one bare name', () => {
    expect(parseTargetWords(['lab/api'], U)).toEqual({ cluster: 'lab', service: 'api' });
    expect(parseTargetWords(['lab', 'api'], U)).toEqual({ cluster: 'lab', service: 'api' });
    expect(parseTargetWords(['lab/'], U)).toEqual({ cluster: 'lab', service: undefined });
    expect(parseTargetWords(['/api'], U)).toEqual({ cluster: undefined, service: 'api' });
    expect(parseTargetWords(['lab'], U)).toEqual({ bare: 'lab' });
    expect(parseTargetWords([], U)).toEqual({});
  });
  it('reads cluster and service ARNs', () => {
    expect(parseTargetWords(['arn:aws:ecs:eu-west-1:123456789012:service/lab/api'], U)).toEqual({
      cluster: 'lab',
      service: 'api',
    });
    expect(parseTargetWords(['arn:aws:ecs:eu-west-1:123456789012:cluster/lab'], U)).toEqual({
      cluster: 'lab',
      service: undefined,
    });
  });
  it('refuses invalid names and ambiguous forms with the usage line', () => {
    for (const words of [
      ['a/b/c'],
      ['a/b', 'c'],
      ['a', 'b', 'c'],
      ['lab;rm'],
      ['/'],
      ['arn:aws:ecs:eu-west-1:123456789012:cluster/lab', 'x'],
    ]) {
      try {
        parseTargetWords(words, U);
        throw new Error(`accepted ${words.join(' ')}`);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        expect((e as UsageError).usage).toBe(U);
      }
    }
  });
});
