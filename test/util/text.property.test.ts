import fc from 'fast-check';
import { graphemePrefix, oneLine, plural, truncate, wellFormed } from '../../src/util/text';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Every grapheme boundary of the whole text (0 and its length included). */
function boundaries(s: string): Set<number> {
  const out = new Set<number>([0]);
  for (const g of segmenter.segment(s)) out.add(g.index + g.segment.length);
  return out;
}

/** Pieces that break naive cutting: astral emoji, ZWJ families, flags, skin tones, keycaps, marks, lone halves. */
const PIECES = [
  'a',
  'Z',
  ' ',
  '&',
  '<',
  'é', // precomposed
  'e\u0301', // e + combining acute
  '한',
  '\u1100\u1161\u11A8', // Hangul jamo forming one syllable
  '😀',
  '👍🏿', // skin tone
  '👩‍👩‍👧‍👦', // ZWJ family
  '👨🏽‍💻', // ZWJ with a skin tone
  '🏳️‍🌈',
  '🇫🇷', // flag: two regional indicators
  '🇯🇵🇺🇸',
  '🇦', // a lone regional indicator (pairs with the next one, if any)
  '1️⃣', // keycap
  '\u{1F9D1}\u200D\u{1F91D}\u200D\u{1F9D1}',
  '\ud83d', // lone high surrogate
  '\ude00', // lone low surrogate
  '\u200d',
  '\ufe0f',
];

const piece = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
);
const emojiHeavy = fc.array(piece, { maxLength: 80 }).map((p) => p.join(''));

describe('truncate: whole characters only', () => {
  it('is well-formed, within the limit, a prefix of whole graphemes, and the longest such prefix', () => {
    fc.assert(
      fc.property(emojiHeavy, fc.integer({ min: 0, max: 120 }), (s, max) => {
        const out = truncate(s, max);
        const whole = wellFormed(s);
        expect(out.isWellFormed()).toBe(true);
        expect(out.length).toBeLessThanOrEqual(max);
        if (whole.length <= max) {
          expect(out).toBe(whole);
          return;
        }
        const kept = out.endsWith('…') ? out.slice(0, -1) : out;
        expect(whole.startsWith(kept)).toBe(true);
        const cuts = boundaries(whole);
        expect(cuts.has(kept.length)).toBe(true);
        // Nothing longer would have fitted: the next boundary is beyond the room left for the mark.
        const room = max >= 1 ? max - 1 : max;
        const next = Math.min(...[...cuts].filter((b) => b > kept.length));
        expect(next).toBeGreaterThan(room);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the same boundaries in a long text as when segmenting all of it', () => {
    fc.assert(
      fc.property(emojiHeavy, emojiHeavy, fc.integer({ min: 0, max: 200 }), (a, b, max) => {
        const s = a + b + a;
        const whole = wellFormed(s);
        const cuts = [...boundaries(whole)].filter((x) => x <= max);
        expect(graphemePrefix(s, max).length).toBe(Math.max(...cuts));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a flag, a family and a skin tone whole, or drops them whole', () => {
    // UTF-16 lengths: a flag is 4 code units, the family 11, a thumb with its skin tone 4.
    expect(truncate('ok 🇫🇷🇯🇵', 8)).toBe('ok 🇫🇷…');
    expect(truncate('ok 🇫🇷🇯🇵', 7)).toBe('ok …');
    expect(truncate('👩‍👩‍👧‍👦 family', 10)).toBe('…');
    expect(truncate('👩‍👩‍👧‍👦 family', 12)).toBe('👩‍👩‍👧‍👦…');
    expect(truncate('hi 👍🏿👍🏿', 8)).toBe('hi 👍🏿…');
    expect(truncate('hi 👍🏿👍🏿', 7)).toBe('hi …');
    // A cut inside a surrogate pair that slice(0, n) would have made.
    expect('ab😀cd'.slice(0, 3).isWellFormed()).toBe(false);
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });

  it('repairs a lone surrogate even when nothing is cut, and keeps short text as it is', () => {
    expect(truncate('x\ud83d', 10)).toBe('x\ufffd');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('abcdef', 0)).toBe('');
    expect(truncate('abcdef', 1)).toBe('…');
    expect(truncate('abcdef', 3, ' [more]')).toBe('abc');
  });

  it('oneLine folds white space before cutting; plural counts with separators', () => {
    expect(oneLine('a\n\n  b\tc', 10)).toBe('a b c');
    expect(oneLine('a   b   c   d', 4)).toBe('a b…');
    expect(plural(1, 'task')).toBe('1 task');
    expect(plural(0, 'task')).toBe('0 tasks');
    expect(plural(1200, 'policy', 'policies')).toBe('1,200 policies');
  });
});
