import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

/** Credentials as the SDK takes them (structurally the SDK's AwsCredentialIdentity). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A source of credentials; the SDK calls it before signing a request. */
export type CredentialsProvider = () => Promise<AwsCredentials>;

/** The SDK v3 clients the bot uses. Tests pass clients whose `send` a fake AWS world answers. */
export interface AwsClients {
  ecs: ECSClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  sns: SNSClient;
  /** Alarm queues (SQS_QUEUE_URLS): receive, delete after the store commit, and the doctor's reads. */
  sqs: SQSClient;
  autoscaling: AutoScalingClient;
  /** Service auto scaling (ECS desired-count min/max and policies that would undo a manual change). */
  appautoscaling: ApplicationAutoScalingClient;
  sts: STSClient;
}

/**
 * Clients from the SDK's standard credential chain. The SDK itself reads AWS_ENDPOINT_URL (and the
 * per-service AWS_ENDPOINT_URL_ECS …), so the bot can point at an AWS-compatible emulator unchanged.
 * Retries use the SDK's standard mode (throttling back-off included), bounded so a command answers.
 */
export function createAwsClients(
  region: string,
  opts: { maxAttempts?: number; credentials?: CredentialsProvider } = {},
): AwsClients {
  const common = {
    region,
    maxAttempts: opts.maxAttempts ?? 4,
    retryMode: 'standard' as const,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  };
  return {
    ecs: new ECSClient(common),
    cloudwatch: new CloudWatchClient(common),
    logs: new CloudWatchLogsClient(common),
    sns: new SNSClient(common),
    sqs: new SQSClient(common),
    autoscaling: new AutoScalingClient(common),
    appautoscaling: new ApplicationAutoScalingClient(common),
    sts: new STSClient(common),
  };
}

export function destroyAwsClients(c: AwsClients): void {
  for (const client of Object.values(c)) client.destroy();
}
