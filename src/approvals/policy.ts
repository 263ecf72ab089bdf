import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import { clusterMatches, type PolicyAction, type PolicyFile } from './policy-file';
import type { ChangeAction } from './types';
import type { ScaleBounds } from '../ecs/bounds';

/** The rules that apply to one cluster and action. */
export interface EffectivePolicy {
  approvers: string[];
  requesters: string[];
  allowSelfApproval: boolean;
  /** Distinct approvers a change needs; with more than one, the requester's own approval never counts. */
  approvals: number;
  /** The bounds checked when a change is planned (MAX_DESIRED_TASKS, MAX_INSTANCES, MAX_STEP unless a rule sets them). */
  bounds: ScaleBounds;
  /** 1-based index of the policy-file rule that applied, if any (for messages). */
  rule?: number;
}

/** The bounds a rule sets itself, named after the rule (the others keep their settings' names). */
function boundSources(r: Partial<ScaleBounds>, name: string): Pick<ScaleBounds, 'sources'> {
  const keys = (['maxDesiredTasks', 'maxInstances', 'maxStep'] as const).filter((k) => r[k] !== undefined);
  return keys.length ? { sources: Object.fromEntries(keys.map((k) => [k, name])) } : {};
}

export type Decision = { ok: true } | { ok: false; reason: string };

/** Looks up the members of a Slack user group (usergroups.users.list). */
export type GroupLookup = (groupId: string) => Promise<string[]>;

const isGroup = (id: string) => id.startsWith('S');

/**
 * Who may do what: request and approve a change, cancel someone else's query, run the doctor. Every
 * such question in the bot is answered here, from the settings refined by the policy file. Approvers
 * and requesters are Slack user IDs and user group IDs (members resolved through Slack, cached
 * briefly). Deny by default: with no approver configured for a cluster and action, nobody can
 * approve, so the request is refused up front.
 */
export class ApprovalPolicy {
  private readonly groups: LRUCache<string, string[]>;

  constructor(
    private readonly settings: Config['policy'],
    private readonly file: PolicyFile | undefined,
    private readonly lookup: GroupLookup,
    groupTtlMs = 60_000,
  ) {
    this.groups = new LRUCache<string, string[]>({ max: 500, ttl: groupTtlMs });
  }

  /**
   * Environment settings refined by the first matching policy-file rule. A question about no cluster
   * (the doctor) matches only rules that name no clusters; one about no account (a single-account
   * install, or a change whose account is not known yet) only rules that name no accounts.
   */
  effective(cluster: string | undefined, action: PolicyAction, account?: string): EffectivePolicy {
    const s = this.settings;
    const base: EffectivePolicy = {
      approvers: s.approvers,
      requesters: s.requesters,
      allowSelfApproval: s.allowSelfApproval,
      approvals: 1,
      bounds: { maxDesiredTasks: s.maxDesiredTasks, maxInstances: s.maxInstances, maxStep: s.maxStep },
    };
    const rules = this.file?.rules ?? [];
    const i = rules.findIndex(
      (r) =>
        (!r.accounts || (account !== undefined && r.accounts.includes(account))) &&
        (!r.clusters || (cluster !== undefined && r.clusters.some((p) => clusterMatches(p, cluster)))) &&
        (!r.actions || r.actions.includes(action)),
    );
    if (i < 0) return base;
    const r = rules[i];
    return {
      approvers: r.approvers ?? base.approvers,
      requesters: r.requesters ?? base.requesters,
      allowSelfApproval: r.allowSelfApproval ?? base.allowSelfApproval,
      approvals: r.approvals ?? base.approvals,
      bounds: {
        maxDesiredTasks: r.maxDesiredTasks ?? base.bounds.maxDesiredTasks,
        maxInstances: r.maxInstances ?? base.bounds.maxInstances,
        maxStep: r.maxStep ?? base.bounds.maxStep,
        ...boundSources(r, `rule ${i + 1} of the policy file`),
      },
      rule: i + 1,
    };
  }

  private source(p: EffectivePolicy): string {
    return p.rule ? `rule ${p.rule} of the policy file` : 'APPROVERS';
  }

