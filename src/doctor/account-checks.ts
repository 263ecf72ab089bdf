import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsAccounts } from '../aws/accounts';
import type { AccountSetting } from '../aws/accounts-config';
import { RoleAssumeError } from '../aws/sessions';
import { diagnoseAwsError } from './aws-fix';
import { listAllClusterArns } from './aws-checks';
import { checkCrashed, result, type CheckResult } from './types';
import { plural } from '../util/text';
import { checkAlarmTopic } from '../alarm-admin/api';
import type { Config } from '../config';

/**
 * The doctor's checks per configured account (several accounts or regions only): whether its role can
 * be assumed for reads (`ecs-chatops-read`) and which identity that gives, whether it can be assumed
 * with a source identity and session tags as an approved change will be, and whether clusters can be
 * listed in each of its regions; and whether each of its regions has the SNS topic that alarms the bot
 * creates there notify, subscribed to the bot. A single-account install gets none of these.
 */

/** The session name of the doctor's probe of a change session (CloudTrail shows it as such). */
export const PROBE_REQUEST = 'doctor-probe';

const roleFix = (e: RoleAssumeError) =>
  `${e.message.replace(/ Run `npm run doctor` for details\.$/, '')} The role template is deploy/member-account-role.yml.`;

async function identityOf(accounts: AwsAccounts, a: AccountSetting): Promise<CheckResult> {
  const id = `accounts.${a.name}.assume`;
  const name = `Account ${a.name}: read role`;
  try {
    const region = a.regions[0];
    const r = await accounts.read({ account: a.name, region }).sts.send(new GetCallerIdentityCommand({}));
    if (a.accountId && r.Account && r.Account !== a.accountId)
      return result(
        id,
        name,
        'fail',
        `the role answered as account ${r.Account}, not ${a.accountId}`,
        'Check the role ARN in AWS_ACCOUNTS.',
      );
    return result(id, name, 'pass', `assumed ${a.roleArn ?? 'the bot’s own credentials'}: ${r.Arn ?? '?'}`);
  } catch (err) {
    if (err instanceof RoleAssumeError)
      return result(id, name, 'fail', `could not assume ${err.roleArn}`, roleFix(err));
    const d = diagnoseAwsError(err, 'sts:GetCallerIdentity', a.regions[0]);
    return result(id, name, 'fail', d.detail, d.fix);
  }
}

async function changeSession(accounts: AwsAccounts, a: AccountSetting): Promise<CheckResult> {
  const id = `accounts.${a.name}.change`;
  const name = `Account ${a.name}: change sessions`;
  const role = accounts.changeRoleOf(a.name);
  if (!role)
    return result(
      id,
      name,
      'warn',
      'approved changes in the bot’s own account run as the bot: CloudTrail names the bot, not the approver',
      'Set CHANGE_ROLE_ARN to a role in this account that trusts the bot and allows sts:SetSourceIdentity and sts:TagSession (deploy/member-account-role.yml with another RoleName).',
    );
  try {
    const s = await accounts.change(
      { account: a.name, region: a.regions[0] },
      { requestId: PROBE_REQUEST, requester: 'ecs-chatops-doctor', approver: 'ecs-chatops-doctor' },
    );
    try {
      const r = await s.clients.sts.send(new GetCallerIdentityCommand({}));
      return result(id, name, 'pass', `assumed ${role} with a source identity and session tags: ${r.Arn ?? '?'}`);
    } finally {
      s.close();
    }
  } catch (err) {
    if (err instanceof RoleAssumeError)
      return result(id, name, 'fail', `could not assume ${err.roleArn} with a source identity`, roleFix(err));
    const d = diagnoseAwsError(err, 'sts:GetCallerIdentity', a.regions[0]);
    return result(id, name, 'fail', d.detail, d.fix);
  }
}

