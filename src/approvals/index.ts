/**
 * The approval flow's public API. Other features propose changes with `requestChange` (or a propose
 * button, see `proposeButton` in slack/render/change-request.ts) and add kinds of change with
 * `registerExecutor`; nothing else in the bot calls a mutating AWS API.
 */
export { requestChange } from './request';
export { registerExecutor, executorFor } from './registry';
export { approvalsFeature } from './feature';
export { ApprovalPolicy } from './policy';
export { policyFor } from './runtime';
export type {
  ChangeAction,
  ChangeExecutor,
  ChangePlan,
  ChangeProposal,
  ExecutionResult,
  FollowUp,
  InsightsValue,
  ProposeButtonValue,
  Requester,
  StateValue,
} from './types';
