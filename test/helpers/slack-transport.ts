import type { FakeSocketMode } from './fake-slack-socket';
import { commandBody, eventCallback, sendCommand, sendEvent, sendInteraction, type CommandFields } from './slack-sign';

/** How Slack reaches the bot: signed HTTP requests to /slack/events, or envelopes over Socket Mode. */
export type TransportKind = 'http' | 'socket';
export const TRANSPORTS: TransportKind[] = ['http', 'socket'];

/** The bot's answer to one request: the HTTP status and body, or the Socket Mode ack (status 200) and its payload. */
export interface SlackAnswer {
  status: number;
  /** The ack's response (an HTTP JSON body or an ack payload); undefined when the ack was empty. */
  body?: any;
}

/**
 * One way to deliver Slack requests, so an end-to-end scenario runs unchanged over both modes. Each
 * method resolves once the bot has acknowledged the request (the work after the ack goes on).
 */
export interface SlackTransport {
  readonly kind: TransportKind;
  command(f: CommandFields): Promise<SlackAnswer>;
  interaction(payload: Record<string, unknown>): Promise<SlackAnswer>;
  event(event: Record<string, unknown>): Promise<SlackAnswer>;
}

async function httpAnswer(res: Response): Promise<SlackAnswer> {
  const text = await res.text();
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body };
}

export function httpTransport(baseUrl: string): SlackTransport {
  return {
    kind: 'http',
    command: async (f) => httpAnswer(await sendCommand(baseUrl, f)),
    interaction: async (p) => httpAnswer(await sendInteraction(baseUrl, p)),
    event: async (e) => httpAnswer(await sendEvent(baseUrl, e)),
  };
}

export function socketTransport(socket: FakeSocketMode): SlackTransport {
  const answer = async (p: ReturnType<FakeSocketMode['send']>): Promise<SlackAnswer> => ({
    status: 200,
    body: (await p).payload,
  });
  return {
    kind: 'socket',
    // A slash command's payload is its form fields as an object.
    command: (f) => answer(socket.send('slash_commands', Object.fromEntries(new URLSearchParams(commandBody(f))))),
    interaction: (p) => answer(socket.send('interactive', p)),
    event: (e) => answer(socket.send('events_api', eventCallback(e))),
  };
}
