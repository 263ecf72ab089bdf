import { formatDoctorText } from '../../src/doctor/format-text';
import { renderDoctorReport } from '../../src/doctor/render';
import { checkCrashed, result, type CheckResult, type DoctorReport } from '../../src/doctor/types';
import { LIMITS } from '../../src/slack/limits';

const AT = Date.UTC(2026, 0, 2, 3, 4, 5);

function report(results: CheckResult[]): DoctorReport {
  return { results, region: 'eu-west-1', at: AT };
}

const mixed = report([
  result('slack.token', 'Slack token', 'pass', 'bot @ecs-ops (UBOT) in workspace Acme'),
  result(
    'slack.alarm-channel',
    'Alarm channel',
    'fail',
    'the bot is not a member of #ops (C1)',
    'In the channel, type /invite @ecs-ops.',
  ),
  result(
    'ecs.container-insights',
    'Container Insights',
    'warn',
    'off for 1 of 2 clusters: lab.',
    'Turn it on.',
    'aws ecs update-cluster-settings --cluster lab --settings name=containerInsights,value=enhanced',
  ),
  result('sns.subscription', 'SNS subscription', 'skip', 'skipped: the SNS topic check failed'),
]);

function allText(blocks: any[]): string {
  return blocks
    .map((b) => [b.text?.text, ...(b.elements ?? []).map((e: any) => e.text)].filter(Boolean).join('\n'))
    .join('\n');
}

describe('renderDoctorReport', () => {
  it('puts failures first, each with its fix and command, then warnings, skips and passes', () => {
    const msg = renderDoctorReport(mixed) as any;
    expect(msg.response_type).toBe('ephemeral');
    expect(msg.text).toBe('ECS ChatOps doctor: 1 failed, 1 warning, 1 passed, 1 skipped');
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'ECS ChatOps doctor' } });
    expect(msg.blocks[1].text.text).toBe(':x: *Something needs fixing.* 1 failed, 1 warning, 1 passed, 1 skipped');
    const sections = msg.blocks
      .filter((b: any) => b.type === 'section')
      .slice(1)
      .map((b: any) => b.text.text);
    expect(sections[0]).toBe(
      ':x: *Alarm channel* — the bot is not a member of #ops (C1)\n*Fix:* In the channel, type /invite @ecs-ops.',
    );
    expect(sections[1]).toContain(':warning: *Container Insights*');
    expect(sections[1]).toContain(
      '```aws ecs update-cluster-settings --cluster lab --settings name=containerInsights,value=enhanced```',
    );
    expect(sections[2]).toMatch(/^:fast_forward: \*SNS subscription\*/);
    expect(sections[3]).toBe(':white_check_mark: *Slack token* — bot @ecs-ops (UBOT) in workspace Acme');
    const context = msg.blocks.at(-1);
    expect(context.type).toBe('context');
    expect(context.elements[0].text).toContain('Region eu-west-1');
    expect(context.elements[0].text).toContain(`<!date^${AT / 1000}^`);
  });

  it('says all good when nothing failed', () => {
    const msg = renderDoctorReport(
      report([result('a', 'A', 'pass', 'fine'), result('b', 'B', 'warn', 'meh', 'do x')]),
    ) as any;
    expect(msg.blocks[1].text.text).toMatch(/^:white_check_mark: \*All good\.\* 0 failed, 1 warning, 1 passed$/);
  });

  it('escapes text from Slack and AWS so it cannot mention, link or close a code block', () => {
    const msg = renderDoctorReport(
      report([
        result(
          'x',
          'Evil <check>',
          'fail',
          'cluster <!channel> & @here <https://evil.example|click>',
          'run `rm` <now>',
          'echo ```oops``` <@U1>',
        ),
      ]),
    ) as any;
    const text = allText(msg.blocks);
    expect(text).not.toMatch(/<!channel>|<https:|<@U1>|<now>|<check>/);
    expect(text).toContain('&lt;!channel&gt; &amp; @\u200dhere');
    // Only the code block's own fences remain: the command's backticks are neutralised.
    const section = msg.blocks[2].text.text as string;
    expect(section.match(/```/g)).toHaveLength(2);
  });

  it('stays within Slack limits however many and however long the checks are', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      result(
        `c${i}`,
        `Check ${i}`,
        i % 3 === 0 ? 'pass' : i % 3 === 1 ? 'fail' : 'warn',
        'd & '.repeat(2000),
        'f'.repeat(3000),
        'x'.repeat(2000),
      ),
    );
    const msg = renderDoctorReport(report(many)) as any;
    expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    for (const b of msg.blocks) {
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.type === 'section') expect(b.text.text).not.toMatch(/&[a-z]*…$/);
    }
    expect(allText(msg.blocks).length).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
    expect(allText(msg.blocks)).toContain('more problems: run `npm run doctor` for the full list');
  });
});

describe('formatDoctorText', () => {
  it('prints one line per check in run order, with fix and command under it, and a summary', () => {
    const text = formatDoctorText(mixed);
    const lines = text.split('\n');
    expect(lines[0]).toBe('ecs-chatops doctor · region eu-west-1 · 2026-01-02T03:04:05.000Z');
    expect(lines[2]).toMatch(/^ {2}PASS {2}Slack token +bot @ecs-ops/);
    expect(lines[3]).toMatch(/^ {2}FAIL {2}Alarm channel +the bot is not a member/);
    expect(lines[4]).toMatch(/^ +fix: In the channel, type \/invite @ecs-ops\.$/);
    expect(text).toContain('$ aws ecs update-cluster-settings --cluster lab');
    expect(text).toContain('SKIP  SNS subscription');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Doctor: 1 failed, 1 warning, 1 passed, 1 skipped.');
    expect(text).not.toContain('\x1b[');
  });

  it('colours the labels only when asked, and strips control characters from AWS text', () => {
    const text = formatDoctorText(report([result('a', 'A', 'fail', 'bad\x1b[2Jname', 'fix')]), { color: true });
    expect(text).toContain('\x1b[31mFAIL\x1b[0m');
    expect(text).toContain('bad[2Jname');
    expect(text).not.toContain('\x1b[2J');
  });
});

describe('checkCrashed', () => {
  it('turns whatever a check threw into a failed check that names it', () => {
    expect(checkCrashed('aws.ecs', 'ECS read access', new Error('socket hang up'))).toEqual({
      id: 'aws.ecs',
      name: 'ECS read access',
      status: 'fail',
      ok: false,
      detail: 'the check itself failed: socket hang up',
      fix: 'Report this with the log line; the other checks still ran.',
    });
    // A thrown non-Error has no message: its text is named instead of "undefined".
    expect(checkCrashed('x', 'X', 'boom').detail).toBe('the check itself failed: boom');
  });
});
