import { DescribeLogGroupsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { awsOperationOf, awsOutcomeOf, instrumentAwsClient, instrumentAwsClients } from '../../src/aws/instrument';
import type { AwsClients } from '../../src/aws/clients';
import { createMetrics } from '../../src/metrics';
import { TEST_CREDENTIALS, jsonError, localRequestHandler, stsIdentityXml } from './local-aws';

async function count(metrics: ReturnType<typeof createMetrics>, operation: string, outcome: string): Promise<number> {
  const m = await metrics.awsCalls.get();
  return m.values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)?.value ?? 0;
}

describe('instrumentAwsClients', () => {
  it('counts a successful call by its IAM-style operation name', async () => {
    const metrics = createMetrics();
    const handler = localRequestHandler(() => ({
      status: 200,
      body: JSON.stringify({ clusterArns: ['arn:aws:ecs:us-east-1:1:cluster/lab'] }),
    }));
    const ecs = new ECSClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: handler });
    instrumentAwsClient(ecs, 'ecs', metrics);
    const out = await ecs.send(new ListClustersCommand({}));
    expect(out.clusterArns).toEqual(['arn:aws:ecs:us-east-1:1:cluster/lab']);
    expect(handler.seen.map((r) => r.operation)).toEqual(['ListClusters']);
    expect(await count(metrics, 'ecs:ListClusters', 'ok')).toBe(1);
  });

  it('labels a failed call with the AWS error name and rethrows it', async () => {
    const metrics = createMetrics();
    const handler = localRequestHandler(() => jsonError('AccessDeniedException', 'not allowed'));
    const logs = new CloudWatchLogsClient({
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      requestHandler: handler,
      maxAttempts: 1,
    });
    instrumentAwsClient(logs, 'logs', metrics);
    await expect(logs.send(new DescribeLogGroupsCommand({ limit: 1 }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(await count(metrics, 'logs:DescribeLogGroups', 'AccessDeniedException')).toBe(1);
    expect(await count(metrics, 'logs:DescribeLogGroups', 'ok')).toBe(0);
  });

  it('counts one call however many attempts the SDK retried it', async () => {
    const metrics = createMetrics();
    let n = 0;
    const handler = localRequestHandler(() =>
      ++n < 3 ? jsonError('ThrottlingException', 'Rate exceeded') : { status: 200, body: '{"clusterArns":[]}' },
    );
    // The SDK's retry strategy interface, with no back-off sleeps: retries throttling up to 3 attempts.
    const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
    const retryStrategy = {
      mode: 'standard',
      acquireInitialRetryToken: async () => token(0),
      refreshRetryTokenForRetry: async (t: { getRetryCount(): number }, info: { errorType: string }) => {
        if (t.getRetryCount() + 1 >= 3 || info.errorType !== 'THROTTLING') throw new Error('no more retries');
        return token(t.getRetryCount() + 1);
      },
      recordSuccess: () => undefined,
    };
    const ecs = new ECSClient({
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      requestHandler: handler,
      retryStrategy,
    });
    instrumentAwsClient(ecs, 'ecs', metrics);
    await ecs.send(new ListClustersCommand({}));
    expect(handler.seen).toHaveLength(3);
    expect(await count(metrics, 'ecs:ListClusters', 'ok')).toBe(1);
    expect(await count(metrics, 'ecs:ListClusters', 'ThrottlingException')).toBe(0);
  });

  it('instruments every client of the set once, even when called twice, with the query protocol too', async () => {
    const metrics = createMetrics();
    const sts = new STSClient({
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      requestHandler: localRequestHandler(() => stsIdentityXml('123456789012')),
    });
    const clients = { sts } as unknown as AwsClients;
    instrumentAwsClients(clients, metrics);
    instrumentAwsClients(clients, metrics);
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe('123456789012');
    expect(await count(metrics, 'sts:GetCallerIdentity', 'ok')).toBe(1);
  });

  it('keeps label values bounded', () => {
    expect(awsOperationOf('ecs', 'DescribeServicesCommand')).toBe('ecs:DescribeServices');
    expect(awsOperationOf('ecs', undefined)).toBe('ecs:unknown');
    expect(awsOperationOf('ecs', 'bad name; drop table')).toBe('ecs:unknown');
    expect(awsOutcomeOf(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe('ThrottlingException');
    expect(awsOutcomeOf(new Error('plain'))).toBe('error');
    expect(awsOutcomeOf({ name: 'x'.repeat(200) })).toBe('error');
    expect(awsOutcomeOf(undefined)).toBe('error');
  });
});
