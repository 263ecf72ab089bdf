import { diagnose } from '../../../src/ecs/diagnosis';
import { chooseGroup } from '../../../src/ecs/diagnosis/groups';
import type { AsgInfo } from '../../../src/ecs/diagnosis/types';
import { instance, labIncidentInput, taskDef } from '../diagnosis-fixtures';

const group = (name: string, instanceType: string | undefined, o: Partial<AsgInfo> = {}): AsgInfo => ({
  name,
  min: 1,
  max: 10,
  desired: 1,
  instanceType,
  launching: 0,
  foundBy: 'capacity provider',
  ...o,
});

/** The lab incident (512 MiB tasks, 3 waiting) on a cluster fed by the given groups, with these instances. */
function several(groups: AsgInfo[], instances = [instance({ id: 'a'.repeat(32), asgName: 'Micro' })]) {
  return labIncidentInput({ asg: undefined, asgs: groups, instances });
}

describe('choosing among several Auto Scaling groups', () => {
  it('one group: no choice to make (the cluster’s group is used as before)', () => {
    expect(chooseGroup(labIncidentInput())).toBeUndefined();
  });

  it('picks the group whose instances hold the most tasks, and the recommendation scales it by name', () => {
    const input = several(
      [group('Micro', 't3.micro'), group('Medium', 't3.medium')],
      [
        instance({ id: 'a'.repeat(32), asgName: 'Micro', used: { cpu: 256, memory: 512 } }),
        instance({ id: 'b'.repeat(32), type: 't3.medium', memory: 3910, asgName: 'Medium' }),
      ],
    );
    expect(chooseGroup(input)).toMatchObject({ chosen: { name: 'Medium' } });
    const d = diagnose({ ...input, service: { ...input.service, desired: 12 } });
    const up = d.recommendation!.actions.find((a) => a.proposal.a === 'scale-instances')!;
    expect(up.proposal).toMatchObject({ a: 'scale-instances', g: 'Medium' });
    expect(d.recommendation!.summary).toContain('scale the Auto Scaling group Medium');
    expect(d.recommendation!.notes.join('\n')).toContain(
      'Medium is the group to scale: its t3.medium instances fit 7 tasks each',
    );
  });

  it('a tie goes to the first name, so the answer does not depend on the order AWS lists the groups', () => {
    const insts = [instance({ asgName: 'B' }), instance({ asgName: 'A' })];
    expect(chooseGroup(several([group('B', 't3.micro'), group('A', 't3.micro')], insts))?.chosen?.name).toBe('A');
    expect(chooseGroup(several([group('A', 't3.micro'), group('B', 't3.micro')], insts))?.chosen?.name).toBe('A');
  });

  it('none fits: no group chosen, no instance scaling offered, and the reason names each group', () => {
    const input = several(
      [group('Micro', 't3.micro'), group('Small', 't3.small')],
      [instance({ asgName: 'Micro' }), instance({ type: 't3.small', memory: 1939, asgName: 'Small' })],
    );
    const big = { ...input, taskDefinition: taskDef({ memory: 4096 }) };
    const c = chooseGroup(big)!;
    expect(c.chosen).toBeUndefined();
    expect(c.why).toContain('no Auto Scaling group of the cluster has an instance type that fits a task');
    expect(c.why).toContain('Small: t3.small instances fit 0 tasks when empty (memory: 4096 MiB of 1939 MiB)');
    const d = diagnose(big);
    expect(d.recommendation!.actions.filter((a) => a.proposal.a === 'scale-instances')).toEqual([]);
    expect(d.recommendation!.summary).toContain('use a larger instance type or a smaller task');
  });

  it('a group whose type has no instance in the cluster cannot be measured: said, never chosen blindly', () => {
    const input = several(
      [group('Micro', 't3.micro'), group('Spare', 'm5.large', { desired: 0 })],
      [instance({ asgName: 'Micro' })],
    );
    const big = { ...input, taskDefinition: taskDef({ memory: 2048 }) };
    const c = chooseGroup(big)!;
    expect(c.chosen).toBeUndefined();
    expect(c.why).toContain('Spare cannot be measured: if its instances are larger, scale it with');
    expect(c.why).toContain('/ecs scale instances EcsLabCluster N --group NAME');
    expect(diagnose(big).recommendation!.actions.filter((a) => a.proposal.a === 'scale-instances')).toEqual([]);

    const none = several([group('X', undefined), group('Y', undefined)], []);
    expect(chooseGroup(none)!.why).toContain("the bot cannot measure the instance type of any of the cluster's 2");
    expect(diagnose(none).recommendation!.summary).toContain('--group NAME');
  });
});
