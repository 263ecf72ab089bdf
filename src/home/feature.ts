import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { approveRequest, cancelRequest, clickErrorText, rejectRequest } from '../approvals/api';
import type { AppContext, Feature } from '../context';
import { UserFacingError, UsageError } from '../errors';
import { ACTIONS, decodeValue } from '../slack/actions';
import { code } from '../slack/mrkdwn';
import { ClusterGlance } from './collect';
import { publishHome } from './publish';

const ID_RE = /^[A-Za-z0-9_-]{6,40}$/;

function requestIdOf(value: string | undefined): string {
  const v = decodeValue<{ id?: unknown }>(value);
  if (!v || typeof v.id !== 'string' || !ID_RE.test(v.id))
    throw new UsageError('this button is malformed; nothing was changed');
  return v.id;
}

type Decide = (ctx: AppContext, id: string, userId: string) => Promise<void>;

const DECISIONS: [string, Decide, string][] = [
  [ACTIONS.homeApprove, approveRequest, 'approved'],
  [ACTIONS.homeReject, rejectRequest, 'rejected'],
  [ACTIONS.homeCancel, cancelRequest, 'cancelled'],
];

/**
 * The App Home tab: published on `app_home_opened` (Home tab only) and after each click on it. Its
 * Approve / Reject / Cancel buttons run the same decisions as the card's (the card is updated too);
 * since a Home click has no response_url, the outcome is shown on top of the re-published tab.
 */
export function homeFeature(ctx: AppContext): Feature {
  const glance = new ClusterGlance(ctx);
  return {
    name: 'home',
    register(app: App) {
      app.event('app_home_opened', async ({ event }) => {
        if (event.tab !== 'home') return;
        await ctx.track(publishHome(ctx, glance, event.user));
      });

      app.action<BlockAction<ButtonAction>>(ACTIONS.homeRefresh, async ({ ack, body }) => {
        await ack();
        await ctx.track(publishHome(ctx, glance, body.user.id));
      });

      for (const [actionId, decide, done] of DECISIONS) {
        app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
          await ack();
          const ref = ctx.newId(4);
          const log = ctx.logger.child({ ref, user: body.user.id, action: actionId });
          const work = (async () => {
            let notice: string;
            try {
              const id = requestIdOf(action.value);
              await decide(ctx, id, body.user.id);
              notice = `:white_check_mark: You ${done} request ${code(id)}; its card in the channel shows the outcome.`;
            } catch (err) {
              if (err instanceof UserFacingError)
                log.info({ err: { code: err.code, message: err.message } }, 'home click refused');
              else log.error({ err }, 'home click failed');
              notice = clickErrorText(err, ref);
            }
            await publishHome(ctx, glance, body.user.id, notice);
          })();
          await ctx.track(work);
        });
      }
    },
  };
}
