import type { App } from '@slack/bolt';
import { isEcsName } from '../slack/commands/parse';
import { isAccountName } from '../aws/accounts-config';
import { isKnownRegion } from '../aws/regions';
import type { ApprovalPolicy } from '../approvals/api';
import type { AppContext } from '../context';
import { ACTIONS, decodeValue } from '../slack/actions';
import { malformedButton, onClick } from '../slack/clicks';
import { mentionUser } from '../slack/mrkdwn';
import { renderQueryCancelledRemote, type CancelValue } from './render';
import type { QueryRunner } from './runner';

const QUERY_ID_RE = /^[A-Za-z0-9-]{1,128}$/;
const USER_RE = /^[UW][A-Z0-9]{2,}$/;

/** The Cancel button's value, validated; undefined for anything malformed. */
function parseCancelValue(raw: string | undefined): CancelValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  const { q, c, u, n, r } = v;
  if (typeof q !== 'string' || !QUERY_ID_RE.test(q)) return undefined;
  if (typeof c !== 'string' || !isEcsName(c)) return undefined;
  if (typeof u !== 'string' || !USER_RE.test(u)) return undefined;
  if (n === undefined && r === undefined) return { q, c, u };
  // Where the query runs: both or neither.
  if (typeof n !== 'string' || !isAccountName(n) || typeof r !== 'string' || !isKnownRegion(r)) return undefined;
  return { q, c, u, n, r };
}

/**
 * The Cancel button of a running query. The requester or an approver may cancel; the first click
 * wins; StopQuery ends the query and the message says who cancelled it.
 */
export function registerQueryCancel(app: App, ctx: AppContext, runner: QueryRunner, policy: ApprovalPolicy): void {
  onClick(
    app,
    ctx,
    ACTIONS.queryCancel,
    async (c) => {
      const v = parseCancelValue(c.value);
      if (!v) throw malformedButton('nothing was cancelled');
      c.log.info({ queryId: v.q }, 'query cancel clicked');
      // Who may cancel is the approval policy's question (POLICY_FILE included), like every "who may".
      if (!(await policy.canCancelQuery(c.userId, { startedBy: v.u, cluster: v.c })).ok)
        return `:lock: Only ${mentionUser(v.u)}, who started this query, or an approver can cancel it.`;
      const out = await runner.cancel(v.q, c.userId, v.n && v.r ? { account: v.n, region: v.r } : undefined);
      if (out.kind === 'already') return `:information_source: ${mentionUser(out.by)} already cancelled this query.`;
      if (out.kind === 'not_running') return ':information_source: This query had already finished; nothing to cancel.';
      if (out.local) return;
      // Another replica (or a previous run of the bot) follows it: say so on the message ourselves.
      const msg = renderQueryCancelledRemote({ cluster: v.c, requester: v.u, by: c.userId });
      if (c.channelId && c.messageTs) {
        await ctx.slack.chat.update({ channel: c.channelId, ts: c.messageTs, text: msg.text, blocks: msg.blocks });
      } else {
        await c.respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
      }
    },
    { component: 'queries' },
  );
}
