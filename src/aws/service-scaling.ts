import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  type ApplicationAutoScalingClient,
} from '@aws-sdk/client-application-auto-scaling';
import { awsCall } from './errors';

export interface ServiceScalingPolicy {
  name: string;
  type: string;
}

/** Service auto scaling for one ECS service, when it is registered. */
export interface ServiceScaling {
  min: number;
  max: number;
  /** True when scale-in/scale-out from policies is suspended on the target. */
  suspended: boolean;
  policies: ServiceScalingPolicy[];
}

export function serviceResourceId(cluster: string, service: string): string {
  return `service/${cluster}/${service}`;
}

/**
 * Read-only Application Auto Scaling adapter: the scalable target (min/max) and scaling policies of a
 * service, used to warn that a manual desired count may be undone. Undefined when none is registered.
 */
export async function describeServiceScaling(
  client: ApplicationAutoScalingClient,
  cluster: string,
  service: string,
): Promise<ServiceScaling | undefined> {
  const resourceId = serviceResourceId(cluster, service);
  const targets = await awsCall('application-autoscaling:DescribeScalableTargets', () =>
    client.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: [resourceId],
        ScalableDimension: 'ecs:service:DesiredCount',
      }),
    ),
  );
  const t = (targets.ScalableTargets ?? []).find((x) => x.ResourceId === resourceId);
  if (!t) return undefined;
  const policies = await awsCall('application-autoscaling:DescribeScalingPolicies', () =>
    client.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'ecs',
        ResourceId: resourceId,
        ScalableDimension: 'ecs:service:DesiredCount',
      }),
    ),
  );
  const s = t.SuspendedState;
  return {
    min: t.MinCapacity ?? 0,
    max: t.MaxCapacity ?? 0,
    suspended: !!(s?.DynamicScalingInSuspended && s?.DynamicScalingOutSuspended),
    policies: (policies.ScalingPolicies ?? []).map((p) => ({
      name: p.PolicyName ?? '',
      type: String(p.PolicyType ?? ''),
    })),
  };
}
