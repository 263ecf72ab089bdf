import { parseNotification } from '../../src/notifications/parse';
import type { Notification } from '../../src/notifications/types';
import { renderAlarmCard, renderPlainCard } from '../../src/alarms/render/alarm-card';
import { renderDigest } from '../../src/alarms/render/alarm-digest';
import { renderNote, renderThreadLines } from '../../src/alarms/render/alarm-thread';
import { LIMITS } from '../../src/slack/limits';
import type { Incident, IncidentEvent } from '../../src/store/incidents';
import { compositeObserved, metricMathAlarm, pendingTaskAlarm, taskStopped } from '../notifications/fixtures';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const O = { now: T0 + 60_000, defaultRegion: 'eu-west-1' };

function note(message: unknown, subject?: string): Notification {
  return parseNotification(
    {
      Message: typeof message === 'string' ? message : JSON.stringify(message),
      MessageId: 'm',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Subject: subject,
      Timestamp: '2024-05-01T10:00:00Z',
    },
    T0,
  );
}

function inc(n: Notification, o: Partial<Incident> = {}): Incident {
  return {
    id: 'abc123',
    alarmKey: n.key,
    seq: 1,
    kind: n.kind,
    name: n.name,
    state: n.state === 'INFO' ? 'OK' : n.state,
    stateAt: n.at,
    firedAt: n.at,
    alarmSince: n.state === 'ALARM' ? n.at : undefined,
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
    ...o,
  };
}

/** Every Slack limit the renderers promise, checked on a rendered message. */
function expectWithinLimits(msg: { text: string; blocks: any[]; attachments?: any[] }): void {
  const blocks = [...msg.blocks, ...(msg.attachments ?? []).flatMap((a) => a.blocks ?? [])];
  expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  expect(msg.text.length).toBeLessThanOrEqual(LIMITS.messageText);
  let total = 0;
  for (const b of blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.fields) {
        expect(b.fields.length).toBeLessThanOrEqual(LIMITS.fieldsPerSection);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
      }
    }
    if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
    if (b.type === 'actions') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.actionsElements);
      for (const e of b.elements) {
        expect(e.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
        expect(e.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
      }
    }
    if (b.block_id) expect(b.block_id.length).toBeLessThanOrEqual(LIMITS.blockId);
    total += JSON.stringify(b).length;
  }
  expect(total).toBeLessThan(LIMITS.cumulativeBlockText + 4000);
  expect(JSON.stringify(msg)).not.toMatch(/<!channel>|<!here>|<!everyone>|@channel|@here/);
}

