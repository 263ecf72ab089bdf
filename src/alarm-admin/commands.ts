import { submitChange, type Changes } from '../approvals/api';
import { isEcsName, parseTargetWords } from '../slack/commands/parse';
import type { AppContext, CommandInvocation, Subcommand } from '../context';
import { NotFoundError, UsageError } from '../errors';
import { mapLimit } from '../aws/batch';
import { AmbiguousClusterError, describeScope, flagsFor, LOCATE_CONCURRENCY } from '../aws/locate';
import type { AwsScope } from '../aws/scope';
import { SCOPE_FLAGS, SCOPE_USAGE, scopeFilterOf } from '../slack/commands/scope-flags';
import type { CwAlarm } from './model';
import { renderAlarmList } from './render/alarm-list';
import { CloudWatchAlarms } from './cloudwatch-alarms';
import { alarmNameOf, alarmNotFound } from './executors';
import { loadOpenAlarms } from './open-alarms';
import { parsePeriods, parseThreshold } from './pending-alarm';

const CREATE_USAGE = `alarm create pending <cluster>/<service> [--threshold N] [--periods N] [--reason "…"] ${SCOPE_USAGE} [--dry-run]`;
const DELETE_USAGE = `alarm delete <name> [--reason "…"] ${SCOPE_USAGE} [--dry-run]`;
const ALARM_USAGE = `${CREATE_USAGE} · ${DELETE_USAGE}`;

/** Alarms without a ClusterName dimension are requested under this cluster name (for the policy). */
const NO_CLUSTER = 'none';

/** `/ecs alarms`: open alarms on the bot's cards, then those CloudWatch reports in ALARM for the ECS namespaces. */
export const alarmsCommand: Subcommand = {
  name: 'alarms',
  usage: 'alarms',
  summary: "List open alarms: the bot's cards, and what CloudWatch reports in ALARM for ECS",
  async run(inv, ctx) {
    if (inv.args.positional.length > 0) throw new UsageError(`unexpected "${inv.args.positional.join(' ')}"`, 'alarms');
    const open = await loadOpenAlarms(ctx, { includeCloudWatch: true, limit: 50 });
    await inv.respond(renderAlarmList({ now: ctx.clock.now(), ...open }));
  },
};

function reasonOf(inv: CommandInvocation): string | undefined {
  return typeof inv.args.flags.reason === 'string' ? inv.args.flags.reason : undefined;
}

/** ` --account prod --region eu-west-1` as the proposal carries them, for the command line of a dry run. */
function whereFlags(p: { account?: string; region?: string }): string {
  return `${p.account ? ` --account ${p.account}` : ''}${p.region ? ` --region ${p.region}` : ''}`;
}

async function create(inv: CommandInvocation, changes: Changes, words: string[]): Promise<void> {
  const scope = scopeFilterOf(inv.args.flags, CREATE_USAGE);
  const [kind, ...rest] = words;
  if (!kind) throw new UsageError('say which alarm to create: pending', CREATE_USAGE);
  if (kind.toLowerCase() !== 'pending')
    throw new UsageError(`"${kind}" is not an alarm the bot can create (known: pending)`, CREATE_USAGE);
  const { cluster, service } = parseTargetWords(rest, CREATE_USAGE);
  if (!cluster || !service) throw new UsageError('name the service as <cluster>/<service>', CREATE_USAGE);
  const threshold = parseThreshold(inv.args.flags.threshold, CREATE_USAGE);
  const periods = parsePeriods(inv.args.flags.periods, CREATE_USAGE);
  const flags = `${inv.args.flags.threshold !== undefined ? ` --threshold ${threshold}` : ''}${inv.args.flags.periods !== undefined ? ` --periods ${periods}` : ''}`;
  await submitChange(
    inv,
    changes,
    {
      action: 'alarm-create',
      cluster,
      service,
      alarm: { kind: 'pending', threshold, periods },
      reason: reasonOf(inv),
      ...scope,
    },
    `/ecs alarm create pending ${cluster}/${service}${flags}${whereFlags(scope)}`,
  );
}

