import type { types } from '@slack/bolt';
import type { FilesUploadV2Arguments, WebClient } from '@slack/web-api';
import { truncate } from '../util/text';
import { altText } from './widgets';

/** Errors of Slack's answer, if it was one. */
function slackAnswer(err: unknown): { error?: string; details: string[] } {
  const d = (err as { data?: { error?: unknown; errors?: unknown; response_metadata?: { messages?: unknown } } })?.data;
  const details = [
    ...(Array.isArray(d?.errors) ? d.errors : []),
    ...(Array.isArray(d?.response_metadata?.messages) ? d.response_metadata.messages : []),
  ].map(String);
  return { error: typeof d?.error === 'string' ? d.error : undefined, details };
}

/**
 * Slack refused a message because of its image's file: `invalid_blocks` naming the `slack_file` (a
 * freshly uploaded file that Slack has not finished processing), which a later try may accept.
 */
export function isFileRefusal(err: unknown): boolean {
  const a = slackAnswer(err);
  if (a.error !== 'invalid_blocks') return false;
  return a.details.length === 0 || a.details.some((m) => /slack[ _]file|invalid slack file/i.test(m));
}

/** The bot may not upload files (the files:write scope is missing). */
export function isUploadDenied(err: unknown): boolean {
  const a = slackAnswer(err);
  return a.error === 'missing_scope' || a.error === 'not_allowed_token_type' || a.error === 'no_permission';
}

/** A short code for logs. */
export function slackCode(err: unknown): string {
  return slackAnswer(err).error ?? (err as { code?: string })?.code ?? (err as Error)?.name ?? 'error';
}

/**
 * Uploads a PNG with files.uploadV2 without sharing it anywhere: only the bot can see the file, and
 * a message of the bot shows it through an image block (`slack_file`). Returns the file ID.
 */
export async function uploadPrivate(slack: WebClient, png: Buffer, title: string): Promise<string> {
  const res = (await slack.filesUploadV2({ file: png, filename: 'graph.png', title })) as {
    files?: { files?: { id?: string }[] }[];
  };
  const id = res.files?.[0]?.files?.[0]?.id;
  if (!id) throw new Error('files.uploadV2 returned no file ID');
  return id;
}

/** Uploads a PNG into a thread where everyone in the channel sees it (the fallback). */
export async function shareInThread(
  slack: WebClient,
  png: Buffer,
  o: { channel: string; threadTs?: string; title: string; comment?: string },
): Promise<void> {
  await slack.filesUploadV2({
    channel_id: o.channel,
    ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    file: png,
    filename: 'graph.png',
    title: o.title,
    ...(o.comment ? { initial_comment: o.comment } : {}),
  } as FilesUploadV2Arguments);
}

/** An image block showing an uploaded file. */
export function imageBlock(fileId: string, alt: string, title?: string): types.ImageBlock {
  const block = {
    type: 'image',
    slack_file: { id: fileId },
    alt_text: altText(alt) || 'Graph',
    ...(title ? { title: { type: 'plain_text', text: truncate(altText(title), 200) || 'Graph', emoji: false } } : {}),
  };
  return block as types.ImageBlock;
}
