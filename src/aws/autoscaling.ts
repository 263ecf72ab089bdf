import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeCapacityProvidersCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { NotFoundError, UsageError } from '../errors';
import { chunk, mapLimit } from './batch';
import { awsCall } from './errors';

/** How the cluster's Auto Scaling group was found, in order of preference. */
export type AsgSource = 'capacity-provider' | 'container-instances' | 'mapping';

export const ASG_SOURCE_TEXT: Record<AsgSource, string> = {
  'capacity-provider': "found through the cluster's capacity provider",
  'container-instances': "found from the cluster's container instances",
  mapping: 'taken from ASG_MAPPING',
};

export interface AsgInstance {
  id: string;
  lifecycle: string;
  health?: string;
  instanceType?: string;
}

export interface AsgInfo {
  name: string;
  arn: string;
  min: number;
  max: number;
  desired: number;
  instances: AsgInstance[];
  /** Instances in the InService lifecycle state. */
  inService: number;
}

export interface CapacityProviderInfo {
  name: string;
  groupName: string;
  managedScaling: boolean;
  targetCapacity?: number;
}

export interface ClusterGroup {
  group: AsgInfo;
  source: AsgSource;
  /** The capacity provider that uses this group, when there is one (its managed scaling may own the group). */
  capacityProvider?: CapacityProviderInfo;
}

const BUILT_IN_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

/** "arn:aws:autoscaling:…:autoScalingGroupName/NAME" → NAME. */
export function groupNameFromArn(arn: string): string {
  const i = arn.indexOf('autoScalingGroupName/');
  return i >= 0 ? arn.slice(i + 'autoScalingGroupName/'.length) : arn;
}

function toGroup(g: AutoScalingGroup): AsgInfo {
  const instances = (g.Instances ?? []).map((i) => ({
    id: i.InstanceId ?? '',
    lifecycle: String(i.LifecycleState ?? 'Unknown'),
    health: i.HealthStatus,
    instanceType: i.InstanceType,
  }));
  return {
    name: g.AutoScalingGroupName ?? '',
    arn: g.AutoScalingGroupARN ?? '',
    min: g.MinSize ?? 0,
    max: g.MaxSize ?? 0,
    desired: g.DesiredCapacity ?? 0,
    instances,
    inService: instances.filter((i) => i.lifecycle === 'InService').length,
  };
}

/**
 * Read-only EC2 Auto Scaling adapter: finds the group behind an ECS cluster and describes it. Changing
 * a group is a change request (src/approvals), never done here.
 */
export class AutoScalingReader {
  constructor(
    private readonly autoscaling: AutoScalingClient,
    private readonly ecs: ECSClient,
  ) {}

  async describeGroup(name: string): Promise<AsgInfo> {
    const out = await awsCall('autoscaling:DescribeAutoScalingGroups', () =>
      this.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
    );
    const g = (out.AutoScalingGroups ?? []).find((x) => x.AutoScalingGroupName === name);
    if (!g) throw new NotFoundError(`Auto Scaling group "${name}" does not exist in this region`);
    return toGroup(g);
  }

