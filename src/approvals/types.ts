import type { AppContext } from '../context';
import type {
  ChangeAction,
  ChangePlan,
  ChangeProposal,
  ChangeStatus,
  ExecutionResult,
  InsightsValue,
  StateValue,
} from '../store/change-requests';

export type {
  ChangeAction,
  ChangePlan,
  ChangeProposal,
  ChangeStatus,
  ExecutionResult,
  FollowUp,
  InsightsValue,
  StateValue,
} from '../store/change-requests';

/**
 * Change requests: the public vocabulary of the approval flow. Every change to AWS is a proposal that
 * an executor plans (reads the current state, checks bounds, lists warnings), an approver approves,
 * and the same executor applies exactly once. The shapes a request stores (proposal, plan, result)
 * are declared with its table in store/change-requests.ts.
 */

export const CHANGE_ACTIONS: readonly ChangeAction[] = [
  'scale-service',
  'scale-instances',
  'container-insights',
  'restart-service',
  'rollback-service',
  'alarm-create',
  'alarm-delete',
];

/** Who asks, and where the approval card goes (a thread when threadTs is set). */
export interface Requester {
  userId: string;
  channelId: string;
  threadTs?: string;
}

/**
 * One kind of change. Built-ins: scale-service, scale-instances, container-insights, restart-service,
 * rollback-service; alarm-admin
 * declares alarm-create and alarm-delete (an ExecutorDeclaration each). Every mutating AWS call of the bot lives in an
 * executor's `execute`, and `execute` is only ever called by the approval flow after the atomic
 * pending → executing transition.
 */
export interface ChangeExecutor {
  /**
   * Checks the proposal's shape without calling AWS (throw UsageError), e.g. that `desired` is a whole
   * number. Optional: the flow already checks the action, the cluster name and the reason.
   */
  validate?(proposal: ChangeProposal): void;
  /**
   * Reads the current state and builds the plan. Refuse with UsageError (nothing to change, bad input),
   * ForbiddenError (above a configured bound), NotFoundError or AwsError.
   */
  plan(ctx: AppContext, proposal: ChangeProposal): Promise<ChangePlan>;
  /** Re-reads the value that `plan.current` captured, just before executing. */
  readCurrent(ctx: AppContext, plan: ChangePlan): Promise<StateValue>;
  /** Applies the change once. Throws (AwsError) when AWS refuses; the flow records the failure. */
  execute(ctx: AppContext, plan: ChangePlan): Promise<ExecutionResult>;
}

export const FINAL_STATUSES: readonly ChangeStatus[] = ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'];

/**
 * The value of an `ACTIONS.changePropose` button (compact JSON). Clicking it calls requestChange with
 * the clicker as requester; it never changes anything by itself. `t` optionally names the thread the
 * request card goes to. In one actions block, give each propose button its own action_id by suffixing
 * it (`${ACTIONS.changePropose}:1`, `:2` …): the listener matches the prefix. `ac` and `rg` name the
 * account and region (several accounts or regions), so the request is made where the button was shown.
 *
 * A rollback button: `{ a: 'rollback-service', c, s, td: 'family:N', ac?, rg? }`; without `td` the request
 * goes back to the previous revision that ran steady (as `/ecs rollback c/s` does). The executor checks the
 * revision again (same family, exists, ACTIVE), so a stale button is refused with the reason.
 */
export interface ProposeButtonValue {
  a: ChangeAction;
  c: string;
  s?: string;
  n?: number;
  /** scale-instances: the Auto Scaling group, when the cluster has several. */
  g?: string;
  i?: InsightsValue;
  /** The reason the request is pre-filled with. */
  r?: string;
  /** rollback-service: the task-definition revision to deploy, `family:N` (of the service's family). */
  td?: string;
  t?: string;
  /** The configured account and region the change is in (several accounts or regions). */
  ac?: string;
  rg?: string;
}
