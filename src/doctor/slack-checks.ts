import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { errorMessage } from './aws-fix';
import { result, type CheckResult } from './types';
import { slackErrorCode } from '../slack/errors';

/**
 * Bot token scopes the features use; manifest.yml requests exactly these (a test keeps the two in
 * step). channels:read / groups:read let the doctor see whether the bot is in the alarm channel;
 * channels:history / groups:history let the outbox find a card it sent before a crash (so it is not
 * posted twice) and a reaction on a person's reply in an alarm thread find its alarm.
 */
export const REQUIRED_BOT_SCOPES = [
  'commands',
  'chat:write',
  'reactions:read',
  'files:write',
  'users:read',
  'usergroups:read',
  'app_mentions:read',
  'channels:read',
  'groups:read',
  'channels:history',
  'groups:history',
] as const;

export interface SlackIdentity {
  botName?: string;
  userId?: string;
  /** From the x-oauth-scopes response header; undefined when Slack (or a proxy) did not send it. */
  scopes?: string[];
}

const TOKEN_ERRORS: Record<string, string> = {
  invalid_auth: 'Slack does not accept the token',
  not_authed: 'no token was sent',
  token_revoked: 'the token was revoked',
  token_expired: 'the token has expired',
  account_inactive: 'the app or its installation was deactivated',
  no_permission: 'the token lacks permission',
};

/** What a Web API error means, and what to do about it, for any Slack call. */
export function diagnoseSlackError(
  err: unknown,
  method: string,
  apiUrl: string | undefined,
): { detail: string; fix: string } {
  const e = err as {
    code?: string;
    data?: { error?: string; needed?: string };
    retryAfter?: number;
    statusCode?: number;
  };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return {
      detail: `${method}: rate limited by Slack (retry after ${e.retryAfter ?? '?'} s)`,
      fix: 'Transient: run the doctor again in a minute.',
    };
  }
  if (e.code === 'slack_webapi_request_error') {
    return {
      detail: `${method}: cannot reach Slack (${errorMessage(err, 160)})`,
      fix: `Check outbound HTTPS to ${apiUrl ?? 'https://slack.com/api/'} (proxy, NAT, firewall) and SLACK_API_URL if set.`,
    };
  }
  if (e.code === 'slack_webapi_http_error') {
    return {
      detail: `${method}: Slack answered HTTP ${e.statusCode ?? '?'}`,
      fix: 'Usually transient; check https://slack-status.com and run the doctor again.',
    };
  }
  const code = e.data?.error ?? errorMessage(err, 120);
  if (code === 'missing_scope') {
    return {
      detail: `${method}: missing_scope${e.data?.needed ? ` (needs ${e.data.needed})` : ''}`,
      fix: 'Add the scope under OAuth & Permissions → Bot Token Scopes (or update the app from manifest.yml), then reinstall the app.',
    };
  }
  if (TOKEN_ERRORS[code]) {
    return {
      detail: `${method}: ${code} — ${TOKEN_ERRORS[code]}`,
      fix: 'Set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) from OAuth & Permissions; reinstall the app if it was revoked or deactivated.',
    };
  }
  return {
    detail: `${method}: ${code}`,
    fix: `Look up the error "${code}" for ${method} at https://api.slack.com/methods/${method}.`,
  };
}

/** auth.test: the token works; also yields the bot's name and granted scopes for the next checks. */
export async function checkSlackToken(
  slack: WebClient,
  config: Config,
): Promise<{ check: CheckResult; identity?: SlackIdentity }> {
  try {
    const r = await slack.auth.test();
    const identity: SlackIdentity = {
      botName: typeof r.user === 'string' ? r.user : undefined,
      userId: r.user_id,
      scopes: r.response_metadata?.scopes,
    };
    const who = `bot @${identity.botName ?? '?'} (${r.user_id ?? '?'}) in workspace ${r.team ?? r.team_id ?? '?'}`;
    return { check: result('slack.token', 'Slack token', 'pass', who), identity };
  } catch (err) {
    const d = diagnoseSlackError(err, 'auth.test', config.slack.apiUrl);
    return { check: result('slack.token', 'Slack token', 'fail', d.detail, d.fix) };
  }
}

/** The granted scopes against REQUIRED_BOT_SCOPES. */
export function checkSlackScopes(identity: SlackIdentity | undefined): CheckResult {
  const name = 'Slack scopes';
  if (!identity) return result('slack.scopes', name, 'skip', 'skipped: the Slack token check failed');
  if (!identity.scopes) {
    return result(
      'slack.scopes',
      name,
      'warn',
      'unknown: Slack did not report the granted scopes (no x-oauth-scopes header)',
      `Compare OAuth & Permissions → Bot Token Scopes with: ${REQUIRED_BOT_SCOPES.join(', ')}.`,
    );
  }
  const granted = new Set(identity.scopes);
  const missing = REQUIRED_BOT_SCOPES.filter((s) => !granted.has(s));
  if (missing.length > 0) {
    // The history scopes are the ones whose absence is silent in use: say what it costs.
    const history = missing.some((s) => s === 'channels:history' || s === 'groups:history')
      ? ` (without channels:history and groups:history, an alarm card sent just before a crash can be posted twice, and reactions on people's replies in alarm threads are ignored)`
      : '';
    return result(
      'slack.scopes',
      name,
      'fail',
      `missing ${missing.join(', ')}${history}`,
      'Add them under OAuth & Permissions → Bot Token Scopes (or update the app from manifest.yml), then reinstall the app to the workspace.',
    );
  }
  return result('slack.scopes', name, 'pass', `all ${REQUIRED_BOT_SCOPES.length} required scopes granted`);
}

/** conversations.info on SLACK_ALARM_CHANNEL: exists, not archived, and the bot is a member. */
export async function checkAlarmChannel(
  slack: WebClient,
  config: Config,
  identity: SlackIdentity | undefined,
): Promise<CheckResult> {
  const name = 'Alarm channel';
  const channel = config.slack.alarmChannel;
  if (!channel) {
    return result(
      'slack.alarm-channel',
      name,
      'warn',
      'SLACK_ALARM_CHANNEL is not set: alarm cards have nowhere to go',
      'Set SLACK_ALARM_CHANNEL to the channel ID (right-click the channel → Copy link, the last part).',
    );
  }
  if (!identity) return result('slack.alarm-channel', name, 'skip', 'skipped: the Slack token check failed');
  const invite = `In the channel, type /invite @${identity.botName ?? 'the-bot'}.`;
  try {
    const r = await slack.conversations.info({ channel });
    const c = r.channel ?? {};
    const label = `${c.name ? `#${c.name} ` : ''}(${channel})`;
    if (c.is_archived)
      return result(
        'slack.alarm-channel',
        name,
        'fail',
        `${label} is archived`,
        'Unarchive it, or set SLACK_ALARM_CHANNEL to another channel.',
      );
    if (!c.is_member) return result('slack.alarm-channel', name, 'fail', `the bot is not a member of ${label}`, invite);
    return result('slack.alarm-channel', name, 'pass', `${label}; the bot is a member`);
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === 'channel_not_found') {
      return result(
        'slack.alarm-channel',
        name,
        'fail',
        `channel ${channel} not found (or it is private and the bot is not in it)`,
        `Check SLACK_ALARM_CHANNEL is a channel ID (C…), not a #name. For a private channel: ${invite}`,
      );
    }
    const d = diagnoseSlackError(err, 'conversations.info', config.slack.apiUrl);
    return result('slack.alarm-channel', name, 'fail', d.detail, d.fix);
  }
}
