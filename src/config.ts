import { z } from 'zod';
import {
  AWS_SETTING_HELP,
  checkDefaultCluster,
  parseAwsSettings,
  type AwsSettings,
  type QualifiedCluster,
} from './aws/accounts-config';
import { parseQueueUrl, type SqsQueue } from './aws/sqs-queues';
import { ALARM_TOPICS_HELP, parseAlarmTopics, type AlarmTopicSetting } from './aws/alarm-topics';

/**
 * Every setting the bot reads, validated in one place. `loadConfig(env)` is pure: it never reads
 * process.env itself, so tests pass a plain object. Names are a contract with operators.
 */

/** What each setting is for and where to get it; shown when a setting is missing or invalid. */
export const SETTING_HELP: Record<string, string> = {
  SLACK_BOT_TOKEN:
    'the bot token (xoxb-…) the bot calls Slack with; Slack app settings → OAuth & Permissions → Bot User OAuth Token',
  SLACK_SIGNING_SECRET:
    'verifies that requests come from Slack (HTTPS mode; not needed with SLACK_APP_TOKEN); Slack app settings → Basic Information → App Credentials → Signing Secret',
  SLACK_APP_TOKEN:
    'optional app-level token (xapp-…, scope connections:write) that switches to Socket Mode: no inbound endpoint for Slack; Slack app settings → Basic Information → App-Level Tokens',
  SLACK_API_URL:
    'optional Slack Web API base URL (default https://slack.com/api/), also used to open Socket Mode connections; lets a local fake stand in',
  SLACK_ALARM_CHANNEL:
    'channel ID (C…) where alarm cards are posted; right-click the channel → Copy link, the last part',
  PORT: 'TCP port for health, metrics and, in HTTPS mode, the Slack and SNS endpoints (default 3000)',
  DATABASE_URL:
    'where state lives: an SQLite file (default ./data/ecs-chatops.db; file:PATH or a path) or postgres://user@host/db for several replicas',
  AWS_REGION: 'the AWS region of your ECS clusters, e.g. eu-west-1 (AWS_DEFAULT_REGION is accepted too)',
  ECS_DEFAULT_CLUSTER:
    'optional cluster used when a command names none; with several accounts or regions it may be qualified: prod:eu-west-1:web',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace (default info)',
  SNS_TOPIC_ARNS: 'comma-separated SNS topic ARNs the bot accepts messages from (/sns refuses every other topic)',
  SNS_TOPIC_ARN: "optional: the bot's own SNS topic for alarms it creates (default: the first of SNS_TOPIC_ARNS)",
  ALARM_TOPICS: ALARM_TOPICS_HELP,
  SNS_VERIFY_SIGNATURES:
    'true (default) or false; false is only for local emulators and logs a warning on every message',
  SQS_QUEUE_URLS:
    'optional comma-separated SQS queue URLs subscribed to the alarm topics (raw message delivery off): alarms arrive with no inbound endpoint; the SQS console shows each queue URL',
  SQS_POLLERS_PER_QUEUE: 'long polls kept open on each queue of SQS_QUEUE_URLS, 1 to 10 (default 2)',
  PUBLIC_URL:
    'optional public HTTPS base URL of the bot, e.g. https://ecs-bot.example.com (used to check the SNS subscription)',
  APPROVERS:
    'comma-separated Slack user IDs (U…) and user group IDs (S…) allowed to approve changes; nobody may approve when empty',
  REQUESTERS:
    'optional comma-separated user and group IDs allowed to request changes (default: everyone in the channel)',
  ALLOW_SELF_APPROVAL: 'true to let a requester approve their own change (default false)',
  POLICY_FILE: 'optional JSON policy file refining approvers and requesters per cluster and action',
  MAX_DESIRED_TASKS: 'largest desired count a service may be scaled to (default 50)',
  MAX_INSTANCES: 'largest Auto Scaling group size a request may set (default 20)',
  MAX_STEP: 'largest change of a count in one request (default 10)',
  REQUEST_TTL_MINUTES: 'minutes before a change request expires (default 15)',
  ASG_MAPPING: 'optional cluster=autoScalingGroupName pairs, comma-separated, used when the group cannot be discovered',
  ROLLOUT_TIMEOUT_MINUTES: 'minutes the bot follows a rollout before reporting a timeout (default 15)',
  ALARM_ROUTES:
    'optional routing rules pattern=channelId separated by commas; pattern matches the cluster or alarm name (* wildcard)',
  STORM_THRESHOLD: 'new alarm cards per minute per channel above which a digest is posted instead (default 10)',
  REACTIONS:
    'emoji=action pairs for reactions on alarm cards; actions ack, resolved, silence (default eyes=ack,white_check_mark=resolved,zzz=silence,mute=silence; none turns reactions off)',
  ALARM_MUTE_RULES:
    'true to make a silence reaction also create a one-hour CloudWatch alarm mute rule (PutAlarmMuteRule) in AWS; asks first when the alarm has non-SNS actions (default false)',
  ...AWS_SETTING_HELP,
};

