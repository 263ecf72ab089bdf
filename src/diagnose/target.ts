import { isEcsName, parseTargetWords } from '../slack/commands/parse';
import { UsageError } from '../errors';
import { decodeValue } from '../slack/actions';
import { parseAlarmOrigin, SCOPE_USAGE, type AlarmOrigin } from '../slack/commands/scope-flags';

export const DIAGNOSE_USAGE = `diagnose <cluster>/<service> ${SCOPE_USAGE} [--public]`;

export interface DiagnoseTarget {
  cluster: string;
  service: string;
}

/**
 * The words after `diagnose` → the service: `cluster/service`, `cluster service`, a service ARN, or a
 * bare service of the default cluster (ECS_DEFAULT_CLUSTER).
 */
export function parseDiagnoseTarget(words: string[], defaultCluster?: string): DiagnoseTarget {
  if (words.length === 0) throw new UsageError('name the service to diagnose', DIAGNOSE_USAGE);
  const t = parseTargetWords(words, DIAGNOSE_USAGE);
  const service = t.bare ?? t.service;
  if (!service)
    throw new UsageError(`name a service of cluster "${(t.cluster ?? '').slice(0, 80)}" to diagnose`, DIAGNOSE_USAGE);
  const cluster = t.cluster ?? defaultCluster;
  if (!cluster)
    throw new UsageError(
      `no cluster named for service "${service.slice(0, 80)}", and no default cluster is set (ECS_DEFAULT_CLUSTER)`,
      DIAGNOSE_USAGE,
    );
  return { cluster, service };
}

/** The Diagnose button's value on alarm cards: incident key, cluster, service (both optional on the card). */
export interface DiagnoseButtonValue extends AlarmOrigin {
  k?: string;
  c?: string;
  s?: string;
}

/** Validates a Diagnose button value; undefined when anything is malformed. */
export function parseDiagnoseButtonValue(raw: string | undefined): DiagnoseButtonValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  const { k, c, s } = v;
  const optionalName = (x: unknown) =>
    x === undefined || x === null || x === '' || (typeof x === 'string' && isEcsName(x));
  if (!optionalName(c) || !optionalName(s)) return undefined;
  if (k !== undefined && (typeof k !== 'string' || k.length > 512)) return undefined;
  const origin = parseAlarmOrigin(v);
  if (origin === false) return undefined;
  return {
    ...origin,
    k: k as string | undefined,
    c: typeof c === 'string' && c !== '' ? c : undefined,
    s: typeof s === 'string' && s !== '' ? s : undefined,
  };
}