  /** The EC2 capacity providers of a cluster with the group each one uses. */
  async capacityProviders(names: string[]): Promise<CapacityProviderInfo[]> {
    const wanted = names.filter((n) => !BUILT_IN_PROVIDERS.has(n));
    if (wanted.length === 0) return [];
    const out = await awsCall('ecs:DescribeCapacityProviders', () =>
      this.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: wanted })),
    );
    return (out.capacityProviders ?? [])
      .filter((cp) => cp.autoScalingGroupProvider?.autoScalingGroupArn)
      .map((cp) => ({
        name: cp.name ?? '',
        groupName: groupNameFromArn(cp.autoScalingGroupProvider!.autoScalingGroupArn!),
        managedScaling: cp.autoScalingGroupProvider?.managedScaling?.status === 'ENABLED',
        targetCapacity: cp.autoScalingGroupProvider?.managedScaling?.targetCapacity,
      }));
  }

  /** Group names of EC2 instances (DescribeAutoScalingInstances takes at most 50 ids per call). */
  async groupsOfInstances(ec2InstanceIds: string[]): Promise<string[]> {
    const ids = [...new Set(ec2InstanceIds.filter(Boolean))];
    const pages = await mapLimit(chunk(ids, 50), 3, (batch) =>
      awsCall('autoscaling:DescribeAutoScalingInstances', () =>
        this.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: batch, MaxRecords: 50 })),
      ),
    );
    return [
      ...new Set(
        pages.flatMap((p) => (p.AutoScalingInstances ?? []).map((i) => i.AutoScalingGroupName ?? '')).filter(Boolean),
      ),
    ];
  }

  /** Several groups at once (DescribeAutoScalingGroups takes up to 100 names per call), in the order named. */
  async describeGroups(names: string[]): Promise<AsgInfo[]> {
    const pages = await mapLimit(chunk(names, 100), 3, (batch) =>
      awsCall('autoscaling:DescribeAutoScalingGroups', () =>
        this.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: batch })),
      ),
    );
    const byName = new Map(
      pages.flatMap((p) => p.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName ?? '', toGroup(g)]),
    );
    return names.map((n) => {
      const g = byName.get(n);
      if (!g) throw new NotFoundError(`Auto Scaling group "${n}" does not exist in this region`);
      return g;
    });
  }

  /**
   * The names of the Auto Scaling groups behind a cluster: from its capacity providers, else from its
   * container instances' EC2 instances, else from ASG_MAPPING; says which source was used. A cluster
   * with none gets a message naming the fixes.
   */
  private async groupNames(
    cluster: { name: string; capacityProviders: string[] },
    listEc2InstanceIds: () => Promise<string[]>,
    mapping: Record<string, string>,
  ): Promise<{ names: string[]; source: AsgSource; providers: CapacityProviderInfo[] }> {
    const providers = await this.capacityProviders(cluster.capacityProviders);
    let names: string[] = [...new Set(providers.map((p) => p.groupName))];
    let source: AsgSource = 'capacity-provider';
    if (names.length === 0) {
      names = await this.groupsOfInstances(await listEc2InstanceIds());
      source = 'container-instances';
    }
    if (names.length === 0 && mapping[cluster.name]) {
      names = [mapping[cluster.name]];
      source = 'mapping';
    }
    if (names.length === 0) {
      throw new UsageError(
        `no Auto Scaling group found for cluster "${cluster.name}": it has no EC2 capacity provider and none of its container instances belongs to a group. ` +
          `If a group launches its instances, add it to ASG_MAPPING (${cluster.name}=GroupName).`,
      );
    }
    return { names: names.sort(), source, providers };
  }

  /** Every Auto Scaling group behind a cluster (found as `findClusterGroup` finds one), by name. */
  async clusterGroups(
    cluster: { name: string; capacityProviders: string[] },
    listEc2InstanceIds: () => Promise<string[]>,
    mapping: Record<string, string>,
  ): Promise<ClusterGroup[]> {
    const { names, source, providers } = await this.groupNames(cluster, listEc2InstanceIds, mapping);
    const groups = await this.describeGroups(names);
    return groups.map((group) => ({
      group,
      source,
      capacityProvider: providers.find((p) => p.groupName === group.name),
    }));
  }

  /**
   * The Auto Scaling group of a cluster to scale: `wanted` when it is one of the cluster's groups, else
   * the cluster's only group. A cluster with several groups needs `wanted` (`--group NAME`); the
   * message lists them.
   */
  async findClusterGroup(
    cluster: { name: string; capacityProviders: string[] },
    listEc2InstanceIds: () => Promise<string[]>,
    mapping: Record<string, string>,
    wanted?: string,
  ): Promise<ClusterGroup> {
    const { names, source, providers } = await this.groupNames(cluster, listEc2InstanceIds, mapping);
    const listed = names.map((n) => `"${n}"`).join(', ');
    if (wanted !== undefined && !names.includes(wanted)) {
      throw new UsageError(
        `"${wanted}" is not an Auto Scaling group of cluster "${cluster.name}" (${names.length === 1 ? 'its group is' : 'its groups are'} ${listed})`,
      );
    }
    if (wanted === undefined && names.length > 1) {
      throw new UsageError(
        `cluster "${cluster.name}" uses several Auto Scaling groups (${listed}): name the one to scale with --group NAME, e.g. --group ${names[0]}`,
      );
    }
    const group = await this.describeGroup(wanted ?? names[0]);
    return { group, source, capacityProvider: providers.find((p) => p.groupName === group.name) };
  }
}

/**
 * An Auto Scaling group name as AWS allows it: 1 to 255 printable ASCII characters without a colon
 * (a colon would make it an ARN).
 */
export function isAsgName(s: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]{1,255}$/.test(s);
}
