import { diagnose } from '../../src/ecs/diagnosis';
import { diagnosisGraph } from '../../src/diagnose/graph';
import { renderDiagnosis } from '../../src/diagnose/render';
import { graphNote, imageBlock } from '../../src/graphs/api';
import { healthyInput, labIncidentInput } from '../ecs/diagnosis-fixtures';

const image = imageBlock('F1', 'Graph of the tasks');
const sectionIndex = (blocks: any[], text: string) =>
  blocks.findIndex((b) => b.type === 'section' && String(b.text.text).includes(text));

describe('the graph of a diagnosis', () => {
  it('the lab: the pending-tasks graph, placed right after the capacity finding', () => {
    const input = labIncidentInput();
    const d = diagnose(input);
    const g = diagnosisGraph(input, d, { region: 'eu-west-1' })!;
    expect(g.after).toBe('capacity');
    expect(g.spec.widget.region).toBe('eu-west-1');
    const plain = renderDiagnosis(d).blocks;
    const withImage = renderDiagnosis(d, { graph: { after: g.after, image } }).blocks as any[];
    const at = withImage.indexOf(image);
    expect(at).toBeGreaterThan(0);
    expect(withImage.filter((b) => b !== image)).toEqual(plain);
    const capacity = d.findings.find((f) => f.id === 'capacity')!;
    // The capacity finding's blocks (title, evidence) come just before the image.
    expect(sectionIndex(withImage, capacity.title.slice(0, 30))).toBeLessThan(at);
    expect(withImage[at + 1]?.type === 'section' || withImage[at + 1]?.type === 'context').toBe(true);
  });

  it('a finding that is not shown puts the image after the findings; a note goes in the footer once', () => {
    const d = diagnose(labIncidentInput());
    const blocks = renderDiagnosis(d, { graph: { after: 'nowhere', image } }).blocks;
    expect(blocks.indexOf(image)).toBeGreaterThan(0);
    const noted = renderDiagnosis(d, { graph: { after: 'capacity', note: graphNote('upload-denied') } }).blocks;
    expect(JSON.stringify(noted).match(/No graph/g)).toHaveLength(1);
    expect(noted.some((b) => b.type === 'image')).toBe(false);
  });

  it('a healthy service has no graph', () => {
    const input = healthyInput();
    expect(diagnosisGraph(input, diagnose(input), { region: 'us-east-1' })).toBeUndefined();
  });
});
