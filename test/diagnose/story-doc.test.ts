import fs from 'node:fs';
import path from 'node:path';
import { diagnose } from '../../src/ecs/diagnosis';
import { renderDiagnosis, renderRecoveredLine, WATCH_NOTE } from '../../src/diagnose/render';
import { labIncidentInput } from '../ecs/diagnosis-fixtures';

// docs/diagnose.md tells the lab story with the messages the bot shows, and README.md quotes its last
// line; this keeps both from drifting apart from the renderers.
describe('docs/diagnose.md: the story from alarm to fix', () => {
  const ROOT = path.join(__dirname, '../..');
  const doc = fs.readFileSync(path.join(ROOT, 'docs/diagnose.md'), 'utf8');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const story = doc.slice(doc.indexOf('## The story: from alarm to fix'));
  const d = diagnose(labIncidentInput());
  const blocks = renderDiagnosis(d, { watching: true }).blocks as any[];
  const recovered = renderRecoveredLine({
    cluster: 'EcsLabCluster',
    service: 'EcsLabApi',
    desired: 4,
    running: 4,
    pending: 0,
    elapsedMs: 3 * 60_000,
  });

  it('has the section', () => {
    expect(doc).toContain('## The story: from alarm to fix');
  });

  it('quotes the recommendation, its buttons and notes as rendered', () => {
    expect(story).toContain(`**Recommendation:** ${blocks[1].text.text.replace('*Recommendation:* ', '')}`);
    for (const e of blocks[2].elements) expect(story).toContain(e.text.text);
    for (const line of blocks[3].elements[0].text.split('\n')) expect(story).toContain(line);
    expect(story).toContain(`> ${d.recommendation!.actions[0].proposal.r}\n`);
  });

  it('quotes the capacity finding and its evidence as rendered', () => {
    const capacity = d.findings.find((f) => f.id === 'capacity')!;
    expect(story).toContain(`**${capacity.title}**`);
    for (const line of capacity.evidence) expect(story).toContain(`• ${line}`);
    expect(story).toContain(WATCH_NOTE);
  });

  it('quotes the line that closes the loop, in the manual and on the front page', () => {
    expect(story).toContain(`> ${recovered}\n`);
    expect(readme).toContain(`> ${recovered}\n`);
  });
});
