import type { types } from '@slack/bolt';
import { formatDuration } from '../../util/duration';
import {
  alarmConsoleUrl,
  alarmListConsoleUrl,
  ecsServiceConsoleUrl,
  partitionOf,
} from '../../notifications/console-links';
import { COMPARISON_WORDS, formatNumber, formatPeriod } from '../../notifications/reason';
import type { AlarmNotification, EcsEventNotification, Notification, RawNotification } from '../../notifications/types';
import type { AlarmView } from './view';
import { ACTIONS, encodeValue } from '../../slack/actions';
import { clipMrkdwn, code, escapeText, link, mentionUser, neutraliseText, slackDate } from '../../slack/mrkdwn';
import { styleFor } from './alarm-style';
import { truncate } from '../../util/text';
import { LIMITS } from '../../slack/limits';
import { imageBlock } from '../../graphs/api';
import { BlockBudget, fitBlock, fitBlocks, joinWhole, totalTextLength } from '../../slack/block-budget';

type Block = types.KnownBlock;
type Attachment = types.MessageAttachment;

export interface AlarmMessage {
  text: string;
  blocks: Block[];
  attachments: Attachment[];
}

export interface CardOptions {
  now: number;
  /** Region for console links when the notification names none (the bot's AWS_REGION). */
  defaultRegion: string;
  /** Someone marked the incident handled by hand (a reaction); the state still rules the colour. */
  handled?: { userId: string; at: number };
  /** The graph the card shows (an uploaded file), with its alt text. */
  graph?: { fileId: string; alt: string };
  /** Why the card has no graph (the bot may not render or upload one), said once in its footer. */
  graphNote?: string;
  /** The configured name of the alarm's account (several accounts): the card names it beside the ID. */
  accountName?: string;
}

/** What every alarm button carries: the incident, and the cluster and service when known. */
export interface AlarmButtonValue {
  k: string;
  c?: string;
  s?: string;
  /** What the Acknowledge / Silence button will do (so a double click cannot undo). */
  op?: 'ack' | 'unack' | 'silence' | 'unsilence';
  /** The alarm's account (12 digits) and region: every button acts there. */
  a?: string;
  r?: string;
  /** The Logs button: the state change the logs lead up to, epoch seconds. */
  t?: number;
}

const FIELD_MAX = 500;

function field(label: string, value: string): types.MrkdwnElement {
  return { type: 'mrkdwn', text: clipMrkdwn(`*${label}*\n${value}`, Math.min(FIELD_MAX, LIMITS.fieldText)) };
}

function button(text: string, actionId: string, value: AlarmButtonValue, style?: 'primary' | 'danger'): types.Button {
  const b: types.Button = {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: true },
    action_id: actionId,
    value: encodeValue({ ...value }),
  };
  if (style) b.style = style;
  return b;
}

function metricFields(n: AlarmNotification): types.MrkdwnElement[] {
  const out: types.MrkdwnElement[] = [];
  const m = n.metric;
  if (n.alarmType === 'metric-math') {
    const ret = n.series?.find((s) => s.returnData);
    const what = ret?.expression
      ? `${code(ret.expression)}${ret.label ? ` (${escapeText(ret.label)})` : ''}`
      : ret?.label
        ? escapeText(ret.label)
        : 'metric math';
    out.push(field('Metric math', what));
    const inputs = (n.series ?? [])
      .filter((s) => s.metric?.name)
      .map(
        (s) =>
          `${code(s.id)} ${escapeText(s.metric?.namespace ?? '')} ${code(s.metric?.name ?? '')}${s.metric?.stat ? ` ${escapeText(s.metric.stat)}` : ''}`,
      );
    if (inputs.length) out.push(field('Inputs', inputs.slice(0, 5).join('\n')));
  } else if (m?.name) {
    out.push(field('Metric', `${m.namespace ? `${escapeText(m.namespace)} · ` : ''}${code(m.name)}`));
  }
  const cond = n.condition;
  if (cond && (cond.comparison || cond.threshold !== undefined)) {
    const cmp = cond.comparison ? COMPARISON_WORDS[cond.comparison] : undefined;
    const stat = m?.stat ? `${escapeText(m.stat)} ` : '';
    const period = m?.periodSeconds ?? cond.periodSeconds;
    const of = cond.evaluationPeriods
      ? ` for ${cond.datapointsToAlarm ?? cond.evaluationPeriods} of ${cond.evaluationPeriods}${period ? ` × ${formatPeriod(period)}` : ''}`
      : '';
    const thr = cond.threshold !== undefined ? formatNumber(cond.threshold) : '?';
    out.push(field('Condition', `${stat}${escapeText(cmp?.symbol ?? cond.comparison ?? '')} ${thr}${of}`.trim()));
  }
  if (n.datapoints?.length) out.push(field('Last values', n.datapoints.slice(0, 5).map(formatNumber).join(', ')));
  if (cond?.treatMissingData && n.state === 'INSUFFICIENT_DATA')
    out.push(field('Missing data', escapeText(cond.treatMissingData)));
  return out;
}

