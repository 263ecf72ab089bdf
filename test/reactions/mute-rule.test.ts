import { atExpression, isoMinutes, muteRuleInput, muteRuleName } from '../../src/reactions/mute-rule';
import { muteQuestion as question } from '../../src/reactions/listeners';
import { ACTIONS } from '../../src/slack/actions';

describe('the one-time mute rule of a silence', () => {
  it('starts at the next whole minute (an at() in the past would never start) and lasts the rest of the silence', () => {
    const now = Date.UTC(2026, 10, 28, 3, 7, 20, 500);
    const until = now + 3600_000;
    expect(atExpression(now)).toEqual({ expression: 'at(2026-11-28T03:08)', start: Date.UTC(2026, 10, 28, 3, 8) });
    expect(atExpression(Date.UTC(2026, 10, 28, 3, 8)).expression).toBe('at(2026-11-28T03:08)');
    const input = muteRuleInput({ incidentId: 'inc_1-x', alarmName: 'lab pending', userId: 'U0ALICE', now, until });
    expect(input).toMatchObject({
      Name: 'ecs-chatops-silence-inc_1-x',
      Rule: { Schedule: { Expression: 'at(2026-11-28T03:08)', Duration: 'PT60M', Timezone: 'UTC' } },
      MuteTargets: { AlarmNames: ['lab pending'] },
    });
    expect(input.ExpireDate!.getTime()).toBeGreaterThan(until);
    expect(input.Description).toContain('U0ALICE');
  });

  it('keeps durations between one minute and fifteen days', () => {
    expect(isoMinutes(0)).toBe('PT1M');
    expect(isoMinutes(90_001)).toBe('PT2M');
    expect(isoMinutes(30 * 24 * 3600_000)).toBe(`PT${15 * 24 * 60}M`);
  });

  it('names rules only with safe characters', () => {
    expect(muteRuleName('a/b c')).toBe('ecs-chatops-silence-a_b_c');
  });

  it('asks before muting with two buttons whose value is only the incident id', () => {
    const q = question({ id: 'inc1', name: 'n', silencedUntil: Date.UTC(2026, 10, 28, 4) }, 'lab <!here>', [
      'Auto Scaling policy',
      'Auto Scaling policy',
    ]);
    const json = JSON.stringify(q.blocks);
    expect(json).toContain('Auto Scaling policy');
    expect(json).not.toContain('<!here>');
    const buttons = (q.blocks[1] as any).elements;
    expect(buttons.map((b: any) => b.action_id)).toEqual([ACTIONS.muteConfirm, ACTIONS.muteSkip]);
    expect(buttons.map((b: any) => JSON.parse(b.value))).toEqual([{ i: 'inc1' }, { i: 'inc1' }]);
    expect(buttons[0].confirm).toBeDefined();
  });
});
