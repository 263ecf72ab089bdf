import type { types } from '@slack/bolt';
import { BlockBudget, fitMessageText } from '../slack/block-budget';
import { LIMITS } from '../slack/limits';
import { code, escapeText, mentionUser, slackDate } from '../slack/mrkdwn';
import { plural, truncate } from '../util/text';
import type { FilePlace } from '../slack/files';
import type { ContainerLogs, LogsView } from './gather';

/**
 * The answer to /ecs logs and the Logs button: a code block per container with the task ID and UTC
 * time on every line, newest last. Log text is the least trusted text the bot shows: colour codes and
 * control characters go, and it is escaped like every outside string (no mention, link, entity or
 * backtick can act), so it stays inside its code block. What does not fit Slack's limits goes to a
 * .log file; the message keeps the newest lines of each container.
 */

type Block = types.KnownBlock;

/** CSI and OSC escape sequences (colours, cursor moves, terminal titles and hyperlinks). */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A log message as plain text: escape sequences and control characters removed, tabs as spaces, no trailing newline. */
export function cleanLogText(s: string): string {
  return s.replace(ANSI, '').replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(CONTROL, '').replace(/\n+$/, '');
}

/** Characters of one line in the message (the file has it whole). */
export const MAX_LINE_CHARS = 400;
/** Characters of one code block section: under the section limit with room for the fences. */
const CHUNK_CHARS = LIMITS.sectionText - 100;

const utcTime = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const utcStamp = (ms: number) => new Date(ms).toISOString();
const shortTask = (id: string) => id.slice(0, 8);

/** One line as shown in a code block: escaped, clipped, continuation lines indented. */
function messageLine(taskId: string, at: number, message: string): string {
  const text = truncate(cleanLogText(message), MAX_LINE_CHARS).replace(/\n/g, '\n' + ' '.repeat(22));
  return `${shortTask(taskId)} ${utcTime(at)} ${escapeText(text)}`;
}

export type Attachment = { kind: 'none' } | { kind: 'attached'; place: FilePlace } | { kind: 'failed'; reason: string };

export interface RenderOptions {
  requestedBy?: string;
  /** A title other than "Logs of …" (the Logs button: "Error lines of …"). */
  title?: string;
  /** A line under the title (the Logs button says what it looked for). */
  note?: string;
  attachment?: Attachment;
}

export interface LogsMessage {
  text: string;
  blocks: Block[];
  /** False when lines were left out or cut: the full result belongs in a file. */
  complete: boolean;
}

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

function shownLines(view: LogsView): number {
  return view.containers.reduce((a, c) => a + c.lines.length, 0);
}

function matchedLines(view: LogsView): number {
  return view.containers.reduce((a, c) => a + c.matched, 0);
}

/** Code blocks of the lines (each within a section's limit). */
function codeBlocks(lines: string[]): Block[] {
  const out: Block[] = [];
  let cur: string[] = [];
  let len = 0;
  for (const l of lines) {
    if (cur.length > 0 && len + l.length + 1 > CHUNK_CHARS) {
      out.push(section('```' + cur.join('\n') + '```'));
      cur = [];
      len = 0;
    }
    cur.push(l.length > CHUNK_CHARS ? l.slice(0, CHUNK_CHARS) : l);
    len += l.length + 1;
  }
  if (cur.length > 0) out.push(section('```' + cur.join('\n') + '```'));
  return out;
}

function containerHeading(c: ContainerLogs): string {
  const streams = plural(c.streams, 'task');
  return `*${escapeText(c.container)}* · log group ${code(c.group)}${c.region ? ` (${escapeText(c.region)})` : ''} · ${streams}`;
}

