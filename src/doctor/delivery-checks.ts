import type { Store } from '../store';
import { formatDuration } from '../util/duration';
import { result, type CheckResult } from './types';
import { plural } from '../util/text';

/** A post waiting longer than this is worth a warning (Slack down, the bot refused in the channel). */
const STUCK_MS = 15 * 60_000;
const SHOWN = 3;

/**
 * Alarm delivery, from the store: posts the outbox set aside after failing too often (each one is an
 * alarm nobody saw in Slack), and posts waiting for long. Wherever the doctor has the store: inside
 * the bot (`/ecs doctor`), and `npm run doctor`, which opens it as it is.
 */
export async function checkAlarmDelivery(store: Store, now: number): Promise<CheckResult> {
  const id = 'alarms.delivery';
  const name = 'Alarm delivery';
  const [dead, total, waiting] = await Promise.all([
    store.outbox.deadLetters(SHOWN),
    store.outbox.deadLetterCount(),
    store.outbox.stats(),
  ]);
  if (total > 0) {
    const parts: string[] = [];
    for (const d of dead) {
      const inc = d.incidentId ? await store.incidents.get(d.incidentId) : undefined;
      const what = inc ? `${d.kind} of ${inc.name}` : `${d.kind}${d.incidentId ? ` of incident ${d.incidentId}` : ''}`;
      parts.push(
        `${what} (${d.lastError ?? 'failed'} after ${d.attempts} attempts, ${formatDuration(Math.max(0, now - d.failedAt))} ago)`,
      );
    }
    return result(
      id,
      name,
      'warn',
      `${plural(total, 'alarm post')} could not be delivered and ${total === 1 ? 'was' : 'were'} set aside: ${parts.join('; ')}${total > dead.length ? `; and ${total - dead.length} more` : ''}`,
      'Each one is logged at error level ("alarm post set aside", with its incident and error). A Slack refusal or an error of the bot itself: report it with that log line. not_in_channel or a token error: fix it; the next change of each alarm posts again. /ecs alarms lists them too; they are forgotten after 7 days.',
    );
  }
  const age = waiting.oldestCreatedAt === undefined ? 0 : now - waiting.oldestCreatedAt;
  if (waiting.depth > 0 && age > STUCK_MS) {
    return result(
      id,
      name,
      'warn',
      `${plural(waiting.depth, 'alarm post')} waiting, the oldest for ${formatDuration(age)}`,
      'Slack is unreachable or refusing the posts: the log says why ("Slack call failed", "Slack refused the alarm post").',
    );
  }
  return result(
    id,
    name,
    'pass',
    waiting.depth > 0
      ? `${waiting.depth} alarm post(s) on their way, none set aside`
      : 'every alarm post reached Slack',
  );
}