async function remove(inv: CommandInvocation, ctx: AppContext, changes: Changes, words: string[]): Promise<void> {
  if (inv.args.flags.threshold !== undefined || inv.args.flags.periods !== undefined) {
    throw new UsageError('--threshold and --periods belong to alarm create', DELETE_USAGE);
  }
  const name = words.join(' ').trim();
  if (!name) throw new UsageError('name the alarm to delete', DELETE_USAGE);
  try {
    alarmNameOf({ alarm: { name } });
  } catch (err) {
    throw new UsageError((err as Error).message, DELETE_USAGE);
  }
  // Read it first, so a typo is answered at once and the request is filed under the alarm's cluster.
  const { alarm, scope } = await findAlarm(ctx, name, scopeFilterOf(inv.args.flags, DELETE_USAGE));
  const dim = alarm.dimensions.ClusterName;
  const cluster = dim && isEcsName(dim) ? dim : NO_CLUSTER;
  const where = scope ? { account: scope.account, region: scope.region } : {};
  await submitChange(
    inv,
    changes,
    { action: 'alarm-delete', cluster, alarm: { name }, reason: reasonOf(inv), ...where },
    `/ecs alarm delete ${name}${whereFlags(where)}`,
  );
}

/**
 * The alarm named `name` and, with several accounts or regions, the one account and region it is in:
 * the flags narrow the search, an unqualified name is looked for in every configured account and
 * region, and a name found in several answers with each and the flags that pick it. The request then
 * names that account and region, so the change is planned and run there whatever its cluster.
 */
async function findAlarm(
  ctx: AppContext,
  name: string,
  filter: { account?: string; region?: string },
): Promise<{ alarm: CwAlarm; scope?: AwsScope }> {
  if (!ctx.accounts.multi) {
    const cw = new CloudWatchAlarms(ctx.aws.cloudwatch);
    const alarm = await cw.get(name);
    if (!alarm) throw await alarmNotFound(cw, name, ctx.config.aws.region);
    return { alarm };
  }
  const scopes = ctx.accounts.locator.scopes(filter);
  if (scopes.length === 1) {
    const cw = new CloudWatchAlarms(ctx.accounts.read(scopes[0]).cloudwatch);
    const alarm = await cw.get(name);
    if (!alarm) throw await alarmNotFound(cw, name, describeScope(scopes[0]));
    return { alarm, scope: scopes[0] };
  }
  const found = await mapLimit(scopes, LOCATE_CONCURRENCY, async (scope) => ({
    scope,
    alarm: await new CloudWatchAlarms(ctx.accounts.read(scope).cloudwatch).get(name),
  }));
  const hits = found.filter((f): f is { scope: AwsScope; alarm: CwAlarm } => f.alarm !== undefined);
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    const among = hits.map((h) => h.scope);
    const candidates = among.map((s) => ({ ...s, flags: flagsFor(s, among) }));
    throw new AmbiguousClusterError(
      `an alarm named "${name}" is in ${hits.length} places; say which:\n${candidates
        .map((c) => `• ${describeScope(c)}: \`${c.flags}\``)
        .join('\n')}`,
      candidates,
      DELETE_USAGE,
    );
  }
  throw new NotFoundError(`there is no metric alarm named "${name}" in any configured account and region`);
}

/** `/ecs alarm create pending …` and `/ecs alarm delete …`: both are change requests an approver approves. */
export const alarmCommand = (changes: Changes): Subcommand => ({
  name: 'alarm',
  usage: ALARM_USAGE,
  summary:
    "Create the pending-tasks alarm of a service, notifying the bot's SNS topic of its account and region, or delete an alarm (an approver approves)",
  flags: { threshold: 'string', periods: 'string', reason: 'string', 'dry-run': 'boolean', ...SCOPE_FLAGS },
  async run(inv, ctx) {
    const [verb, ...rest] = inv.args.positional;
    switch (verb?.toLowerCase()) {
      case 'create':
        return create(inv, changes, rest);
      case 'delete':
      case 'remove':
        return remove(inv, ctx, changes, rest);
      case undefined:
        throw new UsageError('say create or delete', ALARM_USAGE);
      default:
        throw new UsageError(`"${verb}" is not create or delete`, ALARM_USAGE);
    }
  },
});
