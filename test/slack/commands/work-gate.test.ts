import { eventLoopPressure, WorkGate } from '../../../src/slack/commands/work-gate';

describe('WorkGate', () => {
  it('admits up to the concurrency at once, queues in order up to the limit, and refuses beyond', async () => {
    const gate = new WorkGate({ concurrency: 2, queueLimit: 2 });
    await gate.admit();
    await gate.admit();
    const order: string[] = [];
    const third = gate.admit()!.then(() => order.push('third'));
    const fourth = gate.admit()!.then(() => order.push('fourth'));
    expect(gate.load).toBe(4);
    expect(gate.admit()).toBeUndefined(); // queue full: refused at once, nothing admitted
    expect(gate.load).toBe(4);
    gate.leave();
    await third;
    expect(order).toEqual(['third']);
    gate.leave();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    gate.leave();
    gate.leave();
    expect(gate.load).toBe(0);
    expect(gate.admit()).toBeDefined();
  });

  it('shrinks to its under-pressure limits while the loop is saturated, and always lets one command through', async () => {
    const pressure = { high: true };
    const gate = new WorkGate({ concurrency: 8, queueLimit: 200 }, { concurrency: 1, queueLimit: 1 }, pressure);
    expect(gate.admit()).toBeDefined(); // nothing running: one always goes
    const queued = gate.admit();
    expect(queued).toBeDefined();
    expect(gate.admit()).toBeUndefined(); // 1 running + 1 waiting under pressure
    pressure.high = false;
    expect(gate.admit()).toBeDefined(); // the normal limits again: runs at once
    expect(gate.load).toBe(3);
    gate.leave();
    gate.leave();
    gate.leave();
    await queued;
    expect(gate.load).toBe(0);
    pressure.high = true;
    expect(gate.admit()).toBeDefined();
  });

  it('under pressure, admits at most `perSecond` commands a second, refilling with time', () => {
    let t = 0;
    const gate = new WorkGate(
      { concurrency: 8, queueLimit: 8 },
      { concurrency: 10, queueLimit: 10, perSecond: 2 },
      { high: true },
      () => t,
    );
    expect(gate.admit()).toBeDefined(); // nothing running: let through, and it counts against the rate
    expect(gate.admit()).toBeDefined();
    expect(gate.admit()).toBeUndefined(); // two a second: the bucket is empty
    expect(gate.load).toBe(2);
    t += 500; // half a second: one more token
    expect(gate.admit()).toBeDefined();
    expect(gate.admit()).toBeUndefined();
    t += 10_000; // the bucket holds one second's worth, not ten
    expect(gate.admit()).toBeDefined();
    expect(gate.admit()).toBeDefined();
    expect(gate.admit()).toBeUndefined();
    expect(gate.load).toBe(5);
  });
});

describe('eventLoopPressure', () => {
  it('turns high while the loop is kept busy and low again when it idles', async () => {
    const p = eventLoopPressure({ windowMs: 50, threshold: 0.8 });
    // Conditions awaited up to a generous cap, never a fixed delay: a loaded machine delays the
    // sampling timer, not the outcome.
    const cap = Date.now() + 10_000;
    try {
      // Keep the loop busy in slices (a timer must still get its turn to sample) until it says so.
      while (!p.high && Date.now() < cap) {
        const sliceEnd = Date.now() + 20;
        while (Date.now() < sliceEnd);
        await new Promise((r) => setImmediate(r));
      }
      expect(p.high).toBe(true);
      while (p.high && Date.now() < cap) await new Promise((r) => setTimeout(r, 25));
      expect(p.high).toBe(false);
    } finally {
      p.stop();
    }
  });
});
