// Linted as src/ecs/<file>.ts: the domain imports the store, Slack and the AWS adapters one folder up.
import type { Store } from '../store';
import { escapeMrkdwn } from '../slack/mrkdwn';
import { EcsReader } from '../aws/ecs';
import type { App } from '@slack/bolt';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';

export const used: unknown[] = [escapeMrkdwn, EcsReader, DescribeServicesCommand];
export type Used = [Store, App];
