import type { types } from '@slack/bolt';
import type { Change, ContainerDiff, RevisionDiff } from '../../ecs/revision-diff';
import { BlockBudget, joinWhole } from '../../slack/block-budget';
import { LIMITS } from '../../slack/limits';
import { code, escapeText } from '../../slack/mrkdwn';
import { plural, truncate } from '../../util/text';

/**
 * The rollback card's "what changes" part: from the revision a service runs to the one it goes back to,
 * per container (image, CPU and memory, environment variable and secret NAMES added or removed, port
 * mappings), the task-level size and roles, and the deployment configuration the rollback runs under.
 * Pure: fed the RevisionDiff the executor stored with the plan; every AWS string is escaped, and the part
 * stays within the characters and blocks it is given.
 */

type KnownBlock = types.KnownBlock;

/** The view the renderer takes: the diff as stored with the plan. */
export type RevisionDiffView = RevisionDiff;

/** At most this many names per list; the rest are counted. */
const MAX_NAMES = 12;
/** One image or role as shown: long ECR URIs are cut in the middle of nowhere else. */
const MAX_VALUE = 120;

const val = (v: string | undefined) => (v === undefined ? '_none_' : code(truncate(v, MAX_VALUE)));
const num = (v: number | undefined, unit = '') => (v === undefined ? '_unset_' : `${v}${unit}`);

function arrow<T>(c: Change<T> | undefined, show: (v: T | undefined) => string): string | undefined {
  return c ? `${show(c.from)} → *${show(c.to)}*` : undefined;
}

/** "`A`, `B` and 3 more": names in code spans, counted past MAX_NAMES. */
export function nameList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES).map((n) => code(truncate(n, 80)));
  const more = names.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

function addedRemoved(label: string, added: readonly string[], removed: readonly string[]): string | undefined {
  if (!added.length && !removed.length) return undefined;
  const parts = [
    added.length ? `added ${nameList(added)}` : undefined,
    removed.length ? `removed ${nameList(removed)}` : undefined,
  ].filter(Boolean);
  return `${label}: ${parts.join(' · ')}`;
}

/** The lines of one changed, added or removed container. */
export function containerLines(c: ContainerDiff): string[] {
  const head =
    c.change === 'added'
      ? `*${escapeText(c.name)}* — added, image ${val(c.image)}`
      : c.change === 'removed'
        ? `*${escapeText(c.name)}* — removed (it ran ${val(c.image)})`
        : `*${escapeText(c.name)}* — ${c.imageChange ? `image ${arrow(c.imageChange, val)}` : `image ${val(c.image)} (same)`}`;
  const size = [
    c.cpu ? `CPU ${arrow(c.cpu, (v) => num(v, ' units'))}` : undefined,
    c.memory ? `memory ${arrow(c.memory, (v) => num(v, ' MiB'))}` : undefined,
    c.memoryReservation ? `memory reservation ${arrow(c.memoryReservation, (v) => num(v, ' MiB'))}` : undefined,
    c.essential ? `essential ${arrow(c.essential, (v) => (v === false ? 'no' : 'yes'))}` : undefined,
  ].filter((x): x is string => !!x);
  return [
    head,
    size.length ? `Size: ${size.join(' · ')}` : undefined,
    addedRemoved('Environment variables', c.envAdded, c.envRemoved),
    addedRemoved('Secrets', c.secretsAdded, c.secretsRemoved),
    addedRemoved('Port mappings', c.portsAdded, c.portsRemoved),
  ].filter((x): x is string => !!x);
}

function taskLine(d: RevisionDiff): string | undefined {
  const t = d.task;
  const parts = [
    t.cpu ? `CPU ${arrow(t.cpu, (v) => num(v, ' units'))}` : undefined,
    t.memory ? `memory ${arrow(t.memory, (v) => num(v, ' MiB'))}` : undefined,
    t.networkMode ? `network mode ${arrow(t.networkMode, val)}` : undefined,
    t.taskRole ? `task role ${arrow(t.taskRole, val)}` : undefined,
    t.executionRole ? `execution role ${arrow(t.executionRole, val)}` : undefined,
  ].filter((x): x is string => !!x);
  return parts.length ? `*Task*: ${parts.join(' · ')}` : undefined;
}

/** The deployment configuration the rollback runs under (a rollback does not change it). */
export function deploymentLine(d: RevisionDiff): string {
  const cb = d.deployment.circuitBreaker;
  const pct = (n: number | undefined) => (n === undefined ? '?' : `${n} %`);
  return `Deployment configuration (kept): circuit breaker ${cb?.enable ? `on, rollback ${cb.rollback ? 'on' : 'off'}` : 'off'} · minimum healthy ${pct(d.deployment.minimumHealthyPercent)} · maximum ${pct(d.deployment.maximumPercent)}`;
}

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/**
 * The blocks of the diff within `maxChars` characters and `maxBlocks` blocks: the heading, the task line,
 * one section per changed container while they fit (then a count of the rest), the unchanged containers in
 * one line, and the deployment configuration last (always kept).
 */
export function revisionDiffBlocks(d: RevisionDiffView, o: { maxChars: number; maxBlocks?: number }): KnownBlock[] {
  const budget = new BlockBudget(o.maxBlocks ?? 8, Math.max(0, o.maxChars));
  const deployment = context(escapeText(deploymentLine(d)));
  const tail = { blocks: 2, chars: 450 };
  const task = taskLine(d);
  budget.add(
    section(
      truncate(
        [`:leftwards_arrow_with_hook: *What changes*: ${code(d.from)} → ${code(d.to)}`, task]
          .filter(Boolean)
          .join('\n'),
        LIMITS.sectionText,
      ),
    ),
    tail,
  );
  const changed = d.containers.filter((c) => c.change !== 'unchanged');
  let shown = 0;
  for (const c of changed) {
    if (!budget.add(section(truncate(containerLines(c).join('\n'), 1500)), tail)) break;
    shown += 1;
  }
  const same = d.containers.filter((c) => c.change === 'unchanged');
  const rest = changed.length - shown;
  const notes = [
    rest > 0
      ? `${plural(rest, 'more container changes', 'more containers change')}: compare ${code(d.from)} and ${code(d.to)} in the console.`
      : undefined,
    same.length
      ? `Unchanged: ${joinWhole(
          same.map((c) => `${code(truncate(c.name, 80))} (${val(c.image)})`),
          ', ',
          300,
        )}${same.length > 3 ? ` (${same.length} containers)` : ''}`
      : undefined,
    changed.length === 0 ? 'No container differs in image, size, variable or secret names, or ports.' : undefined,
  ].filter((x): x is string => !!x);
  if (notes.length) budget.add(context(truncate(notes.join('\n'), 440)), { blocks: 1, chars: 200 });
  budget.add(deployment);
  return budget.blocks;
}
