import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClustersCommand, ListClustersCommand, type Cluster } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '../aws/clients';
import { diagnoseAwsError } from './aws-fix';
import { result, type CheckResult } from './types';
import { plural } from '../util/text';

const MAX_CLUSTER_PAGES = 10;

/** sts:GetCallerIdentity: credentials resolve and AWS answers in the configured region. */
export async function checkIdentity(aws: AwsClients, region: string): Promise<CheckResult> {
  const name = 'AWS identity';
  try {
    const r = await aws.sts.send(new GetCallerIdentityCommand({}));
    return result('aws.identity', name, 'pass', `account ${r.Account ?? '?'} as ${r.Arn ?? '?'}, region ${region}`);
  } catch (err) {
    const d = diagnoseAwsError(err, 'sts:GetCallerIdentity', region);
    return result('aws.identity', name, 'fail', d.detail, d.fix);
  }
}

/** One cheap read call per service; pass when AWS answers it. */
async function readCheck(
  id: string,
  name: string,
  action: string,
  region: string,
  call: () => Promise<string>,
): Promise<CheckResult> {
  try {
    return result(id, name, 'pass', await call());
  } catch (err) {
    const d = diagnoseAwsError(err, action, region);
    return result(id, name, 'fail', d.detail, d.fix);
  }
}

/** ecs:ListClusters, every page (bounded); the ARNs feed the Container Insights check. */
export async function listAllClusterArns(aws: AwsClients): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_CLUSTER_PAGES; page++) {
    const r = await aws.ecs.send(new ListClustersCommand({ maxResults: 100, nextToken }));
    arns.push(...(r.clusterArns ?? []));
    nextToken = r.nextToken;
    if (!nextToken) break;
  }
  return arns;
}

export function clusterNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export async function checkEcs(
  aws: AwsClients,
  region: string,
): Promise<{ check: CheckResult; clusterArns?: string[] }> {
  const name = 'ECS read access';
  try {
    const arns = await listAllClusterArns(aws);
    if (arns.length === 0) {
      return {
        check: result(
          'aws.ecs',
          name,
          'warn',
          `no ECS clusters in ${region}`,
          `Check AWS_REGION (${region}) is the region of your clusters.`,
        ),
        clusterArns: arns,
      };
    }
    const names = arns.map(clusterNameOf);
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
    return {
      check: result('aws.ecs', name, 'pass', `${plural(arns.length, 'cluster')}: ${shown}`),
      clusterArns: arns,
    };
  } catch (err) {
    const d = diagnoseAwsError(err, 'ecs:ListClusters', region);
    return { check: result('aws.ecs', name, 'fail', d.detail, d.fix) };
  }
}

export function checkCloudWatch(aws: AwsClients, region: string): Promise<CheckResult> {
  return readCheck('aws.cloudwatch', 'CloudWatch read access', 'cloudwatch:DescribeAlarms', region, async () => {
    await aws.cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 1 }));
    return 'alarms are readable';
  });
}

export function checkLogs(aws: AwsClients, region: string): Promise<CheckResult> {
  return readCheck('aws.logs', 'CloudWatch Logs read access', 'logs:DescribeLogGroups', region, async () => {
    await aws.logs.send(new DescribeLogGroupsCommand({ limit: 1 }));
    return 'log groups are readable';
  });
}

export function checkAutoScaling(aws: AwsClients, region: string): Promise<CheckResult> {
  return readCheck(
    'aws.autoscaling',
    'Auto Scaling read access',
    'autoscaling:DescribeAutoScalingGroups',
    region,
    async () => {
      await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1 }));
      return 'Auto Scaling groups are readable';
    },
  );
}

/** `enhanced`, `enabled` or `disabled` (a cluster without the setting has it off). */
export function containerInsightsOf(cluster: Cluster): string {
  return cluster.settings?.find((s) => s.name === 'containerInsights')?.value ?? 'disabled';
}

/** ecs:DescribeClusters with SETTINGS, 100 at a time: which clusters have Container Insights off. */
export async function checkContainerInsights(
  aws: AwsClients,
  region: string,
  clusterArns: string[] | undefined,
): Promise<CheckResult> {
  const name = 'Container Insights';
  if (!clusterArns) return result('ecs.container-insights', name, 'skip', 'skipped: the ECS read check failed');
  if (clusterArns.length === 0) return result('ecs.container-insights', name, 'skip', 'no clusters to check');
  const off: string[] = [];
  let on = 0;
  try {
    for (let i = 0; i < clusterArns.length; i += 100) {
      const r = await aws.ecs.send(
        new DescribeClustersCommand({ clusters: clusterArns.slice(i, i + 100), include: ['SETTINGS'] }),
      );
      for (const c of r.clusters ?? []) {
        if (containerInsightsOf(c) === 'disabled') off.push(c.clusterName ?? clusterNameOf(c.clusterArn ?? '?'));
        else on++;
      }
    }
  } catch (err) {
    const d = diagnoseAwsError(err, 'ecs:DescribeClusters', region);
    return result('ecs.container-insights', name, 'fail', d.detail, d.fix);
  }
  if (off.length === 0) return result('ecs.container-insights', name, 'pass', `on for all ${plural(on, 'cluster')}`);
  const shown = off.slice(0, 10).join(', ') + (off.length > 10 ? ` and ${off.length - 10} more` : '');
  return result(
    'ecs.container-insights',
    name,
    'warn',
    `off for ${off.length} of ${off.length + on} clusters: ${shown}. Status and capacity answers there lack task counts and utilisation.`,
    `Turn it on for each of these clusters (CloudWatch charges for the metrics it adds): in Slack, /ecs insights ${off[0]} enhanced asks an approver; or with the AWS CLI:`,
    `aws ecs update-cluster-settings --cluster ${off[0]} --settings name=containerInsights,value=enhanced`,
  );
}