const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );

const bool = (dflt: boolean) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return dflt;
      const v = s.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${s}"` });
      return z.NEVER;
    });

const int = (dflt: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return dflt;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${s}"` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() !== '' ? s.trim() : undefined));

const SNS_TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const SLACK_ID_RE = /^[UWS][A-Z0-9]{2,}$/;

const schema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .regex(/^xox[bp]-/, 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
      .optional(),
  ),
  SLACK_API_URL: optionalString.pipe(z.url({ message: 'must be a URL such as http://127.0.0.1:9000/api/' }).optional()),
  SLACK_ALARM_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a channel ID such as C0123456789, not a #name')
      .optional(),
  ),
  PORT: int(3000, 0, 65535),
  DATABASE_URL: optionalString,
  AWS_REGION: optionalString,
  AWS_DEFAULT_REGION: optionalString,
  ECS_DEFAULT_CLUSTER: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SNS_TOPIC_ARNS: csv.pipe(
    z.array(z.string().regex(SNS_TOPIC_ARN_RE, 'must be SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME)')),
  ),
  SNS_TOPIC_ARN: optionalString.pipe(z.string().regex(SNS_TOPIC_ARN_RE, 'must be an SNS topic ARN').optional()),
  SNS_VERIFY_SIGNATURES: bool(true),
  SQS_QUEUE_URLS: csv.transform((urls, ctx) => {
    const queues: SqsQueue[] = [];
    for (const u of urls) {
      const q = parseQueueUrl(u);
      if ('problem' in q)
        ctx.addIssue({
          code: 'custom',
          message: `${q.problem}; expected a queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/ecs-alarms`,
        });
      else if (queues.some((x) => x.url === q.url)) ctx.addIssue({ code: 'custom', message: `lists ${q.url} twice` });
      else queues.push(q);
    }
    return queues;
  }),
  SQS_POLLERS_PER_QUEUE: int(2, 1, 10),
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional()),
  APPROVERS: csv.pipe(z.array(z.string().regex(SLACK_ID_RE, 'must be Slack user (U…/W…) or user group (S…) IDs'))),
  REQUESTERS: csv.pipe(z.array(z.string().regex(SLACK_ID_RE, 'must be Slack user (U…/W…) or user group (S…) IDs'))),
  ALLOW_SELF_APPROVAL: bool(false),
  POLICY_FILE: optionalString,
  MAX_DESIRED_TASKS: int(50, 0, 100000),
  MAX_INSTANCES: int(20, 0, 10000),
  MAX_STEP: int(10, 1, 100000),
  REQUEST_TTL_MINUTES: int(15, 1, 24 * 60),
  ROLLOUT_TIMEOUT_MINUTES: int(15, 1, 24 * 60),
  ASG_MAPPING: csv.transform((pairs, ctx) => {
    const map: Record<string, string> = {};
    for (const p of pairs) {
      const m = /^([A-Za-z0-9_-]+)=([\w\-.:/ ]+)$/.exec(p);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `expected cluster=groupName, got "${p}"` });
        return z.NEVER;
      }
      map[m[1]] = m[2];
    }
    return map;
  }),
  ALARM_ROUTES: csv.transform((pairs, ctx) => {
    const routes: { pattern: string; channel: string }[] = [];
    for (const p of pairs) {
      const m = /^([^=]+)=([CG][A-Z0-9]{2,})$/.exec(p);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `expected pattern=channelId, got "${p}"` });
        return z.NEVER;
      }
      routes.push({ pattern: m[1].trim(), channel: m[2] });
    }
    return routes;
  }),
  STORM_THRESHOLD: int(10, 1, 10000),
  REACTIONS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      try {
        return parseReactionMapping(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  ALARM_MUTE_RULES: bool(false),
});