function compositeFields(n: AlarmNotification): types.MrkdwnElement[] {
  const out: types.MrkdwnElement[] = [];
  if (n.composite?.rule) out.push(field('Rule', code(truncate(n.composite.rule, 300))));
  const kids = n.composite?.children ?? [];
  if (kids.length)
    out.push(
      field(
        'Triggered by',
        kids
          .slice(0, 8)
          .map((k) => `${escapeText(k.name)}${k.state ? ` (${escapeText(k.state)})` : ''}`)
          .join('\n'),
      ),
    );
  return out;
}

function ecsFields(n: EcsEventNotification): types.MrkdwnElement[] {
  const out: types.MrkdwnElement[] = [field('Event', `${escapeText(n.detailType)}\n${code(n.eventName)}`)];
  if (n.reason) out.push(field('Reason', code(n.reason)));
  if (n.task) {
    out.push(
      field(
        'Task',
        `${code(n.task.id.slice(0, 32))}${n.task.taskDefinition ? `\n${escapeText(n.task.taskDefinition)}` : ''}`,
      ),
    );
    if (n.task.stopCode) out.push(field('Stop code', code(n.task.stopCode)));
    const exits = n.task.containers
      .filter((c) => c.exitCode !== undefined)
      .map((c) => `${escapeText(c.name)}: ${c.exitCode}`);
    if (exits.length) out.push(field('Exit codes', exits.slice(0, 6).join('\n')));
  }
  if (n.deploymentId) out.push(field('Deployment', code(n.deploymentId)));
  return out;
}

function description(n: Notification): string | undefined {
  return n.kind === 'alarm' ? n.description : undefined;
}

function stateLine(inc: AlarmView): string {
  const parts: string[] = [];
  if (inc.state === 'ALARM' && inc.alarmSince !== undefined) {
    parts.push(`In ALARM since ${slackDate(inc.alarmSince)}`);
  } else {
    parts.push(`${escapeText(inc.state)} since ${slackDate(inc.stateAt)}`);
    const total = inc.alarmMs;
    if (inc.firedAt !== undefined && total > 0) parts.push(`was in ALARM for ${formatDuration(total)}`);
  }
  if (inc.flaps > 0) parts.push(`flapped ${inc.flaps}×`);
  if (inc.updates > 1) parts.push(`${inc.updates} updates`);
  if (inc.firedAt !== undefined && inc.firedAt !== inc.alarmSince) parts.push(`first fired ${slackDate(inc.firedAt)}`);
  return parts.join(' · ');
}

function statusContext(inc: AlarmView, now: number, handled?: CardOptions['handled']): string | undefined {
  const parts: string[] = [];
  if (inc.ackBy)
    parts.push(`:eyes: Acknowledged by ${mentionUser(inc.ackBy)}${inc.ackAt ? ` ${slackDate(inc.ackAt)}` : ''}`);
  if (handled)
    parts.push(`:white_check_mark: Handled by hand by ${mentionUser(handled.userId)} ${slackDate(handled.at)}`);
  if (inc.silencedUntil && inc.silencedUntil > now) {
    parts.push(
      `:no_bell: Silenced until ${slackDate(inc.silencedUntil, '{time}')}${inc.silencedBy ? ` by ${mentionUser(inc.silencedBy)}` : ''}`,
    );
  }
  return parts.length ? parts.join('   ') : undefined;
}

/**
 * The console links, as one line within a context element's limit. The alarm's own page carries its name
 * in the URL (an emoji is 12 characters percent-encoded), so a long name falls back to the alarm list
 * rather than making the element too long for Slack, which would refuse the card and its buttons.
 */
function linksLine(n: Notification, o: CardOptions): string {
  const region = n.region ?? o.defaultRegion;
  const partition = partitionOf(n.kind === 'alarm' ? n.arn : undefined, n.source.topicArn);
  const parts: string[][] = [];
  if (n.kind === 'alarm') {
    const one = alarmConsoleUrl(region, n.alarmName, partition);
    const list = alarmListConsoleUrl(region, partition);
    parts.push([
      ...(one ? [link(one, 'Alarm in CloudWatch')] : []),
      ...(list ? [link(list, 'Alarms in CloudWatch')] : []),
    ]);
  }
  if (n.cluster && n.service) {
    const url = ecsServiceConsoleUrl(region, n.cluster, n.service, partition);
    if (url) parts.push([link(url, `ECS service ${n.service}`)]);
  }
  return joinWhole(parts, '  ·  ', LIMITS.contextElementText);
}

