import type { WebClient } from '@slack/web-api';

/** A text file to upload. */
export interface TextFile {
  content: string;
  filename: string;
  title?: string;
}

/** Where files went: shared beside the answer, or in the asker's direct messages with the bot. */
export type FilePlace = 'with-answer' | 'direct-message';

/**
 * Uploads the files that complete an answer to whoever can see the answer. A public answer's files
 * are shared in its channel (or thread). An ephemeral answer is the asker's alone, and a file shared
 * in the channel would show everyone what only the asker was answered: its files go to the asker's
 * direct messages with the bot instead — a message posted to the user's ID lands there (chat:write is
 * enough), and Slack's answer names that conversation, where the files are then shared.
 */
export async function uploadWhereAnswered(
  slack: WebClient,
  o: {
    /** The answer is ephemeral (only `userId` sees it). */
    private: boolean;
    channelId: string;
    threadTs?: string;
    userId: string;
    /** Said with the files (mrkdwn; the caller escapes what it quotes). */
    comment: string;
    files: TextFile[];
  },
): Promise<FilePlace> {
  const file_uploads = o.files.map((f) => ({
    file: Buffer.from(f.content, 'utf8'),
    filename: f.filename,
    title: f.title ?? f.filename,
  }));
  if (!o.private) {
    await slack.filesUploadV2({
      channel_id: o.channelId,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
      initial_comment: o.comment,
      file_uploads,
    });
    return 'with-answer';
  }
  const intro = await slack.chat.postMessage({ channel: o.userId, text: o.comment });
  if (!intro.channel) throw new Error('Slack did not say which conversation the direct message went to');
  await slack.filesUploadV2({ channel_id: intro.channel, file_uploads });
  return 'direct-message';
}
