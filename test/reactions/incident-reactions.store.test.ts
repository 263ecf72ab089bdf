import type { Incident } from '../../src/store/incidents';
import { EVENT_INCIDENT_OPEN_MS } from '../../src/store/incident-reactions';
import { describeEachStore } from '../helpers/stores';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { parseNotification } from '../../src/notifications/parse';

const NOW = Date.UTC(2026, 10, 28, 3, 0, 0);

function incident(id: string, o: Partial<Incident> = {}): Incident {
  return {
    id,
    alarmKey: `key-${id}`,
    seq: 1,
    kind: 'alarm',
    name: `alarm ${id}`,
    state: 'ALARM',
    stateAt: NOW - 60_000,
    firedAt: NOW - 60_000,
    alarmSince: NOW - 60_000,
    alarmMs: 0,
    flaps: 0,
    updates: 1,
    channel: 'C0ALARMS',
    cardTs: undefined,
    version: 1,
    renderedVersion: 0,
    notification: {
      kind: 'raw',
      key: `key-${id}`,
      name: id,
      state: 'ALARM',
      level: 'critical',
      at: NOW,
      summary: 's',
      excerpt: 'e',
      source: { topicArn: 't', messageId: 'm' },
    },
    createdAt: NOW - 60_000,
    updatedAt: NOW - 60_000,
    ...o,
  };
}

describeEachStore('incident reactions repository', (get) => {
  it('finds an incident by its card and by a recorded thread reply, in that channel only', async () => {
    const s = get();
    await s.incidents.insert(incident('a', { cardTs: '1700000001.000001' }));
    await s.incidents.insert(incident('b', { cardTs: '1700000002.000002', channel: 'C0OTHER' }));
    expect((await s.incidentReactions.byCard('C0ALARMS', '1700000001.000001'))?.id).toBe('a');
    expect(await s.incidentReactions.byCard('C0OTHER', '1700000001.000001')).toBeUndefined();
    expect(await s.incidentReactions.byThreadMessage('C0ALARMS', '1700000009.000009')).toBeUndefined();
    await s.incidentReactions.recordThreadMessage('C0ALARMS', '1700000009.000009', 'a', NOW);
    await s.incidentReactions.recordThreadMessage('C0ALARMS', '1700000009.000009', 'b', NOW); // first one wins
    expect((await s.incidentReactions.byThreadMessage('C0ALARMS', '1700000009.000009'))?.id).toBe('a');
    expect(await s.incidentReactions.channelHasCards('C0ALARMS')).toBe(true);
    expect(await s.incidentReactions.channelHasCards('C0NONE')).toBe(false);
  });

  it('lists open incidents: the latest of each alarm not back to OK, and recent ECS events in ALARM', async () => {
    const s = get();
    await s.incidents.insert(incident('open', { alarmSince: NOW - 1000 }));
    await s.incidents.insert(
      incident('nodata', { state: 'INSUFFICIENT_DATA', alarmSince: undefined, stateAt: NOW - 500 }),
    );
    await s.incidents.insert(incident('ok', { state: 'OK', alarmSince: undefined }));
    await s.incidents.insert(incident('never-fired', { firedAt: undefined, alarmSince: undefined }));
    await s.incidents.insert(incident('old-seq', { alarmKey: 'k2', seq: 1 }));
    await s.incidents.insert(incident('new-seq', { alarmKey: 'k2', seq: 2, state: 'OK', alarmSince: undefined }));
    await s.incidents.insert(
      incident('event-recent', { kind: 'ecs-event', stateAt: NOW - 1000, alarmSince: NOW - 2000 }),
    );
    await s.incidents.insert(
      incident('event-stale', {
        kind: 'ecs-event',
        stateAt: NOW - EVENT_INCIDENT_OPEN_MS - 1,
        alarmSince: NOW - EVENT_INCIDENT_OPEN_MS - 1,
      }),
    );
    const { incidents, total } = await s.incidentReactions.open(NOW, 2);
    expect(total).toBe(3);
    expect(incidents.map((i) => i.id)).toEqual(['open', 'event-recent']);
    expect((await s.incidentReactions.open(NOW)).incidents.map((i) => i.id).sort()).toEqual([
      'event-recent',
      'nodata',
      'open',
    ]);
  });

  it('keeps one "handled by hand" mark per incident that only its author takes back', async () => {
    const s = get();
    await s.incidentReactions.setMark({ incidentId: 'a', kind: 'resolved', userId: 'U1', at: 1 });
    await s.incidentReactions.setMark({ incidentId: 'a', kind: 'resolved', userId: 'U2', at: 2 });
    expect(await s.incidentReactions.mark('a')).toEqual({ incidentId: 'a', kind: 'resolved', userId: 'U2', at: 2 });
    expect(await s.incidentReactions.clearMark('a', 'resolved', 'U1')).toBe(false);
    expect(await s.incidentReactions.clearMark('a', 'resolved', 'U2')).toBe(true);
    expect(await s.incidentReactions.mark('a')).toBeUndefined();
    expect((await s.incidentReactions.marks([])).size).toBe(0);
  });

  it('remembers a mute rule and hands its removal to exactly one caller', async () => {
    const s = get();
    const r = {
      incidentId: 'a',
      ruleName: 'ecs-chatops-silence-a',
      alarmName: 'x',
      createdBy: 'U1',
      createdAt: 1,
      expiresAt: 3600_001,
    };
    await s.incidentReactions.saveMuteRule(r);
    await s.incidentReactions.saveMuteRule({ ...r, expiresAt: 7200_001 });
    expect(await s.incidentReactions.muteRule('a')).toEqual({ ...r, expiresAt: 7200_001 });
    const drops = await Promise.all([s.incidentReactions.dropMuteRule('a'), s.incidentReactions.dropMuteRule('a')]);
    expect(drops.filter(Boolean)).toHaveLength(1);
    expect(await s.incidentReactions.muteRule('a')).toBeUndefined();
  });

  it('reads incidents built from a real notification', async () => {
    const s = get();
    const n = parseNotification(
      {
        Message: JSON.stringify(pendingTaskAlarm()),
        MessageId: 'm',
        TopicArn: 't',
        Timestamp: new Date(NOW).toISOString(),
      },
      NOW,
    );
    await s.incidents.insert(incident('real', { notification: n, cardTs: '1700000003.000003' }));
    const got = await s.incidentReactions.byCard('C0ALARMS', '1700000003.000003');
    expect(got?.notification).toMatchObject({ kind: 'alarm', alarmName: 'lab-api-pending-tasks' });
  });
});
