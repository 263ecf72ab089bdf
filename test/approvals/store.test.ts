import { describeEachStore, openTestStore } from '../helpers/stores';
import { sampleRequest } from './fixtures';

describeEachStore('change requests repository', (get) => {
  it('creates a pending request and reads it back with its plan and proposal', async () => {
    const s = get();
    const created = await s.changeRequests.create(sampleRequest('req-000001', { reason: 'lab "incident" <3' }));
    expect(created).toMatchObject({
      id: 'req-000001',
      status: 'pending',
      requestedBy: 'U0ALICE',
      reason: 'lab "incident" <3',
    });
    const back = await s.changeRequests.get('req-000001');
    expect(back?.plan.current).toEqual({ value: 1, label: '1 task' });
    expect(back?.proposal).toEqual({
      action: 'scale-service',
      cluster: 'EcsLabCluster',
      service: 'EcsLabApi',
      desired: 4,
    });
    expect(back?.expiresAt).toBe(1_000 + 15 * 60_000);
    expect(await s.changeRequests.get('nope')).toBeUndefined();
    await s.changeRequests.setCard('req-000001', 'C0OPS', '1700000001.000001');
    expect(await s.changeRequests.get('req-000001')).toMatchObject({
      cardChannel: 'C0OPS',
      cardTs: '1700000001.000001',
    });
  });

  it('hands pending → executing to exactly one of many concurrent claims', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-race01'));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.changeRequests.claimForExecution('req-race01', `U0APPROVER${i}`, 2_000)),
    );
    const winners = results.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: 'executing', decidedAt: 2_000 });
    const row = await s.changeRequests.get('req-race01');
    expect(row?.decidedBy).toBe(winners[0]!.decidedBy);
  });

  it('needs as many distinct approvals as the request asks for, and runs once however many race', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-two001', { approvalsNeeded: 2 }));
    const first = await s.changeRequests.approve('req-two001', 'U0BOB', 2_000);
    expect(first).toEqual({ added: true, claimed: undefined, approvals: ['U0BOB'] });
    // The same approver again counts once.
    expect(await s.changeRequests.approve('req-two001', 'U0BOB', 2_001)).toEqual({
      added: false,
      claimed: undefined,
      approvals: ['U0BOB'],
    });
    expect((await s.changeRequests.get('req-two001'))?.status).toBe('pending');
    const second = await s.changeRequests.approve('req-two001', 'U0CAROL', 2_002);
    expect(second.claimed).toMatchObject({
      status: 'executing',
      decidedBy: 'U0CAROL',
      approvals: ['U0BOB', 'U0CAROL'],
    });
    expect(second.claimed?.approvalsNeeded).toBe(2);

    // 20 concurrent clicks by different approvers: exactly one wins the transition.
    await s.changeRequests.create(sampleRequest('req-two002', { approvalsNeeded: 2 }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.changeRequests.approve('req-two002', `U0APPROVER${i}`, 2_000)),
    );
    expect(results.filter((r) => r.claimed !== undefined)).toHaveLength(1);
    expect((await s.changeRequests.get('req-two002'))?.status).toBe('executing');
    // Approvals after the transition are not recorded.
    expect((await s.changeRequests.approve('req-two002', 'U0LATE', 2_001)).added).toBe(false);
    // A request made before the column existed, or without the key, needs one.
    await s.changeRequests.create(sampleRequest('req-one001'));
    expect((await s.changeRequests.approve('req-one001', 'U0BOB', 2_000)).claimed?.status).toBe('executing');
  });

  it('refuses to claim an expired, rejected or cancelled request', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-expire', { expiresAt: 5_000 }));
    expect(await s.changeRequests.claimForExecution('req-expire', 'U0BOB', 5_000)).toBeUndefined();
    expect((await s.changeRequests.get('req-expire'))?.status).toBe('pending');

    await s.changeRequests.create(sampleRequest('req-reject'));
    expect(await s.changeRequests.decide('req-reject', 'rejected', 'U0BOB', 2_000)).toMatchObject({
      status: 'rejected',
      decidedBy: 'U0BOB',
    });
    expect(await s.changeRequests.claimForExecution('req-reject', 'U0CAROL', 2_001)).toBeUndefined();

    await s.changeRequests.create(sampleRequest('req-cancel'));
    expect(await s.changeRequests.decide('req-cancel', 'cancelled', 'U0BOB', 2_000)).toBeUndefined(); // not the requester
    expect(await s.changeRequests.decide('req-cancel', 'cancelled', 'U0ALICE', 2_000)).toMatchObject({
      status: 'cancelled',
    });
    expect(await s.changeRequests.claimForExecution('req-cancel', 'U0BOB', 2_001)).toBeUndefined();
  });

  it('finishes an executing request once', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-finish'));
    expect(await s.changeRequests.finish('req-finish', { status: 'succeeded' }, 3_000)).toBeUndefined(); // still pending
    await s.changeRequests.claimForExecution('req-finish', 'U0BOB', 2_000);
    const done = await s.changeRequests.finish(
      'req-finish',
      { status: 'succeeded', result: { after: { desired: 4 }, summary: 'ok' } },
      3_000,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      finishedAt: 3_000,
      result: { after: { desired: 4 }, summary: 'ok' },
    });
    expect(await s.changeRequests.finish('req-finish', { status: 'failed', error: 'late' }, 4_000)).toBeUndefined();
  });

  it('expires only due pending requests, each once', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-due001', { expiresAt: 10_000 }));
    await s.changeRequests.create(sampleRequest('req-later1', { expiresAt: 50_000 }));
    await s.changeRequests.create(sampleRequest('req-gone01', { expiresAt: 10_000 }));
    await s.changeRequests.decide('req-gone01', 'rejected', 'U0BOB', 5_000);
    const [a, b] = await Promise.all([s.changeRequests.expireDue(10_000), s.changeRequests.expireDue(10_000)]);
    expect([...a, ...b].map((r) => r.id)).toEqual(['req-due001']);
    expect((await s.changeRequests.get('req-later1'))?.status).toBe('pending');
    expect((await s.changeRequests.get('req-gone01'))?.status).toBe('rejected');
  });

  it('marks requests stuck in executing as failed, never back to pending', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-stuck1'));
    await s.changeRequests.claimForExecution('req-stuck1', 'U0BOB', 2_000);
    expect(await s.changeRequests.failInterrupted(1_000, 9_000, 'interrupted')).toEqual([]);
    const failed = await s.changeRequests.failInterrupted(2_000, 9_000, 'interrupted');
    expect(failed.map((r) => [r.id, r.status, r.error])).toEqual([['req-stuck1', 'failed', 'interrupted']]);
    expect(await s.changeRequests.claimForExecution('req-stuck1', 'U0CAROL', 9_001)).toBeUndefined();
  });

  it('lists requests newest first, filtered by status', async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-list01', { createdAt: 1 }));
    await s.changeRequests.create(sampleRequest('req-list02', { createdAt: 2 }));
    await s.changeRequests.decide('req-list01', 'rejected', 'U0BOB', 3);
    expect((await s.changeRequests.list()).map((r) => r.id)).toEqual(['req-list02', 'req-list01']);
    expect((await s.changeRequests.list({ statuses: ['pending'] })).map((r) => r.id)).toEqual(['req-list02']);
  });

  it("lists one service's requests newest first, and no other service's", async () => {
    const s = get();
    await s.changeRequests.create(sampleRequest('req-svc001', { createdAt: 1 }));
    await s.changeRequests.create(sampleRequest('req-svc002', { createdAt: 3 }));
    await s.changeRequests.create(sampleRequest('req-svc003', { createdAt: 2, service: 'Other' }));
    await s.changeRequests.create(sampleRequest('req-svc004', { createdAt: 4, cluster: 'OtherCluster' }));
    expect((await s.changeRequests.forService('EcsLabCluster', 'EcsLabApi')).map((r) => r.id)).toEqual([
      'req-svc002',
      'req-svc001',
    ]);
    expect((await s.changeRequests.forService('EcsLabCluster', 'EcsLabApi', 1)).map((r) => r.id)).toEqual([
      'req-svc002',
    ]);
  });
});

