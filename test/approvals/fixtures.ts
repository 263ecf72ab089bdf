import type { ChangePlan, ChangeProposal } from '../../src/approvals/types';
import type { NewChangeRequest } from '../../src/store/change-requests';

/** A scale-service plan as an executor would build it (1 → 4 tasks). */
export function samplePlan(o: Partial<ChangePlan> = {}): ChangePlan {
  return {
    action: 'scale-service',
    cluster: 'EcsLabCluster',
    service: 'EcsLabApi',
    target: 'EcsLabCluster/EcsLabApi',
    summary: 'Scale service EcsLabCluster/EcsLabApi from 1 to 4 tasks',
    current: { value: 1, label: '1 task' },
    requested: { value: 4, label: '4 tasks' },
    details: ['Running 1 · pending 0 · desired 1', 'Task size 256 CPU units / 512 MiB (EcsLabApi:1)'],
    effects: [],
    warnings: [],
    data: {},
    ...o,
  };
}

export function sampleRequest(id: string, o: Partial<NewChangeRequest> = {}): NewChangeRequest {
  const proposal: ChangeProposal = {
    action: 'scale-service',
    cluster: 'EcsLabCluster',
    service: 'EcsLabApi',
    desired: 4,
  };
  return {
    id,
    action: 'scale-service',
    cluster: 'EcsLabCluster',
    service: 'EcsLabApi',
    target: 'EcsLabCluster/EcsLabApi',
    proposal,
    plan: samplePlan(),
    requestedBy: 'U0ALICE',
    channelId: 'C0OPS',
    createdAt: 1_000,
    expiresAt: 1_000 + 15 * 60_000,
    ...o,
  };
}

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
