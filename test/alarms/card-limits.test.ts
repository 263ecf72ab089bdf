import { renderAlarmCard } from '../../src/alarms/render/alarm-card';
import { parseNotification } from '../../src/notifications/parse';
import type { Notification } from '../../src/notifications/types';
import { ACTIONS } from '../../src/slack/actions';
import { blockTextLength, totalTextLength } from '../../src/slack/block-budget';
import { LIMITS } from '../../src/slack/limits';
import type { Incident } from '../../src/store/incidents';
import { pendingTaskAlarm } from '../notifications/fixtures';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const O = { now: T0 + 60_000, defaultRegion: 'us-east-1' };

function note(message: unknown): Notification {
  return parseNotification(
    {
      Message: JSON.stringify(message),
      MessageId: 'm',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Timestamp: '2024-05-01T10:00:00Z',
    },
    T0,
  );
}

function incidentOf(n: Notification): Incident {
  return {
    id: 'inc123',
    alarmKey: n.key,
    seq: 1,
    kind: n.kind,
    name: n.name,
    state: 'ALARM',
    stateAt: n.at,
    firedAt: n.at,
    alarmSince: n.at,
    alarmMs: 0,
    flaps: 0,
    updates: 1,
    cluster: n.cluster,
    service: n.service,
    channel: 'C1',
    version: 1,
    renderedVersion: 0,
    notification: n,
    createdAt: n.at,
    updatedAt: n.at,
  };
}

/** Every text element of a message against its own limit in the limits module, and the message against its. */
function expectEveryElementWithinLimits(blocks: any[]): void {
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  expect(totalTextLength(blocks)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
  for (const b of blocks) {
    if (b.block_id) expect(b.block_id.length).toBeLessThanOrEqual(LIMITS.blockId);
    switch (b.type) {
      case 'header':
        expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
        break;
      case 'section':
        if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
        expect((b.fields ?? []).length).toBeLessThanOrEqual(LIMITS.fieldsPerSection);
        for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
        break;
      case 'context':
        expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
        for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(LIMITS.contextElementText);
        break;
      case 'actions':
        expect(b.elements.length).toBeLessThanOrEqual(LIMITS.actionsElements);
        for (const e of b.elements) {
          expect(e.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
          expect(e.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
          expect(e.action_id.length).toBeLessThanOrEqual(LIMITS.actionId);
        }
        break;
      default:
        throw new Error(`unexpected block ${b.type}`);
    }
    expect(blockTextLength(b)).toBeGreaterThan(0);
  }
}

/** Every string well-formed, and every mrkdwn link or mention closed (no half `<…` left by a cut). */
function expectWellFormed(value: unknown): void {
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      expect(v.isWellFormed()).toBe(true);
      if (key === 'text') {
        const opens = (v.match(/</g) ?? []).length;
        expect((v.match(/>/g) ?? []).length).toBe(opens);
        expect(v).not.toMatch(/<[^>]*</);
      }
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(value);
}

const linksOf = (blocks: any[]): string =>
  blocks
    .filter((b) => b.type === 'context')
    .flatMap((b) => b.elements.map((e: any) => e.text))
    .find((t: string) => t.includes('console.aws.amazon.com')) ?? '';

const buttonsOf = (blocks: any[]): string[] =>
  blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => e.action_id));

const ALL_BUTTONS = [
  ACTIONS.alarmDiagnose,
  ACTIONS.alarmStatus,
  ACTIONS.alarmAck,
  ACTIONS.alarmSilence,
  ACTIONS.alarmScale,
  ACTIONS.alarmLogs,
];

describe('an alarm card with a long name keeps every element within Slack’s limits, and its buttons', () => {
  it('a 255-character name of emoji: the alarm link falls back to the alarm list; the card keeps its buttons', () => {
    // 12 characters each once percent-encoded: the alarm's own console link alone would be over 3,000.
    const name = '🔥'.repeat(255);
    expect([...name]).toHaveLength(255);
    const n = note(pendingTaskAlarm({ name }));
    const msg = renderAlarmCard(incidentOf(n), O);

    expectEveryElementWithinLimits(msg.blocks);
    expectEveryElementWithinLimits(msg.attachments.flatMap((a) => a.blocks ?? []));
    expectWellFormed(msg);
    expect(buttonsOf(msg.blocks)).toEqual(ALL_BUTTONS);
    const links = linksOf(msg.blocks);
    expect(links).toContain('|Alarms in CloudWatch>');
    expect(links).toContain('https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:|');
    expect(links).toContain('|ECS service api>');
    expect(links).not.toContain('Alarm in CloudWatch');
    // The header shows as much of the name as fits, on whole emoji.
    expect((msg.blocks[0] as any).text.text).toMatch(/^\S+ ALARM · (🔥)+…$/u);
  });

  it('a mixed emoji name (flags, skin tones, families) is never cut inside a character', () => {
    const name = Array.from({ length: 255 }, (_, i) => ['👩‍👩‍👧‍👦', '🇰🇷', '👍🏽', 'é'][i % 4]).join('');
    const msg = renderAlarmCard(incidentOf(note(pendingTaskAlarm({ name }))), O);
    expectEveryElementWithinLimits(msg.blocks);
    expectWellFormed(msg);
    expect(buttonsOf(msg.blocks)).toEqual(ALL_BUTTONS);
    expect(linksOf(msg.blocks)).toContain('|Alarms in CloudWatch>');
  });

  it('a 255-character ASCII name: its own link fits and is kept whole', () => {
    const name = `lab-${'x'.repeat(241)}-pending-%`;
    expect(name).toHaveLength(255);
    const msg = renderAlarmCard(incidentOf(note(pendingTaskAlarm({ name }))), O);
    expectEveryElementWithinLimits(msg.blocks);
    expectWellFormed(msg);
    expect(buttonsOf(msg.blocks)).toEqual(ALL_BUTTONS);
    const links = linksOf(msg.blocks);
    expect(links).toContain(`#alarmsV2:alarm/${encodeURIComponent(name)}|Alarm in CloudWatch>`);
    expect(links).toContain('|ECS service api>');
  });

  it('an ASCII name far beyond AWS’s 255 (a forged notification): the same fallback, the buttons stay', () => {
    const msg = renderAlarmCard(incidentOf(note(pendingTaskAlarm({ name: 'A'.repeat(5000) }))), O);
    expectEveryElementWithinLimits(msg.blocks);
    expect(buttonsOf(msg.blocks)).toEqual(ALL_BUTTONS);
    expect(linksOf(msg.blocks)).toContain('|Alarms in CloudWatch>');
  });

  it('oversized text everywhere: the reason gives way, the fields, links and buttons stay', () => {
    const base = pendingTaskAlarm({ name: '🔥'.repeat(255) });
    const msg = renderAlarmCard(
      incidentOf(
        note({
          ...base,
          AlarmDescription: '📈'.repeat(3000),
          NewStateReason: `${'Threshold Crossed '.repeat(400)}`,
        }),
      ),
      O,
    );
    expectEveryElementWithinLimits(msg.blocks);
    expectWellFormed(msg);
    expect(buttonsOf(msg.blocks)).toEqual(ALL_BUTTONS);
    expect(msg.blocks.map((b: any) => b.type)).toEqual(['header', 'section', 'section', 'context', 'actions']);
  });
});
