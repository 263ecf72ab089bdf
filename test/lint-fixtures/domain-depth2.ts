// Linted as src/ecs/diagnosis/<file>.ts: the same imports two folders up, and a re-export.
import type { Store } from '../../store';
import { escapeMrkdwn } from '../../slack/mrkdwn';
import type { AwsClients } from '../../aws/clients';
export { Db } from '../../store/db';

export const used: unknown[] = [escapeMrkdwn];
export type Used = [Store, AwsClients];
