import fs from 'node:fs';
import path from 'node:path';
import { parseCfn } from './cfn-yaml';

const ROOT = path.resolve(__dirname, '../..');

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const policy = JSON.parse(fs.readFileSync(path.join(ROOT, 'iam-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const actionsOf = (s: Statement) => [s.Action].flat();
const allActions = policy.Statement.flatMap(actionsOf);

/**
 * The mutating actions the bot may perform: what an approved change request executes, the bot's own
 * SNS subscription confirmation, and the time-bounded alarm mute rule a silence reaction creates
 * (opt-in, ALARM_MUTE_RULES). Nothing else may change AWS.
 */
const ALLOWED_MUTATIONS = [
  'ecs:UpdateService',
  'ecs:UpdateClusterSettings',
  'autoscaling:UpdateAutoScalingGroup',
  'cloudwatch:PutMetricAlarm',
  'cloudwatch:DeleteAlarms',
  'sns:ConfirmSubscription',
  'cloudwatch:PutAlarmMuteRule',
  'cloudwatch:DeleteAlarmMuteRule',
  // Deleting an alarm-queue message once it is stored: the bot acknowledging what it took.
  'sqs:DeleteMessage',
  // A rollback hands the revision's task and execution roles to ECS tasks (and, by its condition, to nothing else).
  'iam:PassRole',
];
const READ_VERB = /^(List|Describe|Get)/;
// Logs Insights queries and log filters read logs; receiving from the alarm queue reads it (a message only hides for its visibility timeout).
const READ_ONLY = new Set(['logs:StartQuery', 'logs:StopQuery', 'logs:FilterLogEvents', 'sqs:ReceiveMessage']);
// Sessions in the bot's roles of other accounts (reads, and approved changes with the approver as source identity): they change nothing.
const SESSIONS = new Set(['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession']);

/** IAM's action matching: case-insensitive, `*` and `?` wildcards. */
function matches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}
const allowed = (action: string) =>
  policy.Statement.some((s) => s.Effect === 'Allow' && actionsOf(s).some((p) => matches(p, action)));

/** IAM service prefix of each SDK client package. */
const PREFIX: Record<string, string> = {
  ecs: 'ecs',
  cloudwatch: 'cloudwatch',
  'cloudwatch-logs': 'logs',
  sns: 'sns',
  'auto-scaling': 'autoscaling',
  'application-auto-scaling': 'application-autoscaling',
  sts: 'sts',
  sqs: 'sqs',
};

/** Batch operations IAM authorises with the single-message action (there is no sqs:DeleteMessageBatch action). */
const IAM_ACTION_OF: Record<string, string> = {
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every AWS operation the bot's source sends: `new XCommand` / `paginateX` imported from an SDK client. */
function operationsUsedBySource(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const add = (pkg: string, op: string, file: string) => {
    const prefix = PREFIX[pkg];
    if (!prefix)
      throw new Error(
        `${file} uses @aws-sdk/client-${pkg}: add its IAM prefix to this test and its actions to iam-policy.json`,
      );
    const action = IAM_ACTION_OF[`${prefix}:${op}`] ?? `${prefix}:${op}`;
    used.set(action, [...(used.get(action) ?? []), path.relative(ROOT, file)]);
  };
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s*(type\s+)?\{([^}]*)\}\s*from\s*['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g)) {
      if (m[1]) continue;
      for (const raw of m[2].split(',')) {
        const name = raw
          .trim()
          .split(/\s+as\s+/)[0]
          .trim();
        if (name.startsWith('type ')) continue;
        const cmd = /^(\w+)Command$/.exec(name) ?? /^paginate(\w+)$/.exec(name);
        if (cmd) add(m[3], cmd[1], file);
      }
    }
    for (const m of text.matchAll(/import\s*\*\s*as\s+(\w+)\s+from\s*['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g)) {
      for (const u of text.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)Command\\b`, 'g'))) add(m[2], u[1], file);
    }
  }
  return used;
}

describe('iam-policy.json', () => {
  it('is a valid policy document with no "*" or whole-service action', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.length).toBeGreaterThan(0);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource).toBeDefined();
      for (const a of actionsOf(s)) {
        expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
        expect(a).not.toBe('*');
        expect(a.split(':')[1]).not.toBe('*');
      }
    }
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });

  it('uses wildcards only for read verbs (List*, Describe*, Get*)', () => {
    for (const a of allActions.filter((x) => x.includes('*'))) expect(a.split(':')[1]).toMatch(READ_VERB);
  });

  it('allows only the mutating actions the approval flow performs, each on a resource pattern rather than "*"', () => {
    const mutating = allActions.filter(
      (a) => !READ_VERB.test(a.split(':')[1]) && !READ_ONLY.has(a) && !SESSIONS.has(a),
    );
    // Roles are assumed only by name (the bot's roles), never any role.
    for (const s of policy.Statement.filter((st) => actionsOf(st).some((a) => SESSIONS.has(a))))
      expect(s.Resource).toBe('arn:aws:iam::*:role/ecs-chatops*');
    for (const a of mutating) expect(ALLOWED_MUTATIONS).toContain(a);
    for (const s of policy.Statement.filter((st) => actionsOf(st).some((a) => ALLOWED_MUTATIONS.includes(a)))) {
      expect(s.Resource).not.toBe('*');
      expect(String(s.Resource)).toMatch(/^arn:aws:[a-z-]+:/);
    }
    // Roles are passed only to ECS tasks (a rollback's task and execution roles), never to another service.
    const passRole = policy.Statement.filter((st) => actionsOf(st).some((a) => matches(a, 'iam:PassRole')));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    // Nothing else that changes AWS slips in through a pattern.
    for (const forbidden of [
      'ecs:DeleteService',
      'ecs:RunTask',
      'ecs:StopTask',
      'ecs:RegisterTaskDefinition',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
      'sns:Publish',
      'logs:DeleteLogGroup',
      'sqs:SendMessage',
      'sqs:PurgeQueue',
      'sqs:DeleteQueue',
      'sqs:SetQueueAttributes',
    ]) {
      expect(allowed(forbidden)).toBe(false);
    }
  });

  it('allows every AWS operation the source code sends', () => {
    const used = operationsUsedBySource();
    // The doctor's own calls are always there, so the scan cannot silently find nothing.
    for (const a of [
      'sts:GetCallerIdentity',
      'ecs:ListClusters',
      'ecs:DescribeClusters',
      'sns:ListSubscriptionsByTopic',
    ])
      expect(used.has(a)).toBe(true);
    const missing = [...used.entries()].filter(([a]) => !allowed(a)).map(([a, files]) => `${a} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('is the same set of actions as the task role in deploy/cloudformation.yml, statement by statement', () => {
    const template = parseCfn(fs.readFileSync(path.join(ROOT, 'deploy/cloudformation.yml'), 'utf8'));
    const doc = template.Resources.TaskRole.Properties.Policies.find(
      (p: any) => p.PolicyName === 'ecs-chatops',
    ).PolicyDocument;
    const bySid = (st: Statement[]) => Object.fromEntries(st.map((s) => [s.Sid, actionsOf(s).sort()]));
    expect(bySid(doc.Statement)).toEqual(bySid(policy.Statement));
  });

  it('is explained in docs/operations.md: every action appears in the "IAM permissions" section', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
    const start = doc.indexOf('## IAM permissions');
    expect(start).toBeGreaterThanOrEqual(0);
    const next = doc.indexOf('\n## ', start + 5);
    const section = doc.slice(start, next < 0 ? undefined : next);
    for (const a of allActions) expect(section).toContain(`\`${a}\``);
  });
});

describe('IAM action matching used by these tests', () => {
  it('matches wildcards case-insensitively and nothing more', () => {
    expect(matches('ecs:Describe*', 'ecs:DescribeServices')).toBe(true);
    expect(matches('ecs:Describe*', 'ECS:describeservices')).toBe(true);
    expect(matches('ecs:Describe*', 'ecs:UpdateService')).toBe(false);
    expect(matches('ecs:List*', 'ecsx:ListClusters')).toBe(false);
    expect(matches('sns:Get?opicAttributes', 'sns:GetTopicAttributes')).toBe(true);
  });
});
