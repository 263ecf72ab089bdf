import { createHmac } from 'node:crypto';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

/** Headers Slack would send: v0 HMAC-SHA256 of "v0:<ts>:<body>" with the signing secret. */
export function slackHeaders(
  body: string,
  contentType: string,
  opts: { secret?: string; ts?: number } = {},
): Record<string, string> {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const sig =
    'v0=' +
    createHmac('sha256', opts.secret ?? TEST_SIGNING_SECRET)
      .update(`v0:${ts}:${body}`)
      .digest('hex');
  return { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig };
}

export interface CommandFields {
  text: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  team_id?: string;
  response_url: string;
  trigger_id?: string;
}

export function commandBody(f: CommandFields): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: f.team_id ?? 'T1',
    team_domain: 'test',
    channel_id: f.channel_id ?? 'C0ALARMS',
    channel_name: 'ops',
    user_id: f.user_id ?? 'U0ALICE',
    user_name: f.user_name ?? 'alice',
    command: '/ecs',
    text: f.text,
    api_app_id: 'A1',
    response_url: f.response_url,
    trigger_id: f.trigger_id ?? 'trigger.1',
  }).toString();
}

/** POSTs a correctly signed slash command to the app. */
export async function sendCommand(
  baseUrl: string,
  f: CommandFields,
  opts: { secret?: string; ts?: number } = {},
): Promise<Response> {
  const body = commandBody(f);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    body,
    headers: slackHeaders(body, 'application/x-www-form-urlencoded', opts),
  });
}

/** POSTs a signed interaction payload (block_actions, view_submission …). */
export async function sendInteraction(
  baseUrl: string,
  payload: Record<string, unknown>,
  opts: { secret?: string; ts?: number } = {},
): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    body,
    headers: slackHeaders(body, 'application/x-www-form-urlencoded', opts),
  });
}

/** A block_actions payload for a button click on a channel message. */
export function buttonClick(o: {
  actionId: string;
  value?: string;
  userId?: string;
  channelId?: string;
  messageTs?: string;
  responseUrl: string;
  blockId?: string;
  message?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: o.userId ?? 'U0ALICE', username: 'alice', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: o.messageTs ?? '1700000001.000001',
      channel_id: o.channelId ?? 'C0ALARMS',
      is_ephemeral: false,
    },
    trigger_id: 'trigger.2',
    team: { id: 'T1', domain: 'test' },
    channel: { id: o.channelId ?? 'C0ALARMS', name: 'ops' },
    message: o.message ?? { type: 'message', ts: o.messageTs ?? '1700000001.000001', text: '' },
    response_url: o.responseUrl,
    actions: [
      {
        action_id: o.actionId,
        block_id: o.blockId ?? 'b1',
        type: 'button',
        value: o.value ?? '',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}

/** The Events API callback wrapping `event`, as Slack sends it (HTTP body or Socket Mode payload). */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    event,
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
  };
}

/** POSTs a signed Events API callback wrapping `event`. */
export async function sendEvent(
  baseUrl: string,
  event: Record<string, unknown>,
  opts: { secret?: string; ts?: number } = {},
): Promise<Response> {
  const body = JSON.stringify(eventCallback(event));
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    body,
    headers: slackHeaders(body, 'application/json', opts),
  });
}
