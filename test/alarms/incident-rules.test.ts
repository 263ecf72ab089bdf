import { applyNotification, REOPEN_WINDOW_MS, type ApplyContext } from '../../src/alarms/incident-rules';
import { parseNotification } from '../../src/notifications/parse';
import type { Notification } from '../../src/notifications/types';
import type { Incident } from '../../src/store/incidents';
import {
  pendingTaskAlarm,
  placementFailure,
  steadyState,
  taskStopped,
  taskStoppedByScheduler,
} from '../notifications/fixtures';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const MIN = 60_000;
let ids = 0;
const c = (now = T0): ApplyContext => ({ now, newId: () => `inc${++ids}`, channelFor: () => 'C0ALARMS' });

function alarm(state: string, at: number): Notification {
  return parseNotification(
    {
      Message: JSON.stringify(pendingTaskAlarm({ state, at })),
      MessageId: `m${at}${state}`,
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Timestamp: new Date(at).toISOString(),
    },
    at,
  );
}
function ecs(ev: object): Notification {
  return parseNotification(
    {
      Message: JSON.stringify(ev),
      MessageId: 'e',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Timestamp: '2024-05-01T10:00:00Z',
    },
    T0,
  );
}

/** Applies a sequence, carrying the incident along like the store would. */
function run(...ns: Notification[]): { inc?: Incident; results: ReturnType<typeof applyNotification>[] } {
  let inc: Incident | undefined;
  const results = [];
  for (const n of ns) {
    const r = applyNotification(inc, n, c(n.at + 1000));
    results.push(r);
    if (r.incident) inc = r.incident;
  }
  return { inc, results };
}

