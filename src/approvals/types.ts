import type { AppContext } from '../context';

/**
 * Change requests: the public vocabulary of the approval flow. Every change to AWS is a proposal that
 * an executor plans (reads the current state, checks bounds, lists warnings), an approver approves,
 * and the same executor applies exactly once.
 */
export type ChangeAction = 'scale-service' | 'scale-instances' | 'container-insights' | 'alarm-create' | 'alarm-delete';

export const CHANGE_ACTIONS: readonly ChangeAction[] = [
  'scale-service',
  'scale-instances',
  'container-insights',
  'alarm-create',
  'alarm-delete',
];

export type InsightsValue = 'enabled' | 'enhanced' | 'disabled';

export interface ChangeProposal {
  action: ChangeAction;
  cluster: string;
  /** scale-service */
  service?: string;
  /** scale-service / scale-instances */
  desired?: number;
  /** container-insights */
  insights?: InsightsValue;
  /** alarm-create / alarm-delete: an executor registered by the alarms engineer interprets it. */
  alarm?: Record<string, unknown>;
  reason?: string;
}

/** Who asks, and where the approval card goes (a thread when threadTs is set). */
export interface Requester {
  userId: string;
  channelId: string;
  threadTs?: string;
}

/** A value as the card shows it and as the store compares it ("was X, now Y"). */
export interface StateValue {
  /** Compared with JSON equality before executing: must be plain JSON. */
  value: string | number | boolean | null;
  /** Human text, e.g. "1 task" or "enabled". */
  label: string;
}

/** What the rollout follower watches after a successful change; undefined means nothing to follow. */
export type FollowUp =
  | { kind: 'service'; cluster: string; service: string; desired: number }
  | { kind: 'instances'; cluster: string; group: string; desired: number };

/**
 * The plan an executor builds from the current state. It is stored with the request (JSON), shown on
 * the card and in a dry run, and handed back to `execute`. Everything in it must be plain JSON.
 */
export interface ChangePlan {
  action: ChangeAction;
  cluster: string;
  service?: string;
  /** What is changed, for the card and the audit: "EcsLabCluster/EcsLabApi", "EcsLabCluster · group EcsLabAsg". */
  target: string;
  /** One line: "Scale service EcsLabCluster/EcsLabApi from 1 to 4 tasks". Plain text (renderers escape it). */
  summary: string;
  /** The value re-read before executing; a difference stops the change. */
  current: StateValue;
  requested: StateValue;
  /** Facts about the target (plain text, one per line): running/pending, task size, min/max … */
  details: string[];
  /** Side effects stated plainly (plain text): "Max size is raised from 1 to 4 so the desired capacity fits." */
  effects: string[];
  /** What may undo or defeat the change (plain text). */
  warnings: string[];
  /** Executor-specific data needed by execute (group name, new max size …). */
  data: Record<string, unknown>;
}

/** What an executor reports after the change. */
export interface ExecutionResult {
  /** The state after the change (plain JSON, audited as `after`). */
  after: unknown;
  /** `$metadata.requestId` of the mutating call. */
  awsRequestId?: string;
  /** One line for the card: "Desired count is now 4." */
  summary: string;
  followUp?: FollowUp;
}

/**
 * One kind of change. Built-ins: scale-service, scale-instances, container-insights; issue 7 registers
 * alarm-create and alarm-delete with `registerExecutor`. Every mutating AWS call of the bot lives in an
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

export type ChangeStatus = 'pending' | 'executing' | 'succeeded' | 'failed' | 'rejected' | 'cancelled' | 'expired';

export const FINAL_STATUSES: readonly ChangeStatus[] = ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'];

/**
 * The value of an `ACTIONS.changePropose` button (compact JSON). Clicking it calls requestChange with
 * the clicker as requester; it never changes anything by itself. `t` optionally names the thread the
 * request card goes to. In one actions block, give each propose button its own action_id by suffixing
 * it (`${ACTIONS.changePropose}:1`, `:2` …): the listener matches the prefix.
 */
export interface ProposeButtonValue {
  a: ChangeAction;
  c: string;
  s?: string;
  n?: number;
  i?: InsightsValue;
  r?: string;
  t?: string;
}
