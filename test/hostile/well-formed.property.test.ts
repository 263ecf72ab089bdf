import fc from 'fast-check';
import { parseNotification } from '../../src/notifications/parse';
import { isWellFormed, wellFormed, wellFormedDeep } from '../../src/util/well-formed';
import { TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { placementFailure, pendingTaskAlarm, taskStopped } from '../notifications/fixtures';

/**
 * Lone UTF-16 surrogate halves anywhere in an SNS message (a poison notification): whatever the
 * parser makes of it — alarm, ECS event, raw card — holds only well-formed strings, so no console
 * link or Slack form encoding can throw on it later.
 */
const NOW = Date.UTC(2026, 10, 28, 3, 0, 0);
const half = fc.constantFrom('\ud83d', '\ude00', '\udbff', '\udc00');
/** Text with emoji, lone halves and plain letters mixed. */
const poison = fc
  .array(fc.oneof(half, fc.constantFrom('😀', '👩‍👩‍👧', 'a', ' ', '가', 'é'), fc.string({ maxLength: 4 })), {
    maxLength: 30,
  })
  .map((parts) => parts.join(''));

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out);
    }
  return out;
}

describe('well-formed text from poison notifications', () => {
  it('wellFormed replaces exactly the lone halves', () => {
    expect(wellFormed('a\ud83db')).toBe('a\ufffdb');
    expect(wellFormed('😀\ude00')).toBe('😀\ufffd');
    expect(wellFormed('가😀')).toBe('가😀');
    fc.assert(
      fc.property(poison, (s) => {
        const w = wellFormed(s);
        expect(isWellFormed(w)).toBe(true);
        expect(w.length).toBe(s.length);
        if (isWellFormed(s)) expect(w).toBe(s);
      }),
    );
  });

  it('every string of a parsed notification is well-formed, whatever field carries the poison', () => {
    const sources = [
      (p: string) => ({ ...pendingTaskAlarm({ name: `a${p}` }), NewStateReason: p, AlarmDescription: p }),
      (p: string) => {
        const { Trigger: _t, ...a } = pendingTaskAlarm({ name: p });
        return { ...a, NewStateReason: `${p}${p}` };
      },
      (p: string) => ({ ...placementFailure(), detail: { ...placementFailure().detail, reason: p } }),
      (p: string) => ({ ...taskStopped, detail: { ...taskStopped.detail, stoppedReason: p, group: `service:${p}` } }),
      (p: string) => ({ [p]: p, note: p }),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), poison, poison, (k, p, subject) => {
        const message = JSON.stringify(sources[k](p));
        for (const m of [message, p]) {
          const n = parseNotification(
            {
              Message: m,
              MessageId: 'm-1',
              TopicArn: TEST_TOPIC_ARN,
              Subject: subject,
              Timestamp: new Date(NOW).toISOString(),
            },
            NOW,
          );
          const bad = strings(n).filter((s) => !isWellFormed(s));
          expect(bad).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('wellFormedDeep leaves a message otherwise as it was', () => {
    const msg = { text: 'ok 😀', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x\ud83d' } }], n: 3 };
    expect(wellFormedDeep(msg)).toEqual({
      text: 'ok 😀',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x\ufffd' } }],
      n: 3,
    });
  });
});