describeEachStore('rollouts repository', (get) => {
  const target = { kind: 'service' as const, cluster: 'EcsLabCluster', service: 'EcsLabApi', desired: 4 };
  const base = {
    requestId: 'req-1',
    target,
    channel: 'C0OPS',
    threadTs: '1700000001.000001',
    startedAt: 1_000,
    deadlineAt: 100_000,
    nextPollAt: 1_000,
  };

  it('leases a due rollout to one follower, and to another only after the lease lapses', async () => {
    const s = get();
    await s.rollouts.create({ id: 'ro-1', ...base });
    const [a, b] = await Promise.all([
      s.rollouts.claimDue('A', 1_000, 60_000),
      s.rollouts.claimDue('B', 1_000, 60_000),
    ]);
    expect(a.length + b.length).toBe(1);
    const owner = a.length ? 'A' : 'B';
    expect((a[0] ?? b[0]).target).toEqual(target);
    expect(await s.rollouts.claimDue('C', 30_000, 60_000)).toEqual([]);
    const taken = await s.rollouts.claimDue('C', 61_000, 60_000);
    expect(taken.map((r) => r.leaseOwner)).toEqual(['C']);
    // The first owner lost its lease: its late write is refused.
    expect(await s.rollouts.progress('ro-1', owner, { lastProgress: 'x', nextPollAt: 70_000 })).toBe(false);
    expect(await s.rollouts.progress('ro-1', 'C', { lastProgress: '2/4', nextPollAt: 76_000 })).toBe(true);
    expect(await s.rollouts.get('ro-1')).toMatchObject({
      lastProgress: '2/4',
      nextPollAt: 76_000,
      polls: 1,
      leaseOwner: undefined,
    });
  });

  it('does not lease before the next poll is due, and keeps the last progress when none is given', async () => {
    const s = get();
    await s.rollouts.create({ id: 'ro-2', ...base, requestId: 'req-2' });
    await s.rollouts.claimDue('A', 1_000, 60_000);
    await s.rollouts.progress('ro-2', 'A', { lastProgress: '1/4', nextPollAt: 16_000 });
    expect(await s.rollouts.claimDue('A', 15_999, 60_000)).toEqual([]);
    expect(await s.rollouts.claimDue('A', 16_000, 60_000)).toHaveLength(1);
    await s.rollouts.progress('ro-2', 'A', { nextPollAt: 31_000 });
    expect((await s.rollouts.get('ro-2'))?.lastProgress).toBe('1/4');
  });

  it('finishes once and then is never leased again', async () => {
    const s = get();
    await s.rollouts.create({ id: 'ro-3', ...base, requestId: 'req-3' });
    await s.rollouts.claimDue('A', 1_000, 60_000);
    expect(await s.rollouts.finish('ro-3', 'A', 'reached', 5_000, '4/4')).toBe(true);
    expect(await s.rollouts.finish('ro-3', 'A', 'timed-out', 6_000)).toBe(false);
    expect(await s.rollouts.get('ro-3')).toMatchObject({ status: 'reached', finishedAt: 5_000, lastProgress: '4/4' });
    expect(await s.rollouts.claimDue('A', 1_000_000, 60_000)).toEqual([]);
    expect(await s.rollouts.forRequest('req-3')).toMatchObject({ id: 'ro-3' });
    expect(await s.rollouts.listFollowing()).toEqual([]);
  });
});

describe('change requests across two PostgreSQL stores (two replicas)', () => {
  it('lets exactly one replica claim a request that both race for', async () => {
    const a = await openTestStore('postgres');
    const { openStore } = await import('../../src/store');
    const b = await openStore({ kind: 'postgres', url: a.url });
    try {
      await a.store.changeRequests.create(sampleRequest('req-replic'));
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a.store : b).changeRequests.claimForExecution('req-replic', `U0APPROVER${i}`, 2_000),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    } finally {
      await b.close();
      await a.cleanup();
    }
  });
});
