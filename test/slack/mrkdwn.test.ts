import fc from 'fast-check';
import {
  code,
  escapeLiteral,
  escapeOwnText,
  escapeText,
  link,
  neutraliseText,
  slackDate,
  truncate,
} from '../../src/slack/mrkdwn';

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
});

describe('bidirectional controls and invisible characters in text from outside', () => {
  const BIDI = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];
  const MARKS = ['\u200E', '\u200F', '\u061C'];
  const INVISIBLE = ['\u200B', '\u2060', '\u2062', '\uFEFF', '\u00AD', '\u115F', '\u180E', '\u3164', '\uFFA0'];

  it.each([...BIDI, ...MARKS, ...INVISIBLE].map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase()}`, c]))(
    '%s is removed, so a name can neither read backwards nor hide a character',
    (_name, c) => {
      expect(escapeText(`ok-${c}gnp.exe`)).toBe('ok-gnp.exe');
      expect(escapeLiteral(`prod${c}db`)).toBe('proddb');
      expect(code(`a${c}b`)).toBe('`ab`');
      expect(link('https://console.aws.amazon.com/x', `db${c}1`)).toBe('<https://console.aws.amazon.com/x|db1>');
    },
  );

  it('a right-to-left override cannot reverse the bot’s own words around a name', () => {
    const out = escapeText('api\u202E is OK\u202C');
    expect(out).toBe('api is OK');
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/);
  });

  it('zero-width joiners next to Latin letters or ASCII go; an invisible character cannot smuggle a mention', () => {
    expect(escapeText('pro\u200Dd\u200Cdb')).toBe('proddb');
    expect(escapeText('\u200Dx\u200D')).toBe('x');
    expect(escapeText('@\u200Bchannel')).toBe('@\u200dchannel');
    expect(escapeText('<\u2060!here>')).toBe('&lt;!here&gt;');
  });

  it('keeps ordinary Korean, Arabic, Persian and Hindi text, and emoji ZWJ sequences, exactly', () => {
    for (const s of [
      '결제 서비스 지연 경보',
      'تنبيه خدمة الدفع',
      'می‌خواهم', // ZWNJ between Persian letters
      'क्‍ष', // ZWJ after a virama
      '👩‍💻 🏳️‍🌈 👨‍👩‍👧 🧑🏽‍🚀',
    ])
      expect(neutraliseText(s)).toBe(s);
  });

  it('leaves no bidi control in any string, keeps everything else, and is idempotent (property)', () => {
    const suspect = fc.constantFrom(...BIDI, ...MARKS, ...INVISIBLE, '\u200C', '\u200D');
    const text = fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 4 }), suspect), { maxLength: 20 });
    fc.assert(
      fc.property(text, (parts) => {
        const s = parts.join('');
        const out = neutraliseText(s);
        expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u2060\uFEFF]/);
        expect(neutraliseText(out)).toBe(out);
        // Only the listed characters are ever removed.
        const strip = (x: string) =>
          x.replace(
            /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\u2060-\u2064\uFEFF\u00AD\u115F\u1160\u180E\u3164\uFFA0]/g,
            '',
          );
        expect(strip(out)).toBe(strip(s));
      }),
      { numRuns: 500 },
    );
  });
});
