import type { AppContext, Feature } from '../context';
import { escapeText } from '../slack/mrkdwn';

/**
 * @ecs-ops mentions: the bot answers in the thread with how to reach it, so a mention at 3 a.m.
 * never goes unanswered. Commands stay slash commands (they carry a response_url and a user id the
 * approval policy trusts).
 */
export function mentionFeature(ctx: AppContext): Feature {
  return {
    name: 'mention',
    register(app) {
      app.event('app_mention', async ({ event, client }) => {
        const threadTs = event.thread_ts ?? event.ts;
        const asked = escapeText(
          String(event.text ?? '')
            .replace(/<@[A-Z0-9]+>/g, '')
            .trim(),
        ).slice(0, 200);
        await client.chat
          .postMessage({
            channel: event.channel,
            thread_ts: threadTs,
            text:
              `Hi${event.user ? ` <@${event.user}>` : ''}! I answer slash commands: try \`/ecs help\`` +
              (asked ? ` (for "${asked}", \`/ecs ${asked.split(/\s+/)[0]}\` may be what you want)` : '') +
              '. On an alarm card, use its buttons: Diagnose, Status, Acknowledge, Silence 1h, Scale…',
          })
          .catch((err: unknown) =>
            ctx.logger.warn({ err: { message: (err as Error).message } }, 'could not answer a mention'),
          );
      });
    },
  };
}
