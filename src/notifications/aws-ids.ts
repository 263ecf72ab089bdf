/** Small helpers for the identifiers and timestamps inside AWS payloads. */

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(arn: unknown): ParsedArn | undefined {
  if (typeof arn !== 'string') return undefined;
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] };
}

/**
 * Epoch ms of an AWS timestamp. CloudWatch writes `2021-08-23T11:23:24.588+0000`; the offset is
 * normalised to `+00:00` before parsing. Undefined for anything unparseable.
 */
export function parseAwsTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) return undefined;
  const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(t) ? t : undefined;
}

/** The last path segment after `/` (`cluster/lab` → `lab`, `service/lab/api` → `api`). */
export function lastSegment(resource: string): string {
  const parts = resource.split('/');
  return parts[parts.length - 1];
}

/** Cluster name from a cluster ARN or a bare name. */
export function clusterName(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const arn = parseArn(v);
  if (!arn) return v;
  return arn.resource.startsWith('cluster/') ? arn.resource.slice('cluster/'.length) : undefined;
}

/** Cluster and service from a service ARN, new (`service/cluster/name`) or old (`service/name`) format. */
export function serviceFromArn(v: unknown): { cluster?: string; service: string } | undefined {
  const arn = parseArn(v);
  if (!arn || arn.service !== 'ecs' || !arn.resource.startsWith('service/')) return undefined;
  const parts = arn.resource.split('/');
  return parts.length >= 3 ? { cluster: parts[1], service: parts[2] } : { service: parts[1] };
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function numOrUndef(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