export interface Config {
  slack: {
    botToken: string;
    /** Verifies HTTP requests; required without an app token. */
    signingSecret?: string;
    /** App-level token: Slack over Socket Mode instead of the HTTP endpoint. */
    appToken?: string;
    apiUrl?: string;
    alarmChannel?: string;
  };
  port: number;
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  /** Accounts and regions (one account, one region unless AWS_ACCOUNTS / AWS_REGIONS say more). */
  aws: AwsSettings;
  /** The cluster name of ECS_DEFAULT_CLUSTER. */
  defaultCluster?: string;
  /** ECS_DEFAULT_CLUSTER with the account and region it may be qualified with. */
  defaultTarget?: QualifiedCluster;
  logLevel: string;
  sns: {
    topicArns: string[];
    ownTopicArn?: string;
    verifySignatures: boolean;
    /** ALARM_TOPICS: the topic alarms created in an account and region notify, where it is not the default. */
    alarmTopics: AlarmTopicSetting[];
  };
  /** Queues the alarm topics deliver to (signed envelopes, raw delivery off), and long polls per queue. */
  sqs: { queues: SqsQueue[]; pollersPerQueue: number };
  publicUrl?: string;
  policy: {
    approvers: string[];
    requesters: string[];
    allowSelfApproval: boolean;
    policyFile?: string;
    maxDesiredTasks: number;
    maxInstances: number;
    maxStep: number;
    requestTtlMs: number;
  };
  asgMapping: Record<string, string>;
  rolloutTimeoutMs: number;
  alarmRoutes: { pattern: string; channel: string }[];
  stormThreshold: number;
  /** Emoji → action for reactions on alarm cards. */
  reactions: ReactionMapping;
  /** Silence also creates a one-time CloudWatch alarm mute rule. */
  alarmMuteRules: boolean;
}

/** Thrown by loadConfig with every problem at once. Never contains a secret's value. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: { setting: string; message: string; help?: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  - ${p.setting} ${p.message}${p.help ? ` (${p.help})` : ''}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export function parseDatabaseUrl(url: string | undefined): Config['database'] {
  if (!url) return { kind: 'sqlite', path: './data/ecs-chatops.db' };
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', path: url.slice('sqlite:'.length).replace(/^\/\//, '') };
  if (url.startsWith('file:')) return { kind: 'sqlite', path: url.slice('file:'.length) };
  return { kind: 'sqlite', path: url };
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const setting = String(i.path[0] ?? 'config');
        return { setting, message: i.message, help: SETTING_HELP[setting] };
      });
  // Checked outside the schema so it is reported together with every other problem.
  // Socket Mode needs no signing secret: nothing reaches the bot over HTTP from Slack.
  if (!env.SLACK_SIGNING_SECRET?.trim() && !env.SLACK_APP_TOKEN?.trim()) {
    problems.push({
      setting: 'SLACK_SIGNING_SECRET',
      message: 'is required (or set SLACK_APP_TOKEN for Socket Mode)',
      help: SETTING_HELP.SLACK_SIGNING_SECRET,
    });
  }
  // A queue's messages from a topic outside the allow-list are refused and deleted: without the list, all of them.
  if (env.SQS_QUEUE_URLS?.trim() && !env.SNS_TOPIC_ARNS?.trim()) {
    problems.push({
      setting: 'SNS_TOPIC_ARNS',
      message: 'is required with SQS_QUEUE_URLS (the topics whose messages the queues carry; others are refused)',
      help: SETTING_HELP.SNS_TOPIC_ARNS,
    });
  }
  if (!env.AWS_REGION?.trim() && !env.AWS_DEFAULT_REGION?.trim()) {
    problems.push({ setting: 'AWS_REGION', message: 'is required', help: SETTING_HELP.AWS_REGION });
  }
  const region = (env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim()) ?? '';
  const aws = parseAwsSettings(env, region);
  for (const p of aws.problems) problems.push({ ...p, help: SETTING_HELP[p.setting] });
  const defaultCluster = env.ECS_DEFAULT_CLUSTER?.trim() || undefined;
  const target = defaultCluster ? checkDefaultCluster(defaultCluster, aws.settings) : undefined;
  if (target?.problem)
    problems.push({ setting: 'ECS_DEFAULT_CLUSTER', message: target.problem, help: SETTING_HELP.ECS_DEFAULT_CLUSTER });
  const alarmTopics = parseAlarmTopics(env.ALARM_TOPICS, aws.settings);
  for (const p of alarmTopics.problems) problems.push({ ...p, help: SETTING_HELP.ALARM_TOPICS });
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const v = parsed.data;
  const database = parseDatabaseUrl(v.DATABASE_URL);
  return {
    slack: {
      botToken: v.SLACK_BOT_TOKEN,
      signingSecret: v.SLACK_SIGNING_SECRET,
      appToken: v.SLACK_APP_TOKEN,
      apiUrl: v.SLACK_API_URL ? (v.SLACK_API_URL.endsWith('/') ? v.SLACK_API_URL : `${v.SLACK_API_URL}/`) : undefined,
      alarmChannel: v.SLACK_ALARM_CHANNEL,
    },
    port: v.PORT,
    database,
    aws: aws.settings,
    defaultCluster: target?.cluster?.cluster,
    defaultTarget: target?.cluster,
    logLevel: v.LOG_LEVEL,
    sns: {
      topicArns: v.SNS_TOPIC_ARNS,
      ownTopicArn: v.SNS_TOPIC_ARN ?? v.SNS_TOPIC_ARNS[0],
      verifySignatures: v.SNS_VERIFY_SIGNATURES,
      alarmTopics: alarmTopics.topics,
    },
    sqs: { queues: v.SQS_QUEUE_URLS, pollersPerQueue: v.SQS_POLLERS_PER_QUEUE },
    publicUrl: v.PUBLIC_URL?.replace(/\/+$/, ''),
    policy: {
      approvers: v.APPROVERS,
      requesters: v.REQUESTERS,
      allowSelfApproval: v.ALLOW_SELF_APPROVAL,
      policyFile: v.POLICY_FILE,
      maxDesiredTasks: v.MAX_DESIRED_TASKS,
      maxInstances: v.MAX_INSTANCES,
      maxStep: v.MAX_STEP,
      requestTtlMs: v.REQUEST_TTL_MINUTES * 60_000,
    },
    asgMapping: v.ASG_MAPPING,
    rolloutTimeoutMs: v.ROLLOUT_TIMEOUT_MINUTES * 60_000,
    alarmRoutes: v.ALARM_ROUTES,
    stormThreshold: v.STORM_THRESHOLD,
    reactions: v.REACTIONS,
    alarmMuteRules: v.ALARM_MUTE_RULES,
  };
}

/**
 * REACTIONS: which emoji reaction on an alarm card does what, parsed once here
 * (`eyes=ack,white_check_mark=resolved,zzz=silence,mute=silence`); the reactions feature looks it up per event.
 */
