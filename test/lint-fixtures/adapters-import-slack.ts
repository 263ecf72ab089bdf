// Linted as src/aws/<file>.ts and src/store/<file>.ts: the adapters and the store know nothing of Slack.
import { escapeMrkdwn } from '../slack/mrkdwn';
import type { WebClient } from '@slack/web-api';

export const used: unknown[] = [escapeMrkdwn];
export type Used = WebClient;
