import { wellFormed } from '../util/well-formed';
import { parseArn } from './aws-ids';

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d$/;
const NAME_RE = /^[A-Za-z0-9_-]{1,255}$/;

/** The AWS console host for a partition and region (commercial, China, GovCloud). */
function consoleBase(region: string, partition = 'aws'): string {
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  if (partition === 'aws-us-gov') return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

export function partitionOf(...arns: (string | undefined)[]): string {
  for (const a of arns) {
    const p = parseArn(a)?.partition;
    if (p) return p;
  }
  return 'aws';
}

/**
 * The alarm's page in the CloudWatch console; undefined when the region is not a region code. The
 * name is made well-formed first: encodeURIComponent throws on a lone surrogate half.
 */
export function alarmConsoleUrl(region: string | undefined, alarmName: string, partition = 'aws'): string | undefined {
  if (!region || !REGION_RE.test(region)) return undefined;
  return `${consoleBase(region, partition)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(wellFormed(alarmName))}`;
}

/** The CloudWatch console's list of alarms: where a link to one alarm would be too long to post. */
export function alarmListConsoleUrl(region: string | undefined, partition = 'aws'): string | undefined {
  if (!region || !REGION_RE.test(region)) return undefined;
  return `${consoleBase(region, partition)}/cloudwatch/home?region=${region}#alarmsV2:`;
}

/** The ECS service's page in the console (new console); undefined for names ECS would not accept. */
export function ecsServiceConsoleUrl(
  region: string | undefined,
  cluster: string,
  service: string,
  partition = 'aws',
): string | undefined {
  if (!region || !REGION_RE.test(region) || !NAME_RE.test(cluster) || !NAME_RE.test(service)) return undefined;
  return `${consoleBase(region, partition)}/ecs/v2/clusters/${cluster}/services/${service}/health?region=${region}`;
}
