import fc from 'fast-check';
import { parseArgs, tokenize } from '../../src/slack/commands/parse';
import { UsageError } from '../../src/errors';

const spec = { reason: 'string', 'dry-run': 'boolean', since: 'string', limit: 'string', cluster: 'string' } as const;

describe('command parser under hostile input (property-based)', () => {
  it('any text gives words or a UsageError, never another exception', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          const words = tokenize(text);
          expect(Array.isArray(words)).toBe(true);
          parseArgs(words, spec, 'usage');
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('quoted words round-trip: joining tokens quoted re-tokenizes to the same tokens', () => {
    const word = fc.string({ minLength: 1, maxLength: 20 }).filter((w) => !/["\\&<>]/.test(w));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (words) => {
        const text = words.map((w) => `"${w}"`).join(' ');
        expect(tokenize(text)).toEqual(words);
      }),
      { numRuns: 500 },
    );
  });

  it('tokens never contain unquoted whitespace', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 100 }).filter((s) => !/["'“”‘’„]/.test(s)),
        (text) => {
          for (const t of tokenize(text)) expect(t).not.toMatch(/\s/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
