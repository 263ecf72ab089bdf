import { isEcsName } from '../commands/parse';
import { UsageError } from '../errors';
import { decodeValue } from '../slack/actions';

export const DIAGNOSE_USAGE = 'diagnose <cluster>/<service> [--public]';

export interface DiagnoseTarget {
  cluster: string;
  service: string;
}

function checkName(what: 'cluster' | 'service', name: string): string {
  if (!isEcsName(name)) throw new UsageError(`"${name.slice(0, 80)}" is not a valid ${what} name (letters, digits, - and _, up to 255)`, DIAGNOSE_USAGE);
  return name;
}

/**
 * The words after `diagnose` → the service: `cluster/service`, `cluster service`, a service ARN, or a
 * bare service of the default cluster (ECS_DEFAULT_CLUSTER).
 */
export function parseDiagnoseTarget(words: string[], defaultCluster?: string): DiagnoseTarget {
  if (words.length === 0) throw new UsageError('name the service to diagnose', DIAGNOSE_USAGE);
  if (words.length > 2) throw new UsageError(`too many names (${words.length}); give a cluster and a service`, DIAGNOSE_USAGE);
  const arn = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([^/]+)\/([^/]+)$/.exec(words[0]);
  if (arn) {
    if (words.length === 2) throw new UsageError('give either a service ARN or names, not both', DIAGNOSE_USAGE);
    return { cluster: checkName('cluster', arn[1]), service: checkName('service', arn[2]) };
  }
  let cluster: string | undefined;
  let service: string | undefined;
  if (words[0].includes('/')) {
    if (words.length === 2) throw new UsageError('give either cluster/service or cluster service, not both', DIAGNOSE_USAGE);
    const parts = words[0].split('/');
    if (parts.length > 2) throw new UsageError(`"${words[0].slice(0, 80)}" has more than one "/"; use cluster/service`, DIAGNOSE_USAGE);
    cluster = parts[0] || undefined;
    service = parts[1] || undefined;
  } else if (words.length === 2) {
    [cluster, service] = words;
  } else {
    service = words[0];
  }
  if (!service) throw new UsageError(`name a service of cluster "${(cluster ?? '').slice(0, 80)}" to diagnose`, DIAGNOSE_USAGE);
  if (!cluster) {
    if (!defaultCluster) {
      throw new UsageError(`no cluster named for service "${service.slice(0, 80)}", and no default cluster is set (ECS_DEFAULT_CLUSTER)`, DIAGNOSE_USAGE);
    }
    cluster = defaultCluster;
  }
  return { cluster: checkName('cluster', cluster), service: checkName('service', service) };
}

/** The Diagnose button's value on alarm cards: incident key, cluster, service (both optional on the card). */
export interface DiagnoseButtonValue {
  k?: string;
  c?: string;
  s?: string;
}

/** Validates a Diagnose button value; undefined when anything is malformed. */
export function parseDiagnoseButtonValue(raw: string | undefined): DiagnoseButtonValue | undefined {
  const v = decodeValue<Record<string, unknown>>(raw);
  if (!v) return undefined;
  const { k, c, s } = v;
  const optionalName = (x: unknown) => x === undefined || x === null || x === '' || (typeof x === 'string' && isEcsName(x));
  if (!optionalName(c) || !optionalName(s)) return undefined;
  if (k !== undefined && (typeof k !== 'string' || k.length > 512)) return undefined;
  return {
    k: k as string | undefined,
    c: typeof c === 'string' && c !== '' ? c : undefined,
    s: typeof s === 'string' && s !== '' ? s : undefined,
  };
}
