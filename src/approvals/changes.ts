import type { AppContext } from '../context';
import { approveRequest, cancelRequest, rejectRequest } from './decide';
import type { ExecutorRegistry } from './registry';
import { requestChange } from './request';
import type { ChangePlan, ChangeProposal, Requester } from './types';

/**
 * The change requests of one bot, with the executors its features declared: what other features
 * (alarm-admin's commands, the App Home) are handed to request and decide changes.
 */
export class Changes {
  constructor(
    private readonly ctx: AppContext,
    readonly executors: ExecutorRegistry,
  ) {}

  request(
    proposal: ChangeProposal,
    who: Requester,
    opts: { dryRun?: boolean } = {},
  ): Promise<{ requestId?: string; plan: ChangePlan }> {
    return requestChange(this.ctx, this.executors, proposal, who, opts);
  }

  approve(id: string, userId: string): Promise<void> {
    return approveRequest(this.ctx, this.executors, id, userId);
  }

  reject(id: string, userId: string): Promise<void> {
    return rejectRequest(this.ctx, id, userId);
  }

  cancel(id: string, userId: string): Promise<void> {
    return cancelRequest(this.ctx, id, userId);
  }
}
