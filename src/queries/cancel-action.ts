import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { isEcsName } from '../slack/commands/parse';
import { policyFor } from '../approvals/api';
import type { AppContext } from '../context';
import { UserFacingError } from '../errors';
import { ACTIONS, decodeValue } from '../slack/actions';
import { escapeOwnText, mentionUser } from '../slack/mrkdwn';
import { renderQueryCancelledRemote, type CancelValue } from './render';
import type { QueryRunner } from './runner';

const QUERY_ID_RE = /^[A-Za-z0-9-]{1,128}$/;
const USER_RE = /^[UW][A-Z0-9]{2,}$/;

/** The Cancel button's value, validated; undefined for anything malformed. */
export function parseCancelValue(raw: string | undefined): CancelValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  const { q, c, u } = v;
  if (typeof q !== 'string' || !QUERY_ID_RE.test(q)) return undefined;
  if (typeof c !== 'string' || !isEcsName(c)) return undefined;
  if (typeof u !== 'string' || !USER_RE.test(u)) return undefined;
  return { q, c, u };
}

/**
 * The Cancel button of a running query. The requester or an approver may cancel; the first click
 * wins; StopQuery ends the query and the message says who cancelled it.
 */
export function registerQueryCancel(app: App, ctx: AppContext, runner: QueryRunner): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.queryCancel, async ({ ack, body, action, respond }) => {
    await ack();
    const userId = body.user.id;
    const log = ctx.logger.child({ action: ACTIONS.queryCancel, user: userId });
    const reply = (text: string) =>
      respond({ response_type: 'ephemeral', replace_original: false, text }).catch((err: unknown) =>
        log.warn({ err: { message: (err as Error).message } }, 'respond failed'),
      );
    const v = parseCancelValue(action.value);
    if (!v) {
      log.warn('malformed query cancel value');
      await reply(':x: This Cancel button is malformed; nothing was cancelled.');
      return;
    }
    try {
      // Who may cancel is the approval policy's question (POLICY_FILE included), like every "who may".
      if (!(await policyFor(ctx).canCancelQuery(userId, { startedBy: v.u, cluster: v.c })).ok) {
        await reply(`:lock: Only ${mentionUser(v.u)}, who started this query, or an approver can cancel it.`);
        return;
      }
      const out = await runner.cancel(v.q, userId);
      if (out.kind === 'already') {
        await reply(`:information_source: ${mentionUser(out.by)} already cancelled this query.`);
      } else if (out.kind === 'not_running') {
        await reply(':information_source: This query had already finished; nothing to cancel.');
      } else if (!out.local) {
        // Another replica (or a previous run of the bot) follows it: say so on the message ourselves.
        const msg = renderQueryCancelledRemote({ cluster: v.c, requester: v.u, by: userId });
        const channel = body.container?.channel_id ?? body.channel?.id;
        const ts = body.container?.message_ts ?? body.message?.ts;
        if (channel && ts && !body.container?.is_ephemeral) {
          await ctx.slack.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks });
        } else {
          await respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
        }
      }
    } catch (err) {
      const ref = ctx.newId(4);
      log.error({ err, ref, queryId: v.q }, 'query cancel failed');
      const why = err instanceof UserFacingError ? `: ${escapeOwnText(err.message)}` : '';
      await reply(`:warning: Could not cancel the query (ref ${ref})${why}.`);
    }
  });
}
