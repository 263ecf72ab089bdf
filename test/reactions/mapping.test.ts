import { loadConfig, ConfigError, DEFAULT_REACTIONS, normaliseEmoji, parseReactionMapping } from '../../src/config';
import { actionFor, emojisFor } from '../../src/reactions/mapping';

describe('the REACTIONS mapping', () => {
  it('defaults to eyes=ack, white_check_mark=resolved, zzz and mute = silence', () => {
    const m = parseReactionMapping(undefined);
    expect(m).toEqual({ eyes: 'ack', white_check_mark: 'resolved', zzz: 'silence', mute: 'silence' });
    expect(parseReactionMapping('  ')).toEqual(parseReactionMapping(DEFAULT_REACTIONS));
    expect(emojisFor(m, 'silence')).toEqual(['zzz', 'mute']);
  });

  it('accepts colons, spaces and upper case, and turns off with none', () => {
    expect(parseReactionMapping(' :Eyes: = ACK , +1=resolved ')).toEqual({ eyes: 'ack', '+1': 'resolved' });
    expect(parseReactionMapping('none')).toEqual({});
  });

  it('reports every problem at once', () => {
    expect(() => parseReactionMapping('eyes=look,zzz,:bad emoji:=ack,eyes=ack,eyes=silence')).toThrow(
      /unknown action "look" for :eyes:.*expected emoji=action, got "zzz".*":bad emoji:" is not an emoji name.*:eyes: is mapped twice \(ack and silence\)/,
    );
  });

  it('matches reactions as Slack names them, skin tones included', () => {
    const m = parseReactionMapping('+1=ack');
    expect(normaliseEmoji('+1::skin-tone-4')).toBe('+1');
    expect(actionFor(m, '+1::skin-tone-4')).toBe('ack');
    expect(actionFor(m, 'eyes')).toBeUndefined();
    expect(actionFor(m, 'constructor')).toBeUndefined();
    expect(actionFor(m, undefined)).toBeUndefined();
  });

  it('is validated with the other settings, with its help text', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', AWS_REGION: 'us-east-1' };
    expect(loadConfig(env).reactions).toEqual(parseReactionMapping(undefined));
    expect(loadConfig({ ...env, ALARM_MUTE_RULES: 'yes' }).alarmMuteRules).toBe(true);
    let err: unknown;
    try {
      loadConfig({ ...env, REACTIONS: 'eyes=wave', ALARM_MUTE_RULES: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const settings = (err as ConfigError).problems.map((p) => p.setting);
    expect(settings).toEqual(expect.arrayContaining(['REACTIONS', 'ALARM_MUTE_RULES']));
    expect((err as ConfigError).message).toContain('emoji=action pairs');
  });
});
