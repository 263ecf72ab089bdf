import { mergeOpenAlarms } from '../../src/alarm-admin/open-alarms';
import type { CwAlarm } from '../../src/alarm-admin/model';
import type { Incident } from '../../src/store/incidents';

/** Which CloudWatch alarms the open-alarm list adds beside the bot's own incidents (src/alarm-admin/open-alarms.ts). */

const NAME = 'web-api-cpu-high';
const arnIn = (account: string) => `arn:aws:cloudwatch:eu-west-1:${account}:alarm:${NAME}`;

function incident(arn: string | undefined): Incident {
  return {
    id: 'inc1',
    name: NAME,
    state: 'ALARM',
    kind: 'alarm',
    stateAt: 1,
    notification: { kind: 'alarm', alarmName: NAME, arn, level: 'critical' },
  } as unknown as Incident;
}

function cw(account: string | undefined, where?: string): CwAlarm & { where?: string } {
  return {
    name: NAME,
    arn: account ? arnIn(account) : undefined,
    namespace: 'AWS/ECS',
    dimensions: { ClusterName: 'web', ServiceName: 'api' },
    state: 'ALARM',
    stateReason: 'crossed',
    actionsEnabled: true,
    alarmActions: [],
    okActions: [],
    insufficientDataActions: [],
    where,
  };
}

describe('mergeOpenAlarms', () => {
  it('lists an alarm of the same name in another account beside the incident of the first', () => {
    const out = mergeOpenAlarms([incident(arnIn('111111111111'))], new Map(), [
      cw('111111111111', 'prod · eu-west-1'),
      cw('222222222222', 'staging · eu-west-1'),
    ]);
    expect(out.map((a) => [a.knownToBot, a.where])).toEqual([
      [true, undefined],
      [false, 'staging · eu-west-1'],
    ]);
  });

  it('matches on the name when either side has no ARN', () => {
    expect(mergeOpenAlarms([incident(undefined)], new Map(), [cw('111111111111')])).toHaveLength(1);
    expect(mergeOpenAlarms([incident(arnIn('111111111111'))], new Map(), [cw(undefined)])).toHaveLength(1);
  });
});
