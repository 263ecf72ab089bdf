import type { AppContext } from '../context';
import { renderHome } from './render';
import { collectHome, type ClusterGlance } from './collect';

const USER_RE = /^[UW][A-Z0-9]{2,}$/;

/**
 * Reads everything the Home tab shows and publishes it for one user (views.publish). `notice` is
 * mrkdwn shown on top (the outcome of the user's last click). Failures are logged, never thrown:
 * the tab simply keeps its previous content.
 */
export async function publishHome(
  ctx: AppContext,
  glance: ClusterGlance,
  userId: string,
  notice?: string,
): Promise<boolean> {
  if (!USER_RE.test(userId)) return false;
  const data = await collectHome(ctx, glance, userId);
  const view = renderHome({ ...data, notice });
  try {
    await ctx.slack.views.publish({ user_id: userId, view });
    return true;
  } catch (err) {
    ctx.logger.warn({ user: userId, err }, 'App Home could not be published');
    return false;
  }
}
