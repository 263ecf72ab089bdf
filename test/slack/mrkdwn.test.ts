import fc from 'fast-check';
import { clipMrkdwn, code, escapeLiteral, escapeOwnText, escapeText, link, slackDate } from '../../src/slack/mrkdwn';
import { truncate } from '../../src/util/text';

describe('mrkdwn escaping', () => {
  it('neutralises broadcast mentions and Slack control sequences', () => {
    const evil = 'hi <!channel> @here <@U123> <https://evil.example|click> & @everyone';
    const out = escapeText(evil);
    expect(out).not.toMatch(/<[!@#]/);
    expect(out).not.toMatch(/<https?:/);
    expect(out).not.toMatch(/(^|[^\u200d])@(here|everyone|channel)\b/);
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).toContain('&amp;');
  });

  it('never lets any string produce an unescaped <, > or broadcast mention (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), (s) => {
        const out = escapeText(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/(^|[^\u200d])@(here|everyone|channel)\b/i);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&lt');
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the bot's own code spans in its messages but still neutralises markup and mentions", () => {
    expect(escapeOwnText('run `/ecs help` <!here> @channel')).toBe('run `/ecs help` &lt;!here&gt; @\u200dchannel');
    expect(escapeText('```evil``` `x`')).not.toContain('`');
  });

  it('keeps code spans closed and literal text literal', () => {
    expect(code('a`b')).toBe('`aˋb`');
    expect(code('')).toBe('` `');
    expect(escapeLiteral('*bold* _it_')).not.toMatch(/(^|[^\u200b])\*bold/);
  });

  it('builds links with escaped labels and encoded URLs', () => {
    expect(link('https://console.aws.amazon.com/x?a=1|2', 'a <b> | c')).toBe(
      '<https://console.aws.amazon.com/x?a=1%7C2|a &lt;b&gt; ¦ c>',
    );
  });

  it('formats Slack dates with a fallback and truncates with a marker', () => {
    expect(slackDate(Date.UTC(2026, 10, 28, 3, 0, 0))).toBe(
      '<!date^1795834800^{date_short_pretty} {time}|2026-11-28T03:00:00Z>',
    );
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('clipMrkdwn never splits an entity, a link, an inline code span or an emoji', () => {
    expect(clipMrkdwn('abc &amp; def', 6)).toBe('abc …');
    expect(clipMrkdwn('see <https://x.example/very/long|link> now', 12)).toBe('see …');
    expect(clipMrkdwn('run `kubectl get pods` now', 12)).toBe('run …');
    expect(clipMrkdwn('*alarm* 👩‍👩‍👧‍👦👩‍👩‍👧‍👦', 20)).toBe('*alarm* 👩‍👩‍👧‍👦…');
    expect(clipMrkdwn('fits', 4)).toBe('fits');
  });
});
