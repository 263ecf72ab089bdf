import { UsageError } from '../../src/errors';
import { parseDiagnoseButtonValue, parseDiagnoseTarget } from '../../src/diagnose/target';
import { ClickDebounce } from '../../src/diagnose/feature';

describe('/ecs diagnose arguments', () => {
  it.each([
    [['EcsLabCluster/EcsLabApi'], undefined, { cluster: 'EcsLabCluster', service: 'EcsLabApi' }],
    [['EcsLabCluster', 'EcsLabApi'], undefined, { cluster: 'EcsLabCluster', service: 'EcsLabApi' }],
    [['EcsLabApi'], 'EcsLabCluster', { cluster: 'EcsLabCluster', service: 'EcsLabApi' }],
    [['/EcsLabApi'], 'EcsLabCluster', { cluster: 'EcsLabCluster', service: 'EcsLabApi' }],
    [
      ['arn:aws:ecs:us-east-1:123456789012:service/EcsLabCluster/EcsLabApi'],
      undefined,
      { cluster: 'EcsLabCluster', service: 'EcsLabApi' },
    ],
  ])('%j (default cluster %s)', (words, dflt, expected) => {
    expect(parseDiagnoseTarget(words, dflt)).toEqual(expected);
  });

  it.each([
    [[], /name the service/],
    [['EcsLabApi'], /no default cluster is set \(ECS_DEFAULT_CLUSTER\)/],
    [['EcsLabCluster/'], /name a service of cluster "EcsLabCluster"/],
    [['a', 'b', 'c'], /too many names/],
    [['a/b/c'], /more than one "\/"/],
    [['a/b', 'c'], /either cluster\/service or cluster service/],
    [['bad name!/svc'], /"bad name!" is not a valid cluster name/],
    [['c/<!channel>'], /not a valid service name/],
  ])('refuses %j with the usage line', (words, message) => {
    let err: unknown;
    try {
      parseDiagnoseTarget(words as string[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).usage).toBe(
      'diagnose <cluster>/<service> [--account NAME] [--region REGION] [--public]',
    );
  });
});

describe('the Diagnose button value', () => {
  it('accepts {k, c, s} and the card’s partial values', () => {
    expect(
      parseDiagnoseButtonValue(
        '{"k":"alarm:arn:aws:cloudwatch:us-east-1:1:alarm:x","c":"EcsLabCluster","s":"EcsLabApi"}',
      ),
    ).toEqual({ k: 'alarm:arn:aws:cloudwatch:us-east-1:1:alarm:x', c: 'EcsLabCluster', s: 'EcsLabApi' });
    expect(parseDiagnoseButtonValue('{"k":"x","c":"EcsLabCluster"}')).toEqual({
      k: 'x',
      c: 'EcsLabCluster',
      s: undefined,
    });
    expect(parseDiagnoseButtonValue('{"k":"x"}')).toEqual({ k: 'x', c: undefined, s: undefined });
  });

  it.each([
    '',
    'not json',
    '[1]',
    '{"c":"bad name"}',
    '{"c":"ok","s":"<@U1>"}',
    '{"c":"ok","s":5}',
    `{"k":"${'x'.repeat(600)}","c":"ok"}`,
    'x'.repeat(2001),
  ])('refuses %s', (raw) => {
    expect(parseDiagnoseButtonValue(raw)).toBeUndefined();
  });
});

describe('double clicks', () => {
  it('lets the first click through and points the second to it within the window, then lets the next one through', () => {
    const d = new ClickDebounce(30_000);
    expect(d.claim('C1:1.1:c/s', 'U1', 1000)).toBeUndefined();
    expect(d.claim('C1:1.1:c/s', 'U2', 20_000)).toEqual({ at: 1000, by: 'U1' });
    expect(d.claim('C1:2.2:c/s', 'U2', 20_000)).toBeUndefined();
    expect(d.claim('C1:1.1:c/s', 'U2', 31_000)).toBeUndefined();
    d.release('C1:1.1:c/s');
    expect(d.claim('C1:1.1:c/s', 'U3', 31_001)).toBeUndefined();
  });
});
