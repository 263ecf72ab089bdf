import type { KnownBlock } from '@slack/types';
import type { AwsScope } from '../aws/scope';
import type { AppContext } from '../context';
import type { Logger } from '../logger';
import type { GraphProblem } from '../store/message-graphs';
import { graphNote } from './notes';
import { imageBlock, isFileRefusal, isUploadDenied, slackCode, uploadPrivate } from './slack-files';
import type { GraphSpec } from './widgets';
import { graphRenderer } from './renderer';

/** A message as Slack takes it. */
export interface GraphMessage {
  text: string;
  blocks: KnownBlock[];
}

/** What a message gains: its image, or the one footer line saying why it has none. */
export type GraphAddition = { image: KnownBlock } | { note: string; problem: GraphProblem };

/** Slack answers meaning the message is gone: nothing to add a picture to. */
const GONE = new Set([
  'message_not_found',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'cant_update_message',
]);

export interface AddGraphOptions {
  spec: GraphSpec;
  /** The renderer's key: one render per message per minute (kept in the store, across replicas). */
  key: string;
  /** The account and region whose metrics are drawn (several accounts or regions). */
  scope?: AwsScope;
  log: Logger;
  /** The message with the addition, or undefined when it has no room for it. */
  compose(add: GraphAddition): GraphMessage | undefined;
  /** Replaces the message already sent (chat.update, or a response_url replacement). */
  replace(m: GraphMessage): Promise<unknown>;
  /** Shares the picture where everyone sees it, when the message keeps refusing it (the fallback). */
  share(png: Buffer): Promise<unknown>;
}

/** How adding the graph ended (for logs and tests). */
export type AddGraphOutcome = 'shown' | 'shared' | 'noted' | 'none';

/**
 * Adds a graph to a message already sent, off the critical path: renders it (under the shared cap and
 * the per-message limit), uploads it without sharing it, and replaces the message with itself plus an
 * image block naming the file. Slack refuses a fresh file for a moment: the replacement is tried again
 * 1, 2 and 4 s later, and then the picture is shared (`share`) instead. When the bot may not render or
 * upload, the message gains one footer line saying so. Never throws.
 */
export async function addGraph(ctx: AppContext, o: AddGraphOptions): Promise<AddGraphOutcome> {
  const renderer = graphRenderer(ctx);
  const delays = renderer.refusalDelaysMs;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
  const note = async (problem: GraphProblem): Promise<AddGraphOutcome> => {
    const m = o.compose({ note: graphNote(problem), problem });
    if (!m) return 'none';
    await o.replace(m).catch((err: unknown) => o.log.info({ code: slackCode(err) }, 'graph note not added'));
    return 'noted';
  };
  try {
    const r = await renderer.render(o.key, o.spec.widget, ctx.accounts.read(o.scope).cloudwatch);
    if (r.kind === 'denied') {
      o.log.info({ code: r.code }, 'graph not drawn: the bot may not call cloudwatch:GetMetricWidgetImage');
      return await note('metrics-denied');
    }
    if (r.kind !== 'png') {
      o.log.info({ result: r.kind, code: 'code' in r ? r.code : undefined }, 'graph not drawn');
      return 'none';
    }
    let fileId: string;
    try {
      fileId = await uploadPrivate(ctx.slack, r.png, o.spec.title);
    } catch (err) {
      o.log.info({ code: slackCode(err) }, 'graph not uploaded');
      return isUploadDenied(err) ? await note('upload-denied') : 'none';
    }
    const m = o.compose({ image: imageBlock(fileId, o.spec.alt) });
    if (m) {
      for (let i = 0; i <= delays.length; i++) {
        try {
          await o.replace(m);
          o.log.info({ file: fileId }, 'graph shown in the message');
          return 'shown';
        } catch (err) {
          if (GONE.has(slackCode(err))) return 'none';
          o.log.debug(
            { attempt: i + 1, code: slackCode(err), refusal: isFileRefusal(err) },
            'graph refused; trying again',
          );
          if (i < delays.length) await sleep(delays[i]);
        }
      }
    }
    await o.share(r.png);
    o.log.warn({ file: fileId }, 'graph shared beside the message instead of in it');
    return 'shared';
  } catch (err) {
    o.log.warn({ err: { name: (err as Error).name, code: slackCode(err) } }, 'graph failed (the message stands)');
    return 'none';
  }
}