  async canRequest(userId: string, cluster: string, action: ChangeAction, account?: string): Promise<Decision> {
    const p = this.effective(cluster, action, account);
    if (p.approvers.length === 0) {
      return {
        ok: false,
        reason: `nobody may approve ${action} on ${cluster} (${this.source(p)} lists no approver), so changes are denied. An admin sets APPROVERS or the policy file.`,
      };
    }
    if (p.requesters.length > 0 && !(await this.isIn(userId, p.requesters))) {
      return {
        ok: false,
        reason: `you are not allowed to request ${action} on ${cluster} (${p.rule ? `rule ${p.rule} of the policy file` : 'REQUESTERS'}). Ask someone who is, or an approver.`,
      };
    }
    return { ok: true };
  }

  /**
   * Whether the user may approve the request. `approvalsNeeded` is what the request was made with;
   * when it asks for several approvers, the requester's own approval never counts, whatever
   * allowSelfApproval says.
   */
  async canApprove(
    userId: string,
    req: { requestedBy: string; cluster: string; action: ChangeAction; account?: string; approvalsNeeded?: number },
  ): Promise<Decision> {
    const p = this.effective(req.cluster, req.action, req.account);
    if (userId === req.requestedBy && (req.approvalsNeeded ?? 1) > 1) {
      return {
        ok: false,
        reason: `you requested this change, and it needs ${req.approvalsNeeded} approvers other than you.`,
      };
    }
    if (userId === req.requestedBy && !p.allowSelfApproval) {
      return { ok: false, reason: 'you requested this change, so someone else must approve it (four eyes).' };
    }
    if (!(await this.isIn(userId, p.approvers))) {
      return {
        ok: false,
        reason: `you are not an approver for ${req.action} on ${req.cluster} (${this.source(p)}). Nothing was changed.`,
      };
    }
    return { ok: true };
  }

  async canReject(userId: string, req: { cluster: string; action: ChangeAction; account?: string }): Promise<Decision> {
    const p = this.effective(req.cluster, req.action, req.account);
    if (!(await this.isIn(userId, p.approvers))) {
      return {
        ok: false,
        reason: `only an approver can reject this request (${this.source(p)}); the requester can cancel it.`,
      };
    }
    return { ok: true };
  }

  /** Only the requester withdraws a pending change request; approvers reject it instead. */
  canCancelRequest(userId: string, req: { requestedBy: string }): Decision {
    if (userId === req.requestedBy) return { ok: true };
    return { ok: false, reason: 'only the requester can cancel a request; approvers can reject it.' };
  }

  /** A query's starter may cancel it, and so may the approvers of `query-cancel` on its cluster. */
  async canCancelQuery(userId: string, q: { startedBy: string; cluster: string }): Promise<Decision> {
    if (userId === q.startedBy) return { ok: true };
    const p = this.effective(q.cluster, 'query-cancel');
    if (await this.isIn(userId, p.approvers)) return { ok: true };
    return {
      ok: false,
      reason: `only the person who started this query, or an approver for query-cancel on ${q.cluster} (${this.source(p)}), can cancel it.`,
    };
  }

  /** The doctor shows how the bot is set up: the approvers of `doctor` (rules without clusters) may run it. */
  async canRunDoctor(userId: string): Promise<Decision> {
    const p = this.effective(undefined, 'doctor');
    if (await this.isIn(userId, p.approvers)) return { ok: true };
    return { ok: false, reason: `only approvers (${this.source(p)}) can run /ecs doctor.` };
  }

  /** True when the user is listed directly or is a member of a listed user group. */
  async isIn(userId: string, ids: string[]): Promise<boolean> {
    if (ids.includes(userId)) return true;
    for (const g of ids.filter(isGroup)) {
      if ((await this.members(g)).includes(userId)) return true;
    }
    return false;
  }

  private async members(groupId: string): Promise<string[]> {
    const hit = this.groups.get(groupId);
    if (hit) return hit;
    const users = await this.lookup(groupId);
    this.groups.set(groupId, users);
    return users;
  }
}
