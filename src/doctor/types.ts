import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WebClient } from '@slack/web-api';
import type { AwsAccounts } from '../aws/accounts';
import type { AwsClients } from '../aws/clients';
import type { Config } from '../config';
import type { Store } from '../store';

/**
 * pass: works. warn: works, but something an operator should know (Container Insights off, a setting
 * not made). fail: a part of the bot will not work until fixed (the CLI exits non-zero). skip: not
 * run because a check it depends on failed.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id (`slack.token`, `aws.ecs`, `sns.subscription` …) for tests and scripts. */
  id: string;
  /** Short human name: "Slack token". */
  name: string;
  status: CheckStatus;
  /** false only for `fail`. */
  ok: boolean;
  /** What was found. May contain text from Slack or AWS: render it escaped. */
  detail: string;
  /** What to do about it (warn and fail only). */
  fix?: string;
  /** A command that applies the fix, shown verbatim (code block). */
  command?: string;
}

export interface DoctorReport {
  results: CheckResult[];
  region: string;
  /** Epoch ms when the run finished. */
  at: number;
}

/** What the doctor needs; the app's ctx satisfies it, and the CLI builds one from config. */
export interface DoctorDeps {
  config: Config;
  slack: WebClient;
  aws: AwsClients;
  /** SNS client for a topic in another region than AWS_REGION (default: a new client for that region). */
  snsForRegion?: (region: string) => SNSClient;
  /** SQS client for a queue's region (default: the bot's own client, or one made for that region). */
  sqsForRegion?: (region: string | undefined) => Promise<SQSClient>;
  clock?: { now(): number };
  /** The bot's store (inside the bot, or opened as it is by `npm run doctor`): adds the database and alarm delivery checks. */
  store?: Store;
  /** The bot's accounts (several accounts or regions): adds the checks of each account's role and regions. */
  accounts?: AwsAccounts;
  /** Bound on each check (default 10 s), so a hung endpoint cannot hang the doctor. */
  timeoutMs?: number;
}

export function result(
  id: string,
  name: string,
  status: CheckStatus,
  detail: string,
  fix?: string,
  command?: string,
): CheckResult {
  return { id, name, status, ok: status !== 'fail', detail, ...(fix ? { fix } : {}), ...(command ? { command } : {}) };
}

/**
 * A check that threw something unexpected: a failed result naming it, so the doctor still reports
 * every other check instead of crashing.
 */
export function checkCrashed(id: string, name: string, err: unknown): CheckResult {
  return result(
    id,
    name,
    'fail',
    `the check itself failed: ${err instanceof Error ? err.message : String(err)}`,
    'Report this with the log line; the other checks still ran.',
  );
}
