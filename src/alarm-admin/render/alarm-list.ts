import type { RespondArguments, types } from '@slack/bolt';
import { formatDuration } from '../../util/duration';
import type { OpenAlarmView, UndeliveredView } from '../open-alarms';
import { clipMrkdwn, code, escapeText, mentionUser, slackDate } from '../../slack/mrkdwn';
import { styleFor } from '../../alarms/api';
import { plural, truncate } from '../../util/text';
import { addItems, BlockBudget } from '../../slack/block-budget';
import { LIMITS } from '../../slack/limits';

type Block = types.KnownBlock;

/** Most characters one alarm's line may take. */
const LINE_MAX = 600;

function channelRef(id: string): string {
  return /^[CG][A-Z0-9]+$/.test(id) ? `<#${id}>` : escapeText(id);
}

/**
 * One open alarm in mrkdwn: state, name, cluster/service, since when, who acknowledged, silenced,
 * handled by hand, and where its card is. Every AWS- or user-supplied text is escaped.
 */
export function alarmLine(a: OpenAlarmView, now: number): string {
  const st = styleFor(a.state, a.level, a.kind);
  const place = a.where ? ` · ${escapeText(a.where)}` : '';
  const where = `${a.cluster ? ` · ${code(a.service ? `${a.cluster}/${a.service}` : a.cluster)}` : ''}${place}`;
  const head = `${st.emoji} *${escapeText(st.label)}* · *${escapeText(a.name)}*${where}`;
  const facts: string[] = [];
  if (a.since !== undefined) facts.push(`since ${slackDate(a.since)} (${formatDuration(Math.max(0, now - a.since))})`);
  if (a.ackBy)
    facts.push(`:eyes: acknowledged by ${mentionUser(a.ackBy)}${a.ackAt ? ` ${slackDate(a.ackAt, '{time}')}` : ''}`);
  else if (a.knownToBot) facts.push('not acknowledged');
  if (a.silencedUntil && a.silencedUntil > now)
    facts.push(`:no_bell: silenced until ${slackDate(a.silencedUntil, '{time}')}`);
  if (a.handledBy) facts.push(`:white_check_mark: handled by hand by ${mentionUser(a.handledBy)}`);
  if (a.knownToBot && a.channel) facts.push(`card in ${channelRef(a.channel)}`);
  if (!a.knownToBot) facts.push('_no card: its actions do not reach this bot_');
  let text = `${head}\n${facts.join(' · ')}`;
  if (!a.knownToBot && a.reason) text += `\n${escapeText(truncate(a.reason, 300))}`;
  return clipMrkdwn(text, LINE_MAX);
}

/**
 * Alarm posts the bot gave up on, in one mrkdwn section: which alarm, where, the last error, when.
 * Undefined when there are none.
 */
function undeliveredText(items: UndeliveredView[] | undefined, total = items?.length ?? 0): string | undefined {
  if (!items?.length || total === 0) return undefined;
  const lines = items.map((u) => {
    const what = u.name
      ? `${u.kind} of *${escapeText(u.name)}*`
      : `${u.kind}${u.incidentId ? ` of incident ${code(u.incidentId)}` : ''}`;
    const where = u.cluster ? ` · ${code(u.service ? `${u.cluster}/${u.service}` : u.cluster)}` : '';
    const channel = u.channel ? ` in ${channelRef(u.channel)}` : '';
    return `• ${what}${where}${channel} — ${u.error ? code(u.error) : 'failed'} after ${u.attempts} attempts, ${slackDate(u.failedAt)}`;
  });
  const more = total > items.length ? `\n…and ${total - items.length} more.` : '';
  return clipMrkdwn(
    `:warning: *${plural(total, 'alarm post')} could not be delivered to Slack* and ${total === 1 ? 'was' : 'were'} set aside (no longer retried; the alarm's next change tries again; the log has each one at error level):\n${lines.join('\n')}${more}`,
    LIMITS.sectionText,
  );
}

export interface AlarmListData {
  now: number;
  alarms: OpenAlarmView[];
  undelivered?: UndeliveredView[];
  undeliveredTotal?: number;
  knownTotal: number;
  cloudwatchOnly: number;
  cloudwatchError?: string;
  /** Accounts and regions not read, each with why. */
  cloudwatchUnread?: string[];
  truncated: boolean;
}

/** `/ecs alarms`: every open alarm, the bot's first, within one message's limits. */
export function renderAlarmList(
  d: AlarmListData,
): RespondArguments & { response_type: 'ephemeral'; text: string; blocks: Block[] } {
  const budget = new BlockBudget(LIMITS.blocksPerMessage, LIMITS.cumulativeBlockText);
  const known = d.alarms.filter((a) => a.knownToBot).length;
  budget.add([
    { type: 'header', text: { type: 'plain_text', text: `Open alarms (${d.knownTotal + d.cloudwatchOnly})` } },
  ]);
  const summary = [
    `${d.knownTotal} open on cards of this bot`,
    d.cloudwatchError
      ? undefined
      : `${d.cloudwatchOnly} more in ALARM in CloudWatch (ECS/ContainerInsights, AWS/ECS)${d.truncated ? ', first 1000 read' : ''}`,
  ].filter(Boolean);
  budget.add([{ type: 'context', elements: [{ type: 'mrkdwn', text: summary.join(' · ') }] }]);
  const undelivered = undeliveredText(d.undelivered, d.undeliveredTotal);
  if (undelivered) budget.add([{ type: 'section', text: { type: 'mrkdwn', text: undelivered } }]);
  const tail: Block[] = [];
  if (d.cloudwatchUnread?.length)
    tail.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          `:warning: Not read: ${d.cloudwatchUnread.map(escapeText).join('; ')} (the alarms of the rest are listed)`,
          1000,
        ),
      },
    });
  if (d.cloudwatchError)
    tail.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(`:warning: CloudWatch could not be read: ${escapeText(d.cloudwatchError)}`, 1000),
      },
    });
  const reserve = { blocks: tail.length, chars: 1100 };
  if (d.alarms.length === 0) {
    const quiet = d.cloudwatchError
      ? ":large_green_circle: No open alarms on the bot's cards."
      : ':large_green_circle: No open alarms. All quiet.';
    budget.add([{ type: 'section', text: { type: 'mrkdwn', text: quiet } }]);
  } else {
    addItems(budget, d.alarms, (a) => [{ type: 'section', text: { type: 'mrkdwn', text: alarmLine(a, d.now) } }], {
      total: d.alarms.length + Math.max(0, d.knownTotal - known),
      reserve,
      more: (left) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${left} more not shown.` }] }),
    });
  }
  budget.add(tail);
  const lost = d.undeliveredTotal ?? d.undelivered?.length ?? 0;
  const text = `Open alarms: ${d.knownTotal} on cards, ${d.cloudwatchOnly} more in CloudWatch${lost ? `; ${plural(lost, 'alarm post')} could not be delivered` : ''}`;
  return { response_type: 'ephemeral', text, blocks: budget.blocks };
}