describe('alarm card renderer', () => {
  it('renders every kind within Slack limits', () => {
    const kinds = [
      note(pendingTaskAlarm()),
      note(metricMathAlarm),
      note(compositeObserved),
      note(taskStopped),
      note('plain text', 'Subject'),
    ];
    for (const n of kinds) expectWithinLimits(renderAlarmCard(inc(n), O));
  });

  it('enforces the limits on hostile, oversized input', () => {
    const huge = 'A'.repeat(5000);
    const a = pendingTaskAlarm();
    const n = note({
      ...a,
      AlarmName: `${huge}@channel`,
      AlarmDescription: `<!channel> ${'&<>'.repeat(3000)} @here`,
      NewStateReason: huge,
      Trigger: {
        ...a.Trigger,
        Dimensions: [
          { name: 'ClusterName', value: 'c'.repeat(300) },
          { name: 'ServiceName', value: `s${'`'.repeat(300)}` },
        ],
      },
    });
    const msg = renderAlarmCard(inc(n), O);
    expectWithinLimits(msg);
    expect(msg.blocks[0].type).toBe('header');
    const raw = note('`'.repeat(10) + '```'.repeat(2000) + '<!here>', 'x'.repeat(500));
    expectWithinLimits(renderAlarmCard(inc(raw), O));
  });

  it('escapes AWS-supplied text so it cannot mention or link', () => {
    const n = note({
      ...pendingTaskAlarm(),
      AlarmDescription: 'ping <!channel> and <https://evil.example|click> @everyone',
    });
    const section = renderAlarmCard(inc(n), O).blocks[1] as any;
    expect(section.text.text).toContain('&lt;!channel&gt;');
    expect(section.text.text).toContain('&lt;https://evil.example|click&gt;');
    expect(section.text.text).toContain('@\u200deveryone');
  });

  it('shows state colour and emoji, ack and silence, and the buttons a service allows', () => {
    const n = note(pendingTaskAlarm({ state: 'OK' }));
    const msg = renderAlarmCard(
      inc(n, {
        state: 'OK',
        ackBy: 'U1',
        ackAt: T0,
        silencedBy: 'U2',
        silencedUntil: T0 + 3600_000,
        alarmMs: 720_000,
        alarmSince: undefined,
      }),
      O,
    );
    expect((msg.blocks[0] as any).text.text).toBe(':large_green_circle: OK · lab-api-pending-tasks');
    expect(msg.attachments[0].color).toBe('#2EB67D');
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('Acknowledged by <@U1>');
    expect(text).toContain('Silenced until');
    expect(JSON.stringify(msg.attachments)).toContain('was in ALARM for 12 min');
    const buttons = (msg.blocks.find((b) => b.type === 'actions') as any).elements;
    expect(buttons.map((b: any) => b.text.text)).toEqual([
      ':stethoscope: Diagnose',
      ':bar_chart: Status',
      'Unacknowledge',
      'Unsilence',
      ':arrow_up_down: Scale…',
      ':scroll: Logs',
    ]);
    expect(JSON.parse(buttons[0].value)).toEqual({
      k: 'abc123',
      c: 'lab',
      s: 'api',
      a: '123456789012',
      r: 'us-east-1',
    });
    // The Logs button carries the state change its 15 minutes lead up to (when it fired), in seconds.
    const logs = buttons.find((b: any) => b.action_id === 'alarm.logs');
    expect(JSON.parse(logs.value)).toEqual({
      k: 'abc123',
      c: 'lab',
      s: 'api',
      a: '123456789012',
      r: 'us-east-1',
      t: Math.floor(n.at / 1000),
    });
  });

  it('offers no Scale… button when no service is named', () => {
    const msg = renderAlarmCard(inc(note(compositeObserved)), O);
    const ids = (msg.blocks.find((b) => b.type === 'actions') as any).elements.map((b: any) => b.action_id);
    expect(ids).not.toContain('alarm.scale');
    expect(ids).not.toContain('alarm.logs');
    expect(ids).toContain('alarm.ack');
  });

  it('links to the console of the region in the ARN (China partition too)', () => {
    const a = pendingTaskAlarm();
    const n = note({ ...a, AlarmArn: 'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:x y', AlarmName: 'x y' });
    const text = JSON.stringify(renderAlarmCard(inc(n), O).blocks);
    expect(text).toContain(
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/x%20y',
    );
  });

  it('has a text-only fallback', () => {
    expect(renderPlainCard(inc(note(pendingTaskAlarm()))).text).toContain('*ALARM* · *lab-api-pending-tasks*');
  });
});

describe('thread lines, notes and digest', () => {
  it('renders thread lines escaped, with times, without mentions, and caps the lines per reply', () => {
    const events: IncidentEvent[] = Array.from({ length: 25 }, (_, i) => ({
      id: i,
      incidentId: 'x',
      at: T0 + i * 1000,
      kind: 'state',
      state: i % 2 ? 'OK' : 'ALARM',
      text: `<!here> change ${i}`,
      posted: false,
    }));
    const { text } = renderThreadLines(events);
    expect(text.split('\n')).toHaveLength(21);
    expect(text).toContain('&lt;!here&gt; change 0');
    expect(text).toContain('…and 5 more');
    expect(text).toMatch(/<!date\^\d+\^\{time_secs\}\|/);
  });

  it('renders channel notes about the subscription', () => {
    expect(renderNote('subscribed', 'arn:aws:sns:us-east-1:1:t').text).toContain('is now connected');
    expect(renderNote('unsubscribed', 'arn:aws:sns:us-east-1:1:t').text).toContain('unsubscribed');
  });

  it('lists a storm of 500 alarms in one message within the limits', () => {
    const incidents = Array.from({ length: 500 }, (_, i) =>
      inc(note(pendingTaskAlarm({ name: `alarm-${i}-${'x'.repeat(100)}`, service: `svc${i}` })), {
        id: `i${i}`,
        name: `alarm-${i}-${'x'.repeat(100)}`,
        state: i < 400 ? 'ALARM' : 'OK',
      }),
    );
    const msg = renderDigest(incidents, { now: T0, threshold: 10 });
    expectWithinLimits(msg);
    expect((msg.blocks[0] as any).text.text).toContain('500 new alarms (400 still firing)');
    expect(JSON.stringify(msg.blocks)).toContain('more');
  });
});
