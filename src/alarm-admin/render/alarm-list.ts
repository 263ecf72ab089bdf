import type { RespondArguments, types } from '@slack/bolt';
import { formatDuration } from '../../util/duration';
import type { OpenAlarmView } from '../open-alarms';
import { code, escapeText, mentionUser, slackDate } from '../../slack/mrkdwn';
import { clip, styleFor } from '../../alarms/api';
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
  const where = a.cluster ? ` · ${code(a.service ? `${a.cluster}/${a.service}` : a.cluster)}` : '';
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
  if (!a.knownToBot && a.reason) text += `\n${escapeText(clip(a.reason, 300))}`;
  return clip(text, LINE_MAX);
}

export interface AlarmListData {
  now: number;
  alarms: OpenAlarmView[];
  knownTotal: number;
  cloudwatchOnly: number;
  cloudwatchError?: string;
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
  const tail: Block[] = [];
  if (d.cloudwatchError)
    tail.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(`:warning: CloudWatch could not be read: ${escapeText(d.cloudwatchError)}`, 1000),
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
  const text = `Open alarms: ${d.knownTotal} on cards, ${d.cloudwatchOnly} more in CloudWatch`;
  return { response_type: 'ephemeral', text, blocks: budget.blocks };
}
