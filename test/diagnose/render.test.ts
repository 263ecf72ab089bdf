import { diagnose } from '../../src/ecs/diagnosis';
import type { Diagnosis, Finding } from '../../src/ecs/diagnosis/types';
import { decodeValue } from '../../src/slack/actions';
import { BLOCK_TEXT_BUDGET, renderDiagnosis } from '../../src/diagnose/render';
import { blockTextLength } from '../../src/slack/block-budget';
import { LIMITS } from '../../src/slack/limits';
import { healthyInput, labIncidentInput, NOW } from '../ecs/diagnosis-fixtures';
import { unsafeParts } from '../hostile/safe-mrkdwn';

/** Every limit the renderer promises, checked on any message. */
function expectWithinLimits(blocks: any[]): void {
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  let total = 0;
  for (const b of blocks) {
    total += blockTextLength(b);
    if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
      for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
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
  expect(total).toBeLessThanOrEqual(BLOCK_TEXT_BUDGET);
}

const textOf = (blocks: any[]) => JSON.stringify(blocks);

describe('the diagnosis renderer', () => {
  it('the lab: headline, the recommendation, two propose buttons that carry the thread, then the findings worst first', () => {
    const msg = renderDiagnosis(diagnose(labIncidentInput()), {
      requestedBy: 'U0ALICE',
      threadTs: '1700000001.000001',
    });
    expectWithinLimits(msg.blocks);
    const b = msg.blocks as any[];
    expect(b[0].text.text).toBe(
      ':red_circle: *Diagnosis of `EcsLabCluster/EcsLabApi`*: 1 of 4 tasks running, 3 tasks short for 12 min',
    );
    expect(b[1].text.text).toBe(
      '*Recommendation:* Each instance fits 1 task (memory: 512 MiB of 982 MiB), 4 tasks need 4 instances: scale the Auto Scaling group EcsLabAsg to 4 (max 1 → 4).',
    );
    const actions = b[2];
    expect(actions.type).toBe('actions');
    expect(actions.elements.map((e: any) => [e.text.text, e.action_id, e.style])).toEqual([
      ['Scale EcsLabAsg to 4 instances', 'change.propose:1', 'primary'],
      ['Scale EcsLabApi back to 1 task', 'change.propose:2', undefined],
    ]);
    expect(decodeValue(actions.elements[0].value)).toEqual({
      a: 'scale-instances',
      c: 'EcsLabCluster',
      n: 4,
      g: 'EcsLabAsg',
      r: expect.stringMatching(/^diagnose: /),
      t: '1700000001.000001',
    });
    expect(decodeValue(actions.elements[1].value)).toMatchObject({
      a: 'scale-service',
      c: 'EcsLabCluster',
      s: 'EcsLabApi',
      n: 1,
    });
    expect(b[3].elements[0].text).toMatch(/nothing changes until an approver approves it/);
    const findings = b
      .filter((x) => x.type === 'section')
      .slice(2)
      .map((x) => x.text.text.split('\n')[0]);
    expect(findings).toEqual([
      ':red_circle: *1 of 4 tasks running, 3 tasks short for 12 min*',
      ':red_circle: *ECS could not place tasks: insufficient memory (4 placement failures since the last steady state)*',
      ':red_circle: *Each instance fits 1 task (memory: 512 MiB of 982 MiB); 4 tasks need 4 instances, the cluster has 1*',
    ]);
    expect(textOf(b)).toContain(':white_check_mark: No task stopped in the last 1 h');
    expect(textOf(b)).toContain('asked by <@U0ALICE>');
    expect(msg.text).toMatch(
      /^Diagnosis of EcsLabCluster\/EcsLabApi: 1 of 4 tasks running.*Recommendation: each instance fits 1 task/,
    );
  });

  it('a healthy service: says so, nothing to do, no buttons', () => {
    const msg = renderDiagnosis(diagnose(healthyInput()));
    expectWithinLimits(msg.blocks);
    const b = msg.blocks as any[];
    expect(b[0].text.text).toBe(
      ':white_check_mark: *Diagnosis of `EcsLabCluster/EcsLabApi`*: Looks healthy: 1 of 1 tasks running',
    );
    expect(b[1].text.text).toBe('Nothing to do: no change is recommended.');
    expect(b.some((x) => x.type === 'actions')).toBe(false);
    expect(msg.text).toMatch(/Nothing to do\.$/);
  });

  it('escapes text from AWS: no mentions, links or markup injection', () => {
    const d = diagnose(labIncidentInput());
    const evil: Finding = {
      id: 'stopped-tasks',
      severity: 'warning',
      title: 'Task said <!channel> and @here <http://evil.example|click>',
      detail: 'reason: <@U123> & more',
      evidence: ['"OutOfMemoryError <!everyone>"'],
    };
    const msg = renderDiagnosis({ ...d, findings: [evil, ...d.findings] });
    // The shared checker reads every mrkdwn text as Slack would: no stray control sequence anywhere.
    expect(unsafeParts(msg)).toEqual([]);
    const s = textOf(msg.blocks);
    expect(s).not.toContain('<!channel>');
    expect(s).not.toContain('<!everyone>');
    expect(s).not.toContain('<http://evil');
    expect(s).not.toContain('<@U123>');
    expect(s).toContain('&lt;!channel&gt;');
    expect(s).toContain('@\u200dhere');
  });

  it('stays within Slack’s limits however much evidence there is, dropping the least severe evidence first and counting hidden findings', () => {
    const d = diagnose(labIncidentInput());
    const long = 'x'.repeat(900);
    const many: Finding[] = Array.from({ length: 40 }, (_, i) => ({
      id: `f${i}`,
      severity: i < 5 ? 'critical' : 'warning',
      title: `Finding ${i} ${long}`,
      detail: long.repeat(3),
      evidence: Array.from({ length: 30 }, (_, k) => `evidence ${k} ${long}`),
    }));
    const huge: Diagnosis = {
      ...d,
      cluster: 'c'.repeat(255),
      service: 's'.repeat(255),
      headline: long.repeat(5),
      findings: many,
      gaps: Array.from({ length: 20 }, () => long),
      recommendation: {
        ...d.recommendation!,
        summary: long.repeat(4),
        notes: [long, long],
        actions: d.recommendation!.actions.map((a) => ({
          ...a,
          label: `Scale ${'s'.repeat(255)} back to 1 task`,
          proposal: { ...a.proposal, s: 's'.repeat(255), c: 'c'.repeat(255) },
        })),
      },
    };
    const msg = renderDiagnosis(huge, { threadTs: '1700000001.000001' });
    expectWithinLimits(msg.blocks);
    const s = textOf(msg.blocks);
    expect(s).toMatch(/\d+ more findings not shown/);
    // The most severe finding keeps its place at the top.
    expect(s).toContain('Finding 0');
    expect(msg.text.length).toBeLessThanOrEqual(1000);
  });

  it('lists what could not be read', () => {
    const d = diagnose(
      healthyInput({
        gaps: ['stopped tasks: The bot’s AWS role may not call ecs:DescribeTasks (AccessDeniedException).'],
      }),
    );
    const s = textOf(renderDiagnosis(d).blocks);
    expect(s).toContain(
      ':warning: Not read, so not part of this diagnosis: stopped tasks: The bot’s AWS role may not call ecs:DescribeTasks',
    );
  });

  it('shows the time in the reader’s own time zone', () => {
    expect(textOf(renderDiagnosis(diagnose(healthyInput())).blocks)).toContain(`<!date^${Math.floor(NOW / 1000)}^`);
  });
});