export function renderLogs(view: LogsView, o: RenderOptions = {}): LogsMessage {
  const target = `${view.cluster}/${view.service}`;
  const budget = new BlockBudget();
  const title = o.title ?? `Logs of ${code(target)}`;
  const grep = view.grep !== undefined ? ` matching ${code(view.grep)}` : '';
  const shown = shownLines(view);
  const matched = matchedLines(view);
  budget.add(
    section(
      `*${title}*${grep} · ${view.windowLabel} up to ${slackDate(view.endMs)}` +
        ` · ${shown === matched ? plural(shown, 'line') : `newest ${shown} of ${matched} lines`}, newest last, times UTC`,
    ),
  );
  if (o.note) budget.add(context(o.note));

  // Room for what comes after the lines: other drivers, problems, the footer.
  const tail: Block[] = [];
  for (const e of view.elsewhere)
    tail.push(
      context(
        `:information_source: ${code(e.container)}${e.driver ? ` logs with ${code(e.driver)}` : ''}: ${escapeText(e.where)}.`,
      ),
    );
  for (const c of view.containers.filter((x) => x.problem))
    tail.push(context(`:warning: ${code(c.container)}: ${escapeText(c.problem)}.`));
  const footer: string[] = [];
  if (view.tasksSkipped > 0)
    footer.push(
      `read the streams of ${plural(view.tasks, 'task')}; ${plural(view.tasksSkipped, 'older stopped task')} left out (name one with --task)`,
    );
  if (view.containers.some((c) => c.capped))
    footer.push('a stream had more lines than the bot reads in this window: narrow it with --since or --grep');
  if (o.requestedBy) footer.push(`asked by ${mentionUser(o.requestedBy)}`);

  const readable = view.containers.filter((c) => !c.problem);
  // Complete while every line asked for is shown whole; the limit and the page cap are said separately.
  let complete = true;
  if (readable.length === 0 || shown === 0) {
    const why =
      view.tasks === 0
        ? `No running or recently stopped tasks of ${code(target)} to read logs from.`
        : readable.length === 0 && view.containers.length > 0
          ? 'No log stream of this service could be read.'
          : view.containers.length === 0
            ? 'No container of this service logs to CloudWatch Logs.'
            : `No log lines${grep} in the last ${view.windowLabel}${view.grep === undefined ? '' : ': try without --grep or a longer --since'}.`;
    budget.add(section(why));
  } else {
    const reserve = {
      blocks: tail.length + 2,
      chars: tail.reduce((a, b) => a + JSON.stringify(b).length, 0) + 600,
    };
    // Each container gets a share of what is left, unused shares passing to the next.
    let charsLeft = budget.charsLeft(reserve.chars);
    let blocksLeft = budget.blocksLeft(reserve.blocks);
    const withLines = readable.filter((c) => c.lines.length > 0);
    withLines.forEach((c, i) => {
      const share = Math.floor(charsLeft / (withLines.length - i)) - 200;
      const blockShare = Math.floor(blocksLeft / (withLines.length - i)) - 1;
      const rendered = c.lines.map((l) => messageLine(l.taskId, l.at, l.message));
      if (c.lines.some((l) => cleanLogText(l.message).length > MAX_LINE_CHARS)) complete = false;
      // Newest lines first into the share, then shown oldest first.
      const picked: string[] = [];
      let used = 0;
      for (let k = rendered.length - 1; k >= 0; k--) {
        const len = Math.min(rendered[k].length, CHUNK_CHARS) + 1;
        if (used + len > share || Math.ceil((used + len) / CHUNK_CHARS) > blockShare) break;
        picked.unshift(rendered[k]);
        used += len;
      }
      if (picked.length < rendered.length) complete = false;
      const left = c.lines.length - picked.length;
      const blocks = [
        section(containerHeading(c) + (left > 0 ? ` · newest ${picked.length} of ${c.lines.length} lines shown` : '')),
        ...codeBlocks(picked),
      ];
      if (!budget.add(blocks, reserve)) {
        complete = false;
        budget.add(section(`${containerHeading(c)} · ${c.lines.length} lines: in the file`), reserve);
      }
      charsLeft = budget.charsLeft(reserve.chars);
      blocksLeft = budget.blocksLeft(reserve.blocks);
    });
  }
  for (const b of tail) budget.add(b, { blocks: 1 });
  const attachment = o.attachment ?? { kind: 'none' };
  if (attachment.kind === 'attached')
    footer.push(
      attachment.place === 'direct-message'
        ? 'the full result is in the .log file sent to you in a direct message from the bot'
        : 'the full result is in the .log file in the thread',
    );
  else if (attachment.kind === 'failed')
    footer.push(`the full result could not be attached: ${escapeText(attachment.reason)}`);
  else if (!complete) footer.push('more lines than fit here');
  if (footer.length > 0) budget.add(context(footer.join(' · ')));

  const fallback = `${o.title ? o.title.replace(/\*/g, '') : `Logs of ${escapeText(target)}`}: ${plural(shown, 'line')} in the last ${view.windowLabel}`;
  return { text: fitMessageText(fallback), blocks: budget.blocks, complete };
}

/** The whole result as plain text for a .log file: full task IDs, full timestamps, whole lines. */
export function logsFile(view: LogsView): { filename: string; content: string } {
  const out: string[] = [
    `# Logs of ${view.cluster}/${view.service} from ${utcStamp(view.startMs)} to ${utcStamp(view.endMs)}` +
      (view.grep !== undefined ? `, matching ${view.grep}` : ''),
  ];
  for (const c of view.containers) {
    out.push('', `## ${c.container} (log group ${c.group}, ${c.region})`);
    if (c.problem) out.push(`!! ${c.problem}`);
    for (const l of c.lines) out.push(`${utcStamp(l.at)} ${l.taskId} ${cleanLogText(l.message)}`);
  }
  for (const e of view.elsewhere) out.push('', `## ${e.container}: ${e.where}`);
  const stamp = new Date(view.endMs).toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return {
    filename: `${view.cluster}-${view.service}-${stamp}.log`,
    content: `${out.join('\n')}\n`,
  };
}
