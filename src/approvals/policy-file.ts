import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, SETTING_HELP } from '../config';
import { isAccountName } from '../aws/accounts-config';
import { CHANGE_ACTIONS, type ChangeAction } from './types';

/**
 * What a rule can govern: every kind of change, plus two questions that are not changes:
 * `query-cancel` (who, besides its starter, may cancel a Logs Insights query) and `doctor` (who may run
 * /ecs doctor; a cluster-less question, so only rules without `clusters` apply to it).
 */
export const POLICY_ACTIONS = [...CHANGE_ACTIONS, 'query-cancel', 'doctor'] as const;
export type PolicyAction = ChangeAction | 'query-cancel' | 'doctor';

const slackId = z.string().regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a Slack user (U…/W…) or user group (S…) ID');
const pattern = z.string().regex(/^[A-Za-z0-9_*-]{1,255}$/, 'must be a cluster name, optionally with * wildcards');

const accountName = z.string().refine(isAccountName, 'must be an account name as in AWS_ACCOUNTS');
const bound = z.number().int().min(0).max(1_000_000);

const ruleSchema = z
  .object({
    /** Account names (AWS_ACCOUNTS) whose changes the rule covers (default: every account). */
    accounts: z.array(accountName).min(1).optional(),
    /** Cluster names or patterns with * (default: every cluster). */
    clusters: z.array(pattern).min(1).optional(),
    /** Actions the rule covers (default: every action). */
    actions: z
      .array(z.enum(POLICY_ACTIONS as unknown as [PolicyAction, ...PolicyAction[]]))
      .min(1)
      .optional(),
    /** Replace APPROVERS for matching requests; [] means nobody may approve (denied). */
    approvers: z.array(slackId).optional(),
    /** Replace REQUESTERS for matching requests; [] means everyone may request. */
    requesters: z.array(slackId).optional(),
    allowSelfApproval: z.boolean().optional(),
    /** Distinct approvers a matching change needs (default 1); the requester's own approval never counts. */
    approvals: z.number().int().min(1).max(5).optional(),
    /** Replace MAX_DESIRED_TASKS, MAX_INSTANCES and MAX_STEP for matching changes. */
    maxDesiredTasks: bound.optional(),
    maxInstances: bound.optional(),
    maxStep: bound.optional(),
  })
  .strict();

export const policyFileSchema = z
  .object({
    /** First matching rule wins; fields it does not set come from the environment settings. */
    rules: z.array(ruleSchema),
  })
  .strict();

export type PolicyFile = z.infer<typeof policyFileSchema>;

/** Parses policy JSON; throws ConfigError (POLICY_FILE) listing every problem with its path. */
export function parsePolicy(text: string, source = 'POLICY_FILE'): PolicyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([
      {
        setting: 'POLICY_FILE',
        message: `${source} is not valid JSON: ${(err as Error).message}`,
        help: SETTING_HELP.POLICY_FILE,
      },
    ]);
  }
  const parsed = policyFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        setting: 'POLICY_FILE',
        message: `${source}: ${i.path.length ? i.path.join('.') : '(top level)'} ${i.message}`,
        help: SETTING_HELP.POLICY_FILE,
      })),
    );
  }
  return parsed.data;
}

/** Reads and validates the policy file at start, so a typo stops the bot instead of widening access. */
export function loadPolicyFile(path: string): PolicyFile {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        setting: 'POLICY_FILE',
        message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        help: SETTING_HELP.POLICY_FILE,
      },
    ]);
  }
  return parsePolicy(text, path);
}

/** `prod-*` style patterns: * matches any run of characters. */
export function clusterMatches(pattern: string, cluster: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(cluster);
}
