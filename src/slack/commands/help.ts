import type { RespondArguments } from '@slack/bolt';
import { UsageError, NotFoundError, UserFacingError } from '../../errors';
import { escapeOwnText, code, escapeText } from '../mrkdwn';
import type { Subcommand } from '../../context';

export function usageLine(sub: Subcommand): string {
  return `/ecs ${sub.usage}`;
}

/** /ecs help and /ecs alone: every visible subcommand with one usage line each. */
export function renderHelp(subcommands: Subcommand[]): RespondArguments {
  const visible = subcommands.filter((s) => !s.hidden);
  const lines = visible.map((s) => `${code(usageLine(s))} — ${escapeText(s.summary)}`);
  return {
    response_type: 'ephemeral',
    text: `ECS ChatOps commands:\n${visible.map((s) => escapeText(usageLine(s))).join('\n')}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'ECS ChatOps' } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Names: `cluster/service` or `cluster service`. Quote free text: `--reason "deploy 42"`. Changes to AWS always need an approver.',
          },
        ],
      },
    ],
  };
}

/** An ephemeral error with the usage line of the subcommand (or the list of subcommands). */
export function renderError(err: Error, sub: Subcommand | undefined, all?: Subcommand[]): RespondArguments {
  let text = `:x: ${escapeOwnText(err.message)}`;
  if (err instanceof NotFoundError && err.suggestions.length > 0) {
    text += `\nDid you mean: ${err.suggestions.slice(0, 5).map(code).join(', ')}?`;
  }
  const usage =
    err instanceof UsageError && err.usage
      ? err.usage
      : sub && (err instanceof UsageError || !(err instanceof UserFacingError))
        ? usageLine(sub)
        : undefined;
  if (usage) text += `\nUsage: ${code(usage.startsWith('/ecs') ? usage : `/ecs ${usage}`)}`;
  if (!sub && all) {
    text += `\nSubcommands: ${all
      .filter((s) => !s.hidden)
      .map((s) => code(s.name))
      .join(' ')} — see ${code('/ecs help')}`;
  }
  return { response_type: 'ephemeral', replace_original: false, text };
}
