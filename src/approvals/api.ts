/**
 * What approvals offers the other features: the Changes they are handed to request and decide changes
 * (alarm-admin's commands, the App Home), the shape of an executor a feature declares for its own kind
 * of change, who the policy names, the change-request renderers, and the changes the bot made to a
 * service (/ecs deployments). Other features import approvals
 * only through this file (lint: house/boundaries).
 */
export type { Changes } from './changes';
export type { ExecutorDeclaration } from './registry';
export type { ApprovalPolicy } from './policy';
export { actionTitle, proposeButton, renderDryRun, requestPostedText } from './render/change-request';
export { submitChange } from './commands/submit';
export { outcomeIcon } from './render/audit-log';
export { serviceChanges, type BotServiceChange } from './history';
export type { ChangeExecutor, ChangePlan, ChangeProposal, ProposeButtonValue, StateValue } from './types';
