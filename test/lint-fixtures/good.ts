// Linted as src/ecs/diagnosis/<file>.ts: the domain importing the domain and util, type imports included.
import type { ServiceSummary } from '../model';
import { closestNames } from '../names';
import { formatDuration } from '../../util/duration';

export function describe(s: ServiceSummary, names: string[], ms: number): string {
  return `${closestNames(s.name, names).join(', ')} for ${formatDuration(ms)}`;
}