describe('incident rules', () => {
  it('opens an incident on the first ALARM and wants a card', () => {
    const r = applyNotification(undefined, alarm('ALARM', T0), c());
    expect(r).toMatchObject({ outcome: 'opened', isNew: true, sync: true });
    expect(r.incident).toMatchObject({ state: 'ALARM', firedAt: T0, alarmSince: T0, channel: 'C0ALARMS', seq: 1 });
  });

  it('ALARM then OK: same incident, resolved, with how long it was in ALARM', () => {
    const { inc, results } = run(alarm('ALARM', T0), alarm('OK', T0 + 12 * MIN));
    expect(results[1]).toMatchObject({ outcome: 'updated', isNew: false, sync: true });
    expect(inc).toMatchObject({
      state: 'OK',
      alarmMs: 12 * MIN,
      resolvedAt: T0 + 12 * MIN,
      alarmSince: undefined,
      version: 2,
    });
    expect(results[1].lines[0].text).toMatch(/^OK: .*\(was in ALARM for 12 min\)$/);
  });

  it('an older state arriving late never overwrites a newer one', () => {
    const { inc, results } = run(alarm('ALARM', T0), alarm('OK', T0 + 10 * MIN), alarm('ALARM', T0 + 5 * MIN));
    expect(results[2].outcome).toBe('stale');
    expect(inc?.state).toBe('OK');
    expect(results[2].lines[0]).toMatchObject({ kind: 'late', state: 'ALARM' });
  });

  it('OK first, then an older ALARM: a card that shows OK and how long the ALARM lasted', () => {
    const { inc, results } = run(alarm('OK', T0 + 10 * MIN), alarm('ALARM', T0));
    expect(results[0]).toMatchObject({ outcome: 'tracked', sync: false });
    expect(results[1]).toMatchObject({ outcome: 'stale', sync: true });
    expect(inc).toMatchObject({ state: 'OK', firedAt: T0, alarmMs: 10 * MIN, resolvedAt: T0 + 10 * MIN });
  });

  it('OK with no incident tracks state without a card', () => {
    const r = applyNotification(undefined, alarm('OK', T0), c());
    expect(r).toMatchObject({ outcome: 'tracked', isNew: true, sync: false });
    expect(r.incident?.firedAt).toBeUndefined();
  });

  it('ignores the same state at the same time (a re-published message)', () => {
    const { results } = run(alarm('ALARM', T0), alarm('ALARM', T0));
    expect(results[1].outcome).toBe('unchanged');
  });

  it('flapping within the window reuses the card; after the window a new incident opens', () => {
    const flap = run(alarm('ALARM', T0), alarm('OK', T0 + 5 * MIN), alarm('ALARM', T0 + 20 * MIN));
    expect(flap.results[2]).toMatchObject({ outcome: 'updated', isNew: false });
    expect(flap.inc).toMatchObject({ state: 'ALARM', flaps: 1, alarmSince: T0 + 20 * MIN, alarmMs: 5 * MIN, seq: 1 });
    const later = run(
      alarm('ALARM', T0),
      alarm('OK', T0 + 5 * MIN),
      alarm('ALARM', T0 + 5 * MIN + REOPEN_WINDOW_MS + 1),
    );
    expect(later.results[2]).toMatchObject({ outcome: 'opened', isNew: true });
    expect(later.inc).toMatchObject({ seq: 2, flaps: 0, state: 'ALARM' });
  });

  it('a new incident inherits a silence that is still running', () => {
    const first = run(alarm('ALARM', T0), alarm('OK', T0 + MIN));
    const silenced = { ...(first.inc as Incident), silencedUntil: T0 + 10 * REOPEN_WINDOW_MS, silencedBy: 'U1' };
    const r = applyNotification(silenced, alarm('ALARM', T0 + 2 * REOPEN_WINDOW_MS), c(T0 + 2 * REOPEN_WINDOW_MS));
    expect(r.incident).toMatchObject({ seq: 2, silencedUntil: T0 + 10 * REOPEN_WINDOW_MS, silencedBy: 'U1' });
  });

  it('ECS problems of one service share a card; steady state closes it; INFO adds a line only to a live card', () => {
    const p = ecs(placementFailure('2024-05-01T10:00:00Z'));
    const p2 = ecs(placementFailure('2024-05-01T10:03:00Z'));
    const ok = ecs(steadyState('2024-05-01T10:20:00Z'));
    const { inc, results } = run(p, p2, ok);
    expect(results.map((r) => r.outcome)).toEqual(['opened', 'updated', 'updated']);
    expect(results[1].lines[0].kind).toBe('repeat');
    expect(inc?.state).toBe('OK');
    const info = ecs(taskStoppedByScheduler);
    expect(applyNotification(undefined, info, c()).outcome).toBe('ignored');
    const live = applyNotification(run(p).inc, info, c());
    expect(live).toMatchObject({ outcome: 'updated', sync: true });
    expect(live.lines[0].kind).toBe('info');
  });
  it('a late ECS event keeps its content: a task stopped for memory is news, not a note about ordering', () => {
    // The placement failure at 10:10 opened the card; the task that stopped at 10:05 arrives after it.
    const open = run(ecs(placementFailure('2024-05-01T10:10:00Z')));
    const late = applyNotification(open.inc, ecs(taskStopped), c(T0 + 11 * MIN));
    expect(late).toMatchObject({ outcome: 'stale', sync: true });
    expect(late.incident?.state).toBe('ALARM');
    expect(late.incident?.notification).toBe(open.inc?.notification);
    expect(late.lines).toHaveLength(1);
    const line = late.lines[0];
    expect(line).toMatchObject({ kind: 'repeat', state: 'ALARM', at: Date.parse('2024-05-01T10:05:00Z') });
    expect(line.text).toMatch(/^Task 5f3d0a6c2b7e of service api stopped \(EssentialContainerExited\)/);
    expect(line.text).toContain('exit code 137');
    expect(line.text).toContain('OutOfMemoryError: Container killed due to memory usage');
    expect(line.text).toMatch(/\(Arrived late: older than the ALARM the card shows\.\)$/);

    // After steady state closed the card, the same late stop still says what happened.
    const closed = run(ecs(placementFailure('2024-05-01T10:00:00Z')), ecs(steadyState('2024-05-01T10:20:00Z')));
    const afterOk = applyNotification(closed.inc, ecs(taskStopped), c(T0 + 21 * MIN));
    expect(afterOk.incident?.state).toBe('OK');
    expect(afterOk.lines[0].text).toContain('exit code 137');
    expect(afterOk.lines[0].text).toContain('OK the card shows');
  });

  it('a late CloudWatch state still names its reason beside the note about ordering', () => {
    const { results } = run(alarm('ALARM', T0), alarm('OK', T0 + 10 * MIN), alarm('ALARM', T0 + 5 * MIN));
    expect(results[2].lines[0].text).toMatch(/^ALARM from this time arrived late, after the newer OK; .+: \S/);
    expect(results[2].lines[0].text).toContain(alarm('ALARM', T0 + 5 * MIN).summary);
  });
});