async function regions(accounts: AwsAccounts, a: AccountSetting): Promise<CheckResult> {
  const id = `accounts.${a.name}.regions`;
  const name = `Account ${a.name}: clusters per region`;
  const found = await Promise.all(
    a.regions.map(async (region) => {
      try {
        const arns = await listAllClusterArns(accounts.read({ account: a.name, region }));
        return { region, line: `${region}: ${plural(arns.length, 'cluster')}` };
      } catch (err) {
        if (err instanceof RoleAssumeError) return { region, line: `${region}: role not assumed`, fix: roleFix(err) };
        const d = diagnoseAwsError(err, 'ecs:ListClusters', region);
        return { region, line: `${region}: ${d.detail}`, fix: d.fix };
      }
    }),
  );
  const failed = found.filter((f) => f.fix);
  const detail = found.map((f) => f.line).join('; ');
  if (failed.length) return result(id, name, 'fail', detail, failed[0].fix);
  return result(id, name, 'pass', detail);
}

/** The alarm topic of each region of the account (the bot's home is the SNS checks'). */
async function alarmTopics(accounts: AwsAccounts, config: Config, a: AccountSetting): Promise<CheckResult> {
  const id = `accounts.${a.name}.alarm-topics`;
  const name = `Account ${a.name}: alarm topics`;
  const regions = a.regions.filter((r) => !(a.own && r === config.aws.region));
  if (regions.length === 0) return result(id, name, 'skip', 'the bot’s own topic is checked above');
  if (!config.sns.ownTopicArn && config.sns.alarmTopics.every((t) => t.account !== a.name))
    return result(id, name, 'skip', 'no SNS_TOPIC_ARN or ALARM_TOPICS: the bot creates no alarms here');
  const found = await Promise.all(
    regions.map(async (region) => {
      const scope = { account: a.name, region };
      const where = `${a.name}${a.accountId ? ` (${a.accountId})` : ''} · ${region}`;
      try {
        const c = await checkAlarmTopic(accounts.read(scope).sns, config, scope, where);
        return { region, ok: c.problems.length === 0, line: c.problems.length ? c.problems.join(' ') : c.topicArn };
      } catch (err) {
        if (err instanceof RoleAssumeError) return { region, ok: false, line: `role not assumed. ${roleFix(err)}` };
        return { region, ok: false, line: diagnoseAwsError(err, 'sns:GetTopicAttributes', region).detail };
      }
    }),
  );
  const detail = found.map((f) => `${f.region}: ${f.line}`).join('; ');
  const lacking = found.filter((f) => !f.ok).map((f) => f.region);
  if (lacking.length === 0) return result(id, name, 'pass', detail);
  return result(
    id,
    name,
    'warn',
    `alarms created in ${a.name} · ${lacking.join(', ')} would not reach the bot: ${detail}`,
    'Deploy deploy/member-alarm-topic.yml in that account and region (a StackSet reaches every region), or name a topic in ALARM_TOPICS.',
  );
}

/** Bounds one check (the doctor's timeout); identity by default. */
export type Bound = (p: Promise<CheckResult>, id: string, name: string) => Promise<CheckResult>;

/** Every account's checks, accounts in parallel, each bounded; a check that throws is a failed check. */
export async function checkAccounts(
  accounts: AwsAccounts | undefined,
  bound: Bound = (p) => p,
  config?: Config,
): Promise<CheckResult[]> {
  if (!accounts?.multi) return [];
  const run = (id: string, name: string, f: () => Promise<CheckResult>) =>
    bound(
      f().catch((err: unknown) => checkCrashed(id, name, err)),
      id,
      name,
    );
  const per = await Promise.all(
    accounts.accounts.map(async (a) => {
      const [assume, change, listed, topics] = await Promise.all([
        a.own
          ? undefined
          : run(`accounts.${a.name}.assume`, `Account ${a.name}: read role`, () => identityOf(accounts, a)),
        run(`accounts.${a.name}.change`, `Account ${a.name}: change sessions`, () => changeSession(accounts, a)),
        run(`accounts.${a.name}.regions`, `Account ${a.name}: clusters per region`, () => regions(accounts, a)),
        config
          ? run(`accounts.${a.name}.alarm-topics`, `Account ${a.name}: alarm topics`, () =>
              alarmTopics(accounts, config, a),
            )
          : undefined,
      ]);
      return [assume, change, listed, topics].filter((x): x is CheckResult => x !== undefined);
    }),
  );
  return per.flat();
}
