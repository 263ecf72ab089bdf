import type { Logger } from '../logger';
import { wellFormedDeep } from '../util/well-formed';
import { classifySlackError, sending } from './slack-errors';

type Message = Record<string, unknown>;

/**
 * Sends the full message (blocks) and falls back at once to its plain text form when the bot cannot
 * render or encode the full one, or when Slack refuses its blocks (invalid_blocks, msg_blocks_too_long).
 * Both forms are made well-formed before they are sent. A message the bot can deliver in some form
 * never waits for a retry that would fail the same way; any other failure is thrown for the outbox.
 */
export async function sendWithFallback<T>(o: {
  render: () => Message;
  plain: () => Message;
  send: (msg: Message) => Promise<T>;
  log: Logger;
  /** What is being sent, for the log: "alarm card", "storm digest". */
  what: string;
  fields?: Record<string, unknown>;
}): Promise<T> {
  const plain = () => sending(() => o.send(wellFormedDeep({ ...o.plain(), blocks: [], attachments: [] })));
  let full: Message;
  try {
    full = wellFormedDeep(o.render());
  } catch (err) {
    o.log.error({ ...o.fields, err }, `could not render the ${o.what}; sending it as plain text`);
    return plain();
  }
  try {
    return await sending(() => o.send(full));
  } catch (err) {
    const f = classifySlackError(err);
    if (!f.badBlocks && f.class !== 'own') throw err;
    o.log.error(
      { ...o.fields, code: f.code },
      f.badBlocks
        ? `Slack refused the ${o.what} blocks (${f.code}); sending it as plain text`
        : `could not encode the ${o.what} (${f.code}); sending it as plain text`,
    );
    return plain();
  }
}
