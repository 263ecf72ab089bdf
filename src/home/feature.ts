import type { App } from '@slack/bolt';
import type { Changes } from '../approvals/api';
import type { AppContext, Feature } from '../context';
import { ACTIONS, decodeValue } from '../slack/actions';
import { malformedButton, onClick, type ClickWork } from '../slack/clicks';
import { code } from '../slack/mrkdwn';
import { ClusterGlance } from './collect';
import { publishHome } from './publish';

const ID_RE = /^[A-Za-z0-9_-]{6,40}$/;

function requestIdOf(value: string | undefined): string {
  const v = decodeValue<{ id?: unknown }>(value);
  if (!v || typeof v.id !== 'string' || !ID_RE.test(v.id)) throw malformedButton('nothing was changed');
  return v.id;
}

type Decision = 'approve' | 'reject' | 'cancel';

const DECISIONS: [string, Decision, string][] = [
  [ACTIONS.homeApprove, 'approve', 'approved'],
  [ACTIONS.homeReject, 'reject', 'rejected'],
  [ACTIONS.homeCancel, 'cancel', 'cancelled'],
];

export interface HomeOptions {
  /** The approvals feature's change requests, decided from the Home tab like from the card. */
  changes: Changes;
}

/**
 * The App Home tab: published on `app_home_opened` (Home tab only) and after each click on it. Its
 * Approve / Reject / Cancel buttons run the same decisions as the card's (the card is updated too);
 * since a Home click has no response_url, the outcome is shown on top of the re-published tab.
 */
export function homeFeature(ctx: AppContext, options: HomeOptions): Feature {
  const glance = new ClusterGlance(ctx);
  return {
    name: 'home',
    register(app: App) {
      app.event('app_home_opened', async ({ event }) => {
        if (event.tab !== 'home') return;
        await ctx.track(publishHome(ctx, glance, event.user));
      });

      // A Home click has no response_url: whatever the click has to say is shown on top of the tab.
      const onHomeClick = (actionId: string, work: ClickWork) =>
        onClick(app, ctx, actionId, work, {
          component: 'home',
          answer: async (c, msg) => {
            await publishHome(ctx, glance, c.userId, msg.text);
          },
        });
      onHomeClick(ACTIONS.homeRefresh, async (c) => {
        await publishHome(ctx, glance, c.userId);
      });
      for (const [actionId, decide, done] of DECISIONS) {
        onHomeClick(actionId, async (c) => {
          const id = requestIdOf(c.value);
          await options.changes[decide](id, c.userId);
          return `:white_check_mark: You ${done} request ${code(id)}; its card in the channel shows the outcome.`;
        });
      }
    },
  };
}
