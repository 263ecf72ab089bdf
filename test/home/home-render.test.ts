import type { OpenAlarmView } from '../../src/alarm-admin/open-alarms';
import { ACTIONS } from '../../src/slack/actions';
import { alarmLine, renderAlarmList } from '../../src/alarm-admin/render/alarm-list';
import { blockTextLength } from '../../src/slack/block-budget';
import { renderHome, type HomeChangeView, type HomeClusterView, type HomeData } from '../../src/home/render';
import { LIMITS } from '../../src/slack/limits';

const NOW = Date.UTC(2026, 10, 28, 3, 0, 0);
const HOSTILE = '<!channel> *bold* <https://evil.example|click> & `tick`';

function alarm(i: number, o: Partial<OpenAlarmView> = {}): OpenAlarmView {
  return {
    id: `inc${i}`,
    name: `alarm-${i}-${'x'.repeat(150)}`,
    state: 'ALARM',
    level: 'critical',
    kind: 'alarm',
    since: NOW - 12 * 60_000,
    cluster: 'lab',
    service: `svc-${i}`,
    ackBy: i % 2 ? 'U0ALICE' : undefined,
    ackAt: i % 2 ? NOW - 60_000 : undefined,
    channel: 'C0ALARMS',
    cardTs: '1700000001.000001',
    knownToBot: true,
    ...o,
  };
}

function change(i: number, o: Partial<HomeChangeView> = {}): HomeChangeView {
  return {
    id: `req${String(i).padStart(6, '0')}`,
    action: 'scale-service',
    summary: `Scale service lab/svc-${i} from 1 to 4 tasks ${'y'.repeat(300)}`,
    target: `lab/svc-${i}`,
    requestedBy: i % 2 ? 'U0ALICE' : 'U0BOB',
    reason: 'r'.repeat(400),
    createdAt: NOW - 60_000,
    expiresAt: NOW + 14 * 60_000,
    warnings: 2,
    ...o,
  };
}

function cluster(i: number): HomeClusterView {
  return {
    name: `cluster-${i}`,
    containerInsights: i % 3 ? 'enabled' : 'disabled',
    runningTasks: i,
    pendingTasks: i % 4,
    registeredInstances: 2,
    activeServices: 3,
  };
}

function data(o: Partial<HomeData> = {}): HomeData {
  return {
    now: NOW,
    userId: 'U0ALICE',
    alarms: { items: [alarm(1)], total: 1 },
    changes: { items: [change(1)], total: 1 },
    clusters: { items: [cluster(1)], total: 1 },
    audit: {
      items: [
        {
          at: NOW - 1000,
          actor: 'U0ALICE',
          action: 'scale-service',
          target: 'lab/api',
          outcome: 'succeeded',
          approver: 'U0BOB',
        },
      ],
      total: 1,
    },
    ...o,
  };
}

const textOf = (blocks: unknown[]) => blocks.reduce<number>((a, b) => a + blockTextLength(b), 0);