export type ReactionAction = 'ack' | 'resolved' | 'silence';

const REACTION_ACTIONS: readonly ReactionAction[] = ['ack', 'resolved', 'silence'];

export type ReactionMapping = Readonly<Record<string, ReactionAction>>;

export const DEFAULT_REACTIONS = 'eyes=ack,white_check_mark=resolved,zzz=silence,mute=silence';

/** Slack emoji names: lower-case letters, digits, `_`, `-`, `+` and `'` (e.g. `+1`, `man-raising-hand`). */
const EMOJI_RE = /^[a-z0-9_+'-]{1,100}$/;

/** Normalises an emoji name: drops surrounding colons and a skin-tone suffix (`+1::skin-tone-3` → `+1`). */
export function normaliseEmoji(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^:|:$/g, '')
    .replace(/::skin-tone-\d$/, '');
}

class ReactionMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReactionMappingError';
  }
}

/**
 * Parses `emoji=action` pairs separated by commas. Colons around names are accepted (`:eyes:=ack`).
 * Empty input gives the default mapping; `none` turns reactions off. Throws ReactionMappingError with
 * every problem in one message.
 */
export function parseReactionMapping(text: string | undefined): ReactionMapping {
  const src = text?.trim() ? text.trim() : DEFAULT_REACTIONS;
  if (src.toLowerCase() === 'none' || src.toLowerCase() === 'off') return {};
  const out: Record<string, ReactionAction> = {};
  const problems: string[] = [];
  for (const pair of src
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      problems.push(`expected emoji=action, got "${pair}"`);
      continue;
    }
    const emoji = normaliseEmoji(pair.slice(0, eq));
    const action = pair
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (!EMOJI_RE.test(emoji)) {
      problems.push(`"${pair.slice(0, eq).trim()}" is not an emoji name`);
      continue;
    }
    if (!(REACTION_ACTIONS as readonly string[]).includes(action)) {
      problems.push(`unknown action "${action}" for :${emoji}: (known: ${REACTION_ACTIONS.join(', ')})`);
      continue;
    }
    if (out[emoji] && out[emoji] !== action) {
      problems.push(`:${emoji}: is mapped twice (${out[emoji]} and ${action})`);
      continue;
    }
    out[emoji] = action as ReactionAction;
  }
  if (problems.length > 0) throw new ReactionMappingError(problems.join('; '));
  return Object.freeze(out);
}
