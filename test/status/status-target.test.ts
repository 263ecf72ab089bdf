import { alarmStatusTarget, parseAlarmStatusValue, parseStatusTarget } from '../../src/status/feature';
import { UsageError } from '../../src/errors';

describe('parseStatusTarget', () => {
  it.each([
    [[], undefined, { kind: 'overview' }],
    [['lab'], undefined, { kind: 'either', name: 'lab' }],
    [['lab/api'], undefined, { kind: 'service', cluster: 'lab', service: 'api' }],
    [['lab', 'api'], undefined, { kind: 'service', cluster: 'lab', service: 'api' }],
    [['lab/'], undefined, { kind: 'cluster', cluster: 'lab' }],
    [['/api'], 'dflt', { kind: 'service', cluster: 'dflt', service: 'api' }],
    [['arn:aws:ecs:us-east-1:123456789012:cluster/lab'], undefined, { kind: 'cluster', cluster: 'lab' }],
    [
      ['arn:aws:ecs:us-east-1:123456789012:service/lab/api'],
      undefined,
      { kind: 'service', cluster: 'lab', service: 'api' },
    ],
    [['arn:aws:ecs:us-east-1:123456789012:service/api'], 'dflt', { kind: 'service', cluster: 'dflt', service: 'api' }],
  ])('%j (default %s) → %j', (words, dflt, expected) => {
    expect(parseStatusTarget(words, dflt)).toEqual(expected);
  });

  it.each([
    [['/api'], /no default cluster is set/],
    [['a', 'b', 'c'], /too many names/],
    [['a/b', 'c'], /either cluster\/service or cluster service/],
    [['a/b/c'], /more than one "\/"/],
    [['/'], /name a cluster or a service/],
    [['bad name'], /not a valid cluster name/],
    [['lab', 'b@d'], /not a valid service name/],
    [['x'.repeat(256)], /not a valid cluster name/],
    [['arn:aws:ecs:us-east-1:123456789012:service/api'], /no default cluster is set/],
  ])('%j is a usage error (%s) carrying the usage line', (words, msg) => {
    let err: unknown;
    try {
      parseStatusTarget(words);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(msg);
    expect((err as UsageError).usage).toBe(
      'status [cluster] [service] [--account NAME] [--region REGION] [--since 6h|1d] [--public]',
    );
  });
});

describe('parseAlarmStatusValue', () => {
  it('accepts {k, c, s} and {k, c}', () => {
    expect(parseAlarmStatusValue('{"k":"alarm:x","c":"lab","s":"api"}')).toEqual({ k: 'alarm:x', c: 'lab', s: 'api' });
    expect(parseAlarmStatusValue('{"k":"alarm:x","c":"lab"}')).toEqual({ k: 'alarm:x', c: 'lab', s: undefined });
    expect(parseAlarmStatusValue('{"c":"lab","s":""}')).toEqual({ k: undefined, c: 'lab', s: undefined });
    expect(parseAlarmStatusValue('{"k":"alarm:x"}')).toEqual({ k: 'alarm:x', c: undefined, s: undefined });
  });

  it('picks the service, else the cluster, else the default cluster, else every cluster', () => {
    expect(alarmStatusTarget({ c: 'lab', s: 'api' })).toEqual({ kind: 'service', cluster: 'lab', service: 'api' });
    expect(alarmStatusTarget({ c: 'lab' }, 'dflt')).toEqual({ kind: 'cluster', cluster: 'lab' });
    expect(alarmStatusTarget({ s: 'api' }, 'dflt')).toEqual({ kind: 'service', cluster: 'dflt', service: 'api' });
    expect(alarmStatusTarget({ k: 'x' }, 'dflt')).toEqual({ kind: 'cluster', cluster: 'dflt' });
    expect(alarmStatusTarget({ k: 'x', s: 'api' })).toEqual({ kind: 'overview' });
  });

  it.each([
    undefined,
    '',
    'lab/api',
    '[]',
    '{"s":"api/x"}',
    '{"c":"lab api"}',
    '{"c":"lab","s":"a/b"}',
    '{"c":"lab","s":7}',
    '{"c":"lab","k":{"x":1}}',
    `{"c":"lab","k":"${'k'.repeat(600)}"}`,
    `{"c":"${'x'.repeat(2100)}"}`,
  ])('rejects %j', (raw) => {
    expect(parseAlarmStatusValue(raw)).toBeUndefined();
  });
});
