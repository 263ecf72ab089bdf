import fc from 'fast-check';
import { toFilterPattern } from '../../src/logs/args';
import type { LogsView } from '../../src/logs/gather';
import { cleanLogText, logsFile, renderLogs } from '../../src/logs/render';
import { LIMITS } from '../../src/slack/limits';
import { totalTextLength } from '../../src/slack/block-budget';

const T0 = Date.UTC(2026, 10, 28, 3, 0, 0);

function view(lines: string[][], o: Partial<LogsView> = {}): LogsView {
  return {
    cluster: 'shop',
    service: 'web',
    startMs: T0 - 15 * 60_000,
    endMs: T0,
    windowLabel: '15m',
    limit: 500,
    containers: lines.map((ls, k) => ({
      container: `c${k}`,
      group: '/ecs/web',
      region: 'us-east-1',
      lines: ls.map((message, i) => ({ taskId: 'ab'.repeat(16), at: T0 - (ls.length - i) * 1000, message })),
      matched: ls.length,
      streams: 1,
      capped: false,
    })),
    elsewhere: [],
    tasks: 1,
    tasksSkipped: 0,
    calls: lines.length,
    ...o,
  };
}

describe('the logs renderer', () => {
  it('strips escape sequences and control characters, keeping line breaks', () => {
    expect(
      cleanLogText('\u001b[1;31mred\u001b[0m \u001b]8;;https://x\u0007link\u001b]8;;\u0007\tend\r\nnext\u0000\n'),
    ).toBe('red link    end\nnext');
  });

  it('a plain --grep term is quoted; a pattern is kept', () => {
    expect(toFilterPattern('connection refused')).toBe('"connection refused"');
    expect(toFilterPattern('say "hi" \\ there')).toBe('"say \\"hi\\" \\\\ there"');
    expect(toFilterPattern('-ERROR')).toBe('"-ERROR"');
    expect(toFilterPattern('?ERROR ?panic')).toBe('?ERROR ?panic');
    expect(toFilterPattern('{ $.level = "error" }')).toBe('{ $.level = "error" }');
    expect(toFilterPattern('%time(d|out)%')).toBe('%time(d|out)%');
  });

  it('keeps any log text inside Slack limits and inside its own code blocks', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc.constantFrom('```', '`', '<!channel>', '<@U1>', '&', '*', '_', '\u001b[31m', '\u202e', '\n', 'x'.repeat(3000)),
    );
    const line = fc.array(hostile, { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 120 }), { minLength: 1, maxLength: 4 }), (containers) => {
        const msg = renderLogs(view(containers));
        expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
        expect(totalTextLength(msg.blocks)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
        for (const b of msg.blocks as any[]) {
          if (b.type !== 'section') continue;
          expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
          if (b.text.text.startsWith('```')) {
            expect(b.text.text.match(/```/g)).toHaveLength(2);
            expect(b.text.text.endsWith('```')).toBe(true);
            expect(b.text.text).not.toMatch(/<[!@#]/);
          }
        }
        // A complete answer shows every line; otherwise it knows to attach the file.
        const total = containers.reduce((a, c) => a + c.length, 0);
        const codeText = (msg.blocks as any[])
          .filter((b) => b.type === 'section' && b.text.text.startsWith('```'))
          .map((b) => b.text.text)
          .join('\n');
        const shown = (codeText.match(/(^|\n|```)abababab \d\d:/g) ?? []).length;
        if (msg.complete) expect(shown).toBe(total);
        else expect(shown).toBeLessThanOrEqual(total);
      }),
      { numRuns: 60 },
    );
  });

  it('the file has every line whole, with full task IDs and timestamps', () => {
    const v = view([['a \u001b[31mred\u001b[0m line', 'x'.repeat(5000)]]);
    const f = logsFile(v);
    expect(f.filename).toBe('shop-web-2026-11-28T03-00-00.log');
    expect(f.content).toContain(`2026-11-28T02:59:58.000Z ${'ab'.repeat(16)} a red line\n`);
    expect(f.content).toContain('x'.repeat(5000));
    expect(renderLogs(v).complete).toBe(false);
  });
});