describe('the Home view renderer', () => {
  it('renders every section with its items and buttons', () => {
    const v = renderHome(data());
    expect(v).toMatchObject({ type: 'home', callback_id: 'ecs_home' });
    const json = JSON.stringify(v.blocks);
    for (const s of ['Open alarms (1)', 'Pending change requests (1)', 'Clusters (1)', 'Latest actions (1)'])
      expect(json).toContain(s);
    expect(json).toContain('acknowledged by <@U0ALICE>');
    expect(json).toContain('scale-service `lab/api` · succeeded · <@U0ALICE> (approved by <@U0BOB>)');
    const buttons = v.blocks.filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements);
    const approve = buttons.find((b: any) => b.action_id === ACTIONS.homeApprove);
    expect(JSON.parse(approve.value)).toEqual({ id: 'req000001' });
    expect(approve.confirm).toBeDefined();
    expect(buttons.map((b: any) => b.action_id)).toContain(ACTIONS.homeCancel);
  });

  it('stays within 100 blocks and the text budget with far too much to show, and says what it left out', () => {
    const v = renderHome(
      data({
        alarms: { items: Array.from({ length: 500 }, (_, i) => alarm(i)), total: 800 },
        changes: { items: Array.from({ length: 60 }, (_, i) => change(i)), total: 60 },
        clusters: { items: Array.from({ length: 300 }, (_, i) => cluster(i)), total: 300 },
        audit: {
          items: Array.from({ length: 200 }, (_, i) => ({
            at: NOW - i,
            actor: 'U0ALICE',
            action: 'scale-service',
            target: `lab/${'z'.repeat(100)}`,
            outcome: 'failed',
            error: 'e'.repeat(500),
          })),
          total: 200,
        },
        notice: ':x: something',
      }),
    );
    expect(v.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerView);
    expect(textOf(v.blocks)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
    const json = JSON.stringify(v.blocks);
    // Every section still has its header, and the crowded ones say how many are not shown.
    for (const s of ['Open alarms (800)', 'Pending change requests (60)', 'Clusters (300)', 'Latest actions'])
      expect(json).toContain(s);
    expect(json).toMatch(/…and \d+ more: `\/ecs alarms` lists them all/);
    expect(json).toMatch(/…and \d+ more: approve them on their cards/);
    for (const b of v.blocks as any[]) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
      if (b.block_id) expect(b.block_id.length).toBeLessThanOrEqual(LIMITS.blockId);
    }
  });

  it('says why a section could not be read and shows the others', () => {
    const v = renderHome(data({ clusters: { error: 'Clusters: The bot may not call ecs:ListClusters <@U1>' } }));
    const json = JSON.stringify(v.blocks);
    expect(json).toContain(':warning: Clusters: The bot may not call ecs:ListClusters &lt;@U1&gt;');
    expect(json).toContain('Open alarms (1)');
  });

  it('says so when there is nothing to show', () => {
    const v = renderHome(
      data({
        alarms: { items: [], total: 0 },
        changes: { items: [], total: 0 },
        clusters: { items: [], total: 0 },
        audit: { items: [], total: 0 },
      }),
    );
    const json = JSON.stringify(v.blocks);
    expect(json).toContain('No open alarms.');
    expect(json).toContain('Nothing waits for an approver.');
    expect(json).toContain('Nothing audited yet.');
  });

  it('escapes alarm names, reasons and request texts from AWS and users', () => {
    const v = renderHome(
      data({
        alarms: { items: [alarm(1, { name: HOSTILE, cluster: undefined })], total: 1 },
        changes: { items: [change(1, { summary: HOSTILE, reason: HOSTILE })], total: 1 },
      }),
    );
    // mrkdwn is where Slack would read mentions and links (plain_text, as in the confirm dialog, is shown as is).
    const mrkdwn = JSON.stringify(v.blocks)
      .match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g)!
      .join('\n');
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://evil.example');
    expect(mrkdwn).toContain('&lt;!channel&gt;');
  });
});

describe('the /ecs alarms renderer', () => {
  it('lists cards first, then CloudWatch-only alarms with their reason, within one message', () => {
    const items = [
      alarm(1, { silencedUntil: NOW + 3600_000, handledBy: 'U0BOB' }),
      { ...alarm(2, { knownToBot: false, reason: `Threshold Crossed ${HOSTILE}`, channel: undefined }), id: 'cw:x' },
    ];
    const r = renderAlarmList({ now: NOW, alarms: items, knownTotal: 1, cloudwatchOnly: 1, truncated: false });
    const json = JSON.stringify(r.blocks);
    expect(r.response_type).toBe('ephemeral');
    expect(json).toContain('Open alarms (2)');
    expect(json).toContain(':no_bell: silenced until');
    expect(json).toContain(':white_check_mark: handled by hand by <@U0BOB>');
    expect(json).toContain('card in <#C0ALARMS>');
    expect(json).toContain('no card: its actions do not reach this bot');
    expect(json).not.toContain('<!channel>');
  });

  it('stays within 50 blocks and the text budget with hundreds of alarms', () => {
    const r = renderAlarmList({
      now: NOW,
      alarms: Array.from({ length: 400 }, (_, i) => alarm(i)),
      knownTotal: 450,
      cloudwatchOnly: 0,
      truncated: true,
    });
    expect(r.blocks!.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    expect(textOf(r.blocks!)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
    expect(JSON.stringify(r.blocks)).toMatch(/…and \d+ more not shown/);
  });

  it('writes one line per alarm with state, since and the acknowledgement', () => {
    const line = alarmLine(alarm(1, { name: 'lab-pending' }), NOW);
    expect(line).toMatch(
      /^:red_circle: \*ALARM\* · \*lab-pending\* · `lab\/svc-1`\nsince <!date\^\d+\^[^|]+\|[^>]+> \(12 min\) · :eyes: acknowledged by <@U0ALICE>/,
    );
    expect(alarmLine(alarm(2), NOW)).toContain('not acknowledged');
  });
});
