import type { AppContext, Feature } from '../context';
import { code, escapeText, mentionUser } from '../slack/mrkdwn';

/** The answer to a mention: how to reach the bot, with a guess from what was asked (escaped: anyone can write it). */
export function mentionReplyText(user: string | undefined, said: string | undefined): string {
  const asked = String(said ?? '')
    .replace(/<@[A-Z0-9]+>/g, '')
    .trim()
    .slice(0, 200);
  const first = asked.split(/\s+/)[0];
  return (
    `Hi${user ? ` ${mentionUser(user)}` : ''}! I answer slash commands: try \`/ecs help\`` +
    (asked ? ` (for "${escapeText(asked)}", ${code(`/ecs ${first}`)} may be what you want)` : '') +
    '. On an alarm card, use its buttons: Diagnose, Status, Acknowledge, Silence 1h, Scale…'
  );
}

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
        await client.chat
          .postMessage({ channel: event.channel, thread_ts: threadTs, text: mentionReplyText(event.user, event.text) })
          .catch((err: unknown) => ctx.logger.warn({ err }, 'could not answer a mention'));
      });
    },
  };
}