function rawBody(n: RawNotification): string {
  const excerpt = truncate(n.excerpt, 2600).replace(/```/g, 'ˋˋˋ');
  return `${escapeText(n.summary)}\n\`\`\`${escapeText(excerpt)}\`\`\``;
}

/** The fallback text (notifications, screen readers): state, name and the reason in plain words. */
export function cardText(inc: AlarmView): string {
  const n = inc.notification;
  const st = styleFor(inc.state, n.level, n.kind);
  return truncate(`${st.label}: ${escapeText(inc.name)} — ${escapeText(n.summary)}`, 3000);
}

/**
 * One alarm card from the incident's latest state: header with state, description and reason in
 * plain words, metric/condition/cluster/service fields, times in Slack date format, console links,
 * and the buttons. Pure, and within Slack's limits whatever the payload holds.
 */
export function renderAlarmCard(inc: AlarmView, o: CardOptions): AlarmMessage {
  const n = inc.notification;
  const st = styleFor(inc.state, n.level, n.kind);
  const rest: Block[] = [];
  const header: Block = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(`${st.emoji} ${st.label} · ${neutraliseText(inc.name)}`, LIMITS.headerText),
      emoji: true,
    },
  };

  const desc = description(n);
  const main =
    n.kind === 'raw' ? rawBody(n) : `${desc ? `_${escapeText(truncate(desc, 600))}_\n` : ''}${escapeText(n.summary)}`;

  const fields: types.MrkdwnElement[] = [];
  if (n.kind === 'alarm') fields.push(...(n.alarmType === 'composite' ? compositeFields(n) : metricFields(n)));
  if (n.kind === 'ecs-event') fields.push(...ecsFields(n));
  if (inc.cluster) fields.push(field('Cluster', code(inc.cluster)));
  if (inc.service) fields.push(field('Service', code(inc.service)));
  const accountLabel = n.account && o.accountName ? `${o.accountName} (${n.account})` : n.account;
  const where = [accountLabel, n.region]
    .filter(Boolean)
    .map((x) => escapeText(x))
    .join(' · ');
  if (where) fields.push(field('Account · Region', where));
  if (fields.length) rest.push({ type: 'section', fields: fields.slice(0, LIMITS.fieldsPerSection) });
  if (o.graph) rest.push(imageBlock(o.graph.fileId, o.graph.alt));

  const ctx: types.MrkdwnElement[] = [];
  const status = statusContext(inc, o.now, o.handled);
  if (status) ctx.push({ type: 'mrkdwn', text: clipMrkdwn(status, 1000) });
  const ls = linksLine(n, o);
  if (ls) ctx.push({ type: 'mrkdwn', text: ls });
  if (o.graphNote) ctx.push({ type: 'mrkdwn', text: clipMrkdwn(o.graphNote, 500) });
  if (ctx.length) rest.push({ type: 'context', elements: ctx.slice(0, LIMITS.contextElements) });

  const value: AlarmButtonValue = {
    k: inc.id,
    ...(inc.cluster ? { c: inc.cluster } : {}),
    ...(inc.service ? { s: inc.service } : {}),
    ...(n.account && /^\d{12}$/.test(n.account) ? { a: n.account } : {}),
    ...(n.region && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(n.region) ? { r: n.region } : {}),
  };
  const silenced = !!inc.silencedUntil && inc.silencedUntil > o.now;
  const buttons: types.Button[] = [
    button(':stethoscope: Diagnose', ACTIONS.alarmDiagnose, value, 'primary'),
    button(':bar_chart: Status', ACTIONS.alarmStatus, value),
    inc.ackBy
      ? button('Unacknowledge', ACTIONS.alarmAck, { ...value, op: 'unack' })
      : button(':eyes: Acknowledge', ACTIONS.alarmAck, { ...value, op: 'ack' }),
    silenced
      ? button('Unsilence', ACTIONS.alarmSilence, { ...value, op: 'unsilence' })
      : button(':no_bell: Silence 1h', ACTIONS.alarmSilence, { ...value, op: 'silence' }),
  ];
  if (inc.service) buttons.push(button(':arrow_up_down: Scale…', ACTIONS.alarmScale, value));
  if (inc.service)
    buttons.push(
      button(':scroll: Logs', ACTIONS.alarmLogs, { ...value, t: Math.floor((inc.firedAt ?? inc.stateAt) / 1000) }),
    );
  rest.push({ type: 'actions', block_id: `alarm:${inc.id}`, elements: buttons });

  // Every element within its own limit (fitBlock), and the card within the message's: the fields, links
  // and buttons are kept whole, so the reason gives way first when the total would be too long.
  const budget = new BlockBudget();
  const after = rest.map(fitBlock);
  const afterChars = totalTextLength(after);
  budget.add(header, { blocks: after.length + 1, chars: afterChars });
  budget.add(
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clipMrkdwn(main, Math.min(LIMITS.sectionText, budget.charsLeft(afterChars))) },
    },
    { blocks: after.length, chars: afterChars },
  );
  for (const b of after) budget.add(b);

  return {
    text: cardText(inc),
    blocks: budget.blocks,
    attachments: [
      {
        color: st.color,
        blocks: fitBlocks([
          { type: 'context', elements: [{ type: 'mrkdwn', text: clipMrkdwn(stateLine(inc), 1000) }] },
        ]),
      },
    ],
  };
}

/** A text-only card for when Slack refuses the blocks (invalid_blocks, msg_blocks_too_long). */
export function renderPlainCard(inc: AlarmView): { text: string } {
  const n = inc.notification;
  const st = styleFor(inc.state, n.level, n.kind);
  return { text: clipMrkdwn(`${st.emoji} *${st.label}* · *${escapeText(inc.name)}*\n${escapeText(n.summary)}`, 3000) };
}
