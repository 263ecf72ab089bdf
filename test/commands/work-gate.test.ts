import { WorkGate } from '../../src/commands/work-gate';

describe('WorkGate', () => {
  it('admits up to the concurrency at once, queues in order up to the limit, and refuses beyond', async () => {
    const gate = new WorkGate(2, 2);
    expect(await gate.enter()).toBe(true);
    expect(await gate.enter()).toBe(true);
    const order: string[] = [];
    const third = gate.enter().then((ok) => order.push(`third:${ok}`));
    const fourth = gate.enter().then((ok) => order.push(`fourth:${ok}`));
    expect(gate.load).toBe(4);
    expect(await gate.enter()).toBe(false); // queue full: refused at once, nothing admitted
    expect(gate.load).toBe(4);
    gate.leave();
    await third;
    expect(order).toEqual(['third:true']);
    gate.leave();
    await fourth;
    expect(order).toEqual(['third:true', 'fourth:true']);
    gate.leave();
    gate.leave();
    expect(gate.load).toBe(0);
    expect(await gate.enter()).toBe(true);
  });
});
