/**
 * What approvals offers the other features: requesting a change, registering the executor of a new kind
 * of change, who the policy names, and the change-request renderers. Other features import approvals only
 * through this file (lint: house/boundaries). The App Home decides requests with the card's own decisions.
 */
export { requestChange } from './request';
export { approveRequest, cancelRequest, rejectRequest } from './decide';
export { registerExecutor } from './registry';
export { policyFor } from './runtime';
export { actionTitle, proposeButton, renderDryRun, requestPostedText } from './render/change-request';
export { AUDIT_OUTCOME_ICON } from './render/audit-log';
export type { ChangeExecutor, ChangePlan, ChangeProposal, ProposeButtonValue, StateValue } from './types';
