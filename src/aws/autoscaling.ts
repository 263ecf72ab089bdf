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

  /**
   * The one Auto Scaling group behind a cluster: from its capacity providers, else from its container
   * instances' EC2 instances, else from ASG_MAPPING. Says which source was used. A cluster with several
   * groups is refused (scale those in the EC2 console); one with none gets a message naming the fixes.
   */
  async findClusterGroup(
    cluster: { name: string; capacityProviders: string[] },
    listEc2InstanceIds: () => Promise<string[]>,
    mapping: Record<string, string>,
  ): Promise<ClusterGroup> {
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
    if (names.length > 1) {
      throw new UsageError(
        `cluster "${cluster.name}" uses several Auto Scaling groups (${names.join(', ')}); the bot scales a cluster with exactly one. Scale one group in the EC2 console.`,
      );
    }
    const group = await this.describeGroup(names[0]);
    return { group, source, capacityProvider: providers.find((p) => p.groupName === group.name) };
  }
}
