import {
  renderChangeCard,
  renderDryRun,
  proposeButton,
  rolloutTimeoutLine,
  type ChangeCardView,
} from '../../src/approvals/render/change-request';
import { renderAuditLog, auditLine } from '../../src/approvals/render/audit-log';
import { renderScaleSuggestions } from '../../src/approvals/render/scale-suggestions';
import { LIMITS } from '../../src/slack/limits';
import { ACTIONS } from '../../src/slack/actions';
import type { AuditEntry } from '../../src/store/audit';
import { samplePlan } from './fixtures';
import { unsafeParts } from '../hostile/safe-mrkdwn';

/** Every text in a message stays within Slack's limits. */
function expectWithinLimits(blocks: any[]): void {
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  let total = 0;
  for (const b of blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    if (b.type === 'section') {
      if (b.text) {
        expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
        total += b.text.text.length;
      }
      for (const f of b.fields ?? []) {
        expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
        total += f.text.length;
      }
      expect((b.fields ?? []).length).toBeLessThanOrEqual(LIMITS.fieldsPerSection);
    }
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
      for (const e of b.elements) total += e.text.length;
    }
    if (b.type === 'actions') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.actionsElements);
      const ids = b.elements.map((e: any) => e.action_id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of b.elements) {
        expect(e.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
        expect(e.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
      }
    }
  }
  expect(total).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
}

const view = (o: Partial<ChangeCardView> = {}): ChangeCardView => ({
  id: 'req123456',
  status: 'pending',
  plan: samplePlan(),
  requestedBy: 'U0ALICE',
  reason: 'lab incident',
  createdAt: Date.UTC(2026, 10, 28, 3, 0),
  expiresAt: Date.UTC(2026, 10, 28, 3, 15),
  ...o,
});

describe('the change request card', () => {
  it('shows requester, target, current → requested, reason, expiry and the three buttons while pending', () => {
    const m = renderChangeCard(view());
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('<@U0ALICE>');
    expect(text).toContain('`EcsLabCluster/EcsLabApi`');
    expect(text).toContain('1 task → *4 tasks*');
    expect(text).toContain('lab incident');
    expect(text).toContain('expires <!date^1795835700^');
    const actions = m.blocks.find((b) => b.type === 'actions') as any;
    expect(actions.elements.map((e: any) => e.action_id)).toEqual([
      ACTIONS.changeApprove,
      ACTIONS.changeReject,
      ACTIONS.changeCancel,
    ]);
    expect(actions.elements.every((e: any) => e.value === '{"id":"req123456"}')).toBe(true);
    expect(actions.elements[0].confirm.text.text).toContain('Scale service EcsLabCluster/EcsLabApi from 1 to 4 tasks');
    expect(m.text).toContain('waiting for an approver');
    expectWithinLimits(m.blocks);
  });

  it('removes the buttons and says who decided, in every final state', () => {
    const cases: [Partial<ChangeCardView>, string][] = [
      [{ status: 'executing', decidedBy: 'U0BOB' }, 'Approved by <@U0BOB>* — applying'],
      [
        {
          status: 'succeeded',
          decidedBy: 'U0BOB',
          finishedAt: 1,
          resultSummary: 'Desired count is now 4.',
          followed: true,
        },
        'Desired count is now 4. The rollout is followed in the thread.',
      ],
      [
        { status: 'failed', decidedBy: 'U0BOB', error: 'changed since the request (was 1 task, now 3 tasks)' },
        'Approved by <@U0BOB>, but the change failed:* changed since the request (was 1 task, now 3 tasks)',
      ],
      [{ status: 'rejected', decidedBy: 'U0CAROL', decidedAt: 1 }, 'Rejected by <@U0CAROL>'],
      [{ status: 'cancelled', decidedBy: 'U0ALICE' }, 'Cancelled by <@U0ALICE>'],
      [{ status: 'expired' }, 'Expired'],
    ];
    for (const [o, expected] of cases) {
      const m = renderChangeCard(view(o));
      expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(m.blocks)).toContain(expected);
    }
  });

  it('escapes user and AWS text so it cannot mention the channel or inject links', () => {
    const m = renderChangeCard(
      view({
        reason: '<!channel> see <https://evil.example|docs> @here',
        plan: samplePlan({ warnings: ['Target tracking policy "<@U0X>" may undo this change.'] }),
        status: 'failed',
        decidedBy: 'U0BOB',
        error: 'AWS said <!everyone>',
      }),
    );
    // The shared checker reads every mrkdwn text as Slack would; the card may only mention its own people.
    expect(unsafeParts(m, { users: ['U0ALICE', 'U0BOB'] })).toEqual([]);
    const text = JSON.stringify(m.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).not.toContain('<!everyone>');
    expect(text).not.toContain('<@U0X>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('@\u200dhere');
  });

  it('stays within Slack limits with the longest reason and many long warnings', () => {
    const long = 'x'.repeat(4000);
    const m = renderChangeCard(
      view({
        reason: 'r'.repeat(500),
        plan: samplePlan({
          summary: long,
          details: Array(40).fill(long),
          effects: Array(20).fill(long),
          warnings: Array(30).fill(long),
          target: 't'.repeat(300),
        }),
      }),
    );
    expectWithinLimits(m.blocks);
    expect(m.text.length).toBeLessThanOrEqual(3000);
  });

  it('renders a dry run that says plainly nothing was requested', () => {
    const r = renderDryRun(samplePlan({ effects: ['Max size is raised from 1 to 4 so the desired capacity fits.'] }), {
      requestedBy: 'U0ALICE',
      command: '/ecs scale instances lab 4',
    });
    expect(r.response_type).toBe('ephemeral');
    expect(r.text).toContain('Nothing was requested or changed');
    expect(JSON.stringify(r.blocks)).toContain('Max size is raised from 1 to 4');
    expect(JSON.stringify(r.blocks)).not.toContain(ACTIONS.changeApprove);
    expectWithinLimits(r.blocks as any[]);
  });

  it('builds propose buttons whose ids are unique within a block', () => {
    const a = proposeButton('+1', { a: 'scale-service', c: 'lab', s: 'api', n: 2 }, 1);
    const b = proposeButton('+1', { a: 'scale-instances', c: 'lab', n: 2 }, 2);
    expect([a.action_id, b.action_id]).toEqual([`${ACTIONS.changePropose}:1`, `${ACTIONS.changePropose}:2`]);
    expect(JSON.parse(a.value!)).toEqual({ a: 'scale-service', c: 'lab', s: 'api', n: 2 });
    expect(proposeButton('x', { a: 'container-insights', c: 'lab', i: 'enabled' }).action_id).toBe(
      ACTIONS.changePropose,
    );
  });

  it('says why a rollout timed out', () => {
    const line = rolloutTimeoutLine(
      { kind: 'service', target: 'lab/api', desired: 4, desiredNow: 4, running: 1, pending: 3 },
      15 * 60_000,
      'Check the service events.',
    );
    expect(line).toBe(
      ':warning: Not reached after 15 min: `lab/api`: 1/4 tasks running · 3 pending. Check the service events. The bot stops following here.',
    );
  });
});

