import type { AppContext } from '../context';
import { approveRequest, cancelRequest, rejectRequest } from './decide';
import type { ApprovalPolicy } from './policy';
import type { ExecutorRegistry } from './registry';
import { requestChange } from './request';
import type { ChangeRules } from './runtime';
import type { ChangePlan, ChangeProposal, Requester } from './types';

/**
 * The change requests of one bot, checked against its approval policy and made by the executors its
 * features declared: what other features are handed (features.ts) to request and decide changes
 * (alarm-admin's commands, the App Home) or to ask the policy who may (the doctor, query Cancel).
 */
export class Changes implements ChangeRules {
  constructor(
    private readonly ctx: AppContext,
    readonly policy: ApprovalPolicy,
    readonly executors: ExecutorRegistry,
  ) {}

  request(
    proposal: ChangeProposal,
    who: Requester,
    opts: { dryRun?: boolean } = {},
  ): Promise<{ requestId?: string; plan: ChangePlan }> {
    return requestChange(this.ctx, this, proposal, who, opts);
  }

  approve(id: string, userId: string): Promise<void> {
    return approveRequest(this.ctx, this, id, userId);
  }

  reject(id: string, userId: string): Promise<void> {
    return rejectRequest(this.ctx, this, id, userId);
  }

  cancel(id: string, userId: string): Promise<void> {
    return cancelRequest(this.ctx, this, id, userId);
  }
}
