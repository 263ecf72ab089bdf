import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClustersCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LogLevel, WebClient, type FetchFunction } from '@slack/web-api';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients';
import { loadConfig, type Config } from '../../src/config';
import { REQUIRED_BOT_SCOPES } from '../../src/doctor/slack-checks';
import type { FakeSlack } from '../helpers/fake-slack';
import { ALARM_CHANNEL, TEST_BOT_TOKEN, testEnv } from '../helpers/test-bot';

export const ACCOUNT = '123456789012';
export const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:ecs-chatops-alarms`;
export const PUBLIC_URL = 'https://ecs-bot.example.com';
export const SUB_ARN = `${TOPIC_ARN}:0f1e2d3c-aaaa-bbbb-cccc-123456789abc`;

/** A topic policy like the CloudFormation template's: CloudWatch and EventBridge may publish. */
export const TOPIC_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'cw',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: TOPIC_ARN,
    },
    {
      Sid: 'eb',
      Effect: 'Allow',
      Principal: { Service: ['events.amazonaws.com'] },
      Action: ['sns:Publish'],
      Resource: TOPIC_ARN,
    },
  ],
});

/** An error shaped like the SDK's service exceptions (name = the AWS error code). */
export function awsError(name: string, message = `${name} message`): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

export interface MockedAws {
  aws: AwsClients;
  ecs: AwsClientStub<ECSClient>;
  cloudwatch: AwsClientStub<CloudWatchClient>;
  logs: AwsClientStub<CloudWatchLogsClient>;
  sns: AwsClientStub<SNSClient>;
  autoscaling: AwsClientStub<AutoScalingClient>;
  sts: AwsClientStub<STSClient>;
}

/** Real SDK clients behind aws-sdk-client-mock, answering as a healthy account would. */
export function healthyAws(): MockedAws {
  const region = 'us-east-1';
  const aws: AwsClients = {
    ecs: new ECSClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    logs: new CloudWatchLogsClient({ region }),
    sns: new SNSClient({ region }),
    sqs: new SQSClient({ region }),
    autoscaling: new AutoScalingClient({ region }),
    appautoscaling: new ApplicationAutoScalingClient({ region }),
    sts: new STSClient({ region }),
  };
  // No queue is configured in these fixtures: an SQS call would be a bug.
  mockClient(aws.sqs).onAnyCommand().rejects(new Error('unexpected SQS call'));
  // The doctor never calls Application Auto Scaling; a call would be a bug.
  mockClient(aws.appautoscaling).onAnyCommand().rejects(new Error('unexpected Application Auto Scaling call'));
  const m: MockedAws = {
    aws,
    ecs: mockClient(aws.ecs),
    cloudwatch: mockClient(aws.cloudwatch),
    logs: mockClient(aws.logs),
    sns: mockClient(aws.sns),
    autoscaling: mockClient(aws.autoscaling),
    sts: mockClient(aws.sts),
  };
  m.sts.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ecs-chatops-task/abc`,
    UserId: 'AROA:abc',
  });
  m.ecs.on(ListClustersCommand).resolves({
    clusterArns: [`arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/lab`, `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`],
  });
  m.ecs.on(DescribeClustersCommand).callsFake((input: { clusters: string[] }) => ({
    clusters: input.clusters.map((arn) => ({
      clusterArn: arn,
      clusterName: arn.split('/').pop(),
      settings: [{ name: 'containerInsights', value: 'enhanced' }],
    })),
    failures: [],
  }));
  m.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  m.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  m.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  m.sns.on(GetTopicAttributesCommand).resolves({
    Attributes: { TopicArn: TOPIC_ARN, SubscriptionsConfirmed: '1', SubscriptionsPending: '0', Policy: TOPIC_POLICY },
  });
  m.sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      {
        SubscriptionArn: SUB_ARN,
        Protocol: 'https',
        Endpoint: `${PUBLIC_URL}/sns`,
        TopicArn: TOPIC_ARN,
        Owner: ACCOUNT,
      },
    ],
  });
  m.sns
    .on(GetSubscriptionAttributesCommand)
    .resolves({ Attributes: { RawMessageDelivery: 'false', PendingConfirmation: 'false' } });
  return m;
}

export function doctorConfig(slack: FakeSlack, extra: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(slack, { SNS_TOPIC_ARNS: TOPIC_ARN, PUBLIC_URL, APPROVERS: 'U0BOSS', ...extra }));
}

/**
 * A fetch that lets the fake Slack's answers carry the `x-oauth-scopes` header real Slack sends on
 * every Web API response (the fake itself does not set response headers).
 */
export function withScopesHeader(scopes: readonly string[] = REQUIRED_BOT_SCOPES): FetchFunction {
  return (async (url: string | URL, init?: RequestInit) => {
    const res = await fetch(url, init);
    const headers = new Headers(res.headers);
    headers.set('x-oauth-scopes', scopes.join(','));
    return new Response(await res.text(), { status: res.status, headers });
  }) as unknown as FetchFunction;
}

/** A WebClient against the fake Slack, configured like ctx.slack (no retries). */
export function slackClient(
  fake: FakeSlack,
  opts: { scopes?: readonly string[] | null; apiUrl?: string } = {},
): WebClient {
  return new WebClient(TEST_BOT_TOKEN, {
    slackApiUrl: opts.apiUrl ?? fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    fetch: opts.scopes === null ? undefined : withScopesHeader(opts.scopes ?? REQUIRED_BOT_SCOPES),
  });
}

export { ALARM_CHANNEL };