describe('the audit log', () => {
  const entry = (i: number, o: Partial<AuditEntry> = {}): AuditEntry => ({
    id: i,
    at: Date.UTC(2026, 10, 28, 3, i % 60),
    actor: 'U0ALICE',
    action: 'scale-service',
    target: 'lab/api',
    outcome: 'succeeded',
    requestId: `req${i}abcdef`,
    approver: 'U0BOB',
    before: 1,
    after: { desired: 4 },
    awsRequestId: 'aws-1',
    ...o,
  });

  it('writes one line per entry with before → after, who and the AWS request id', () => {
    expect(auditLine(entry(1))).toContain(
      '*succeeded* · scale-service `lab/api` · 1 → 4 · by <@U0ALICE> · approved by <@U0BOB> · request `req1abcdef` · AWS `aws-1`',
    );
    expect(auditLine(entry(2, { outcome: 'failed', error: '<!here> boom' }))).toContain('&lt;!here&gt; boom');
  });

  it('fits 50 entries with long errors within Slack limits and says how many it shows', () => {
    const r = renderAuditLog(
      Array.from({ length: 50 }, (_, i) => entry(i, { outcome: 'failed', error: 'e'.repeat(1000) })),
      { requested: 50 },
    );
    expectWithinLimits(r.blocks as any[]);
    expect(JSON.stringify(r.blocks)).toMatch(/Showing \d+ of 50/);
  });

  it('says when nothing is audited', () => {
    expect(renderAuditLog([], { requested: 10 }).text).toBe('Nothing audited yet.');
  });
});

describe('scale suggestions', () => {
  it('shows the counts, at most five buttons and the commands to type', () => {
    const r = renderScaleSuggestions({
      cluster: 'lab',
      service: { name: 'api', desired: 4, running: 1, pending: 3 },
      suggestions: Array.from({ length: 7 }, (_, i) => ({
        label: `s${i}`,
        value: { a: 'scale-service' as const, c: 'lab', s: 'api', n: i },
        command: `/ecs scale service lab/api ${i}`,
      })),
    });
    const actions = (r.blocks as any[]).find((b) => b.type === 'actions');
    expect(actions.elements).toHaveLength(5);
    expect(JSON.stringify(r.blocks)).toContain('desired 4 · running 1 · pending 3');
    expect(JSON.stringify(r.blocks)).toContain('`/ecs scale service lab/api 4`');
    expectWithinLimits(r.blocks as any[]);
  });
});
