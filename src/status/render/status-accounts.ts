import { code, escapeText, slackDate } from '../../slack/mrkdwn';
import { plural, truncate } from '../../util/text';
import { BlockBudget } from '../../slack/block-budget';
import {
  MAX_CLUSTER_LINES,
  n,
  stamp,
  type AccountsOverviewView,
  type Attachment,
  csvPlace,
  type OverviewGroup,
  type StatusFile,
  type StatusMessage,
} from './status-common';
import { CLUSTER_CSV_COLUMNS, clusterCsvCells, clusterLine } from './status-overview';
import { context, header, section, toCsv } from './status-table';

/**
 * `/ecs status` across several accounts and regions: one part per account (in configuration order),
 * its clusters from every region with pending ones first, and a note naming any account or region
 * that could not be read — the rest is still answered.
 */

interface AccountPart {
  account: string;
  accountId?: string;
  lines: string[];
  clusters: number;
  failed: OverviewGroup[];
}

function byAccount(v: AccountsOverviewView): AccountPart[] {
  const parts: AccountPart[] = [];
  for (const g of v.groups) {
    let p = parts.find((x) => x.account === g.account);
    if (!p) {
      p = { account: g.account, lines: [], clusters: 0, failed: [] };
      parts.push(p);
    }
    p.accountId ??= g.accountId;
    if (g.error) p.failed.push(g);
  }
  for (const p of parts) {
    const rows = v.groups
      .filter((g) => g.account === p.account && !g.error)
      .flatMap((g) => g.clusters.map((c) => ({ c, g })))
      .sort(
        (a, b) =>
          (b.c.pendingTasks > 0 ? 1 : 0) - (a.c.pendingTasks > 0 ? 1 : 0) ||
          a.c.name.localeCompare(b.c.name) ||
          a.g.region.localeCompare(b.g.region),
      );
    p.clusters = rows.length;
    p.lines = rows.map(({ c, g }) => truncate(clusterLine(c, g.util.get(c.name), g.region), 280));
  }
  return parts;
}

function accountTitle(p: Pick<AccountPart, 'account' | 'accountId'>): string {
  return `*${escapeText(p.account)}*${p.accountId ? ` · ${p.accountId}` : ''}`;
}

function failureText(groups: OverviewGroup[]): string {
  return groups.map((g) => `${escapeText(g.region)}: ${escapeText(g.error)}`).join('; ');
}

function plan(v: AccountsOverviewView, attachment: Attachment): StatusMessage & { shown: number; total: number } {
  const parts = byAccount(v);
  const regions = new Set(v.groups.map((g) => g.region));
  const budget = new BlockBudget();
  budget.add(header(`ECS clusters in ${plural(parts.length, 'account')}, ${plural(regions.size, 'region')}`));
  const footerReserve = { blocks: 2, chars: 1500 };
  const total = parts.reduce((a, p) => a + p.clusters, 0);
  let shown = 0;
  let budgetLeft = MAX_CLUSTER_LINES;
  let full = false;
  for (const p of parts) {
    if (full) break;
    const readable = v.groups.some((g) => g.account === p.account && !g.error);
    const head =
      p.failed.length && !readable
        ? `${accountTitle(p)}\n:warning: could not be read: ${failureText(p.failed)}`
        : p.clusters === 0
          ? `${accountTitle(p)}\nNo ECS clusters${p.failed.length ? '' : ' in its regions'}.`
          : accountTitle(p);
    const lines = p.lines.slice(0, Math.max(0, budgetLeft));
    // The account's title goes with its first lines; further lines in sections of 10.
    const first = [head, ...lines.slice(0, 10)].join('\n');
    if (!budget.add(section(first), footerReserve)) break;
    shown += Math.min(10, lines.length);
    for (let i = 10; i < lines.length; i += 10) {
      const group = lines.slice(i, i + 10);
      if (!budget.add(section(group.join('\n')), footerReserve)) {
        full = true;
        break;
      }
      shown += group.length;
    }
    budgetLeft -= lines.length;
    if (budgetLeft <= 0 && p !== parts[parts.length - 1]) full = true;
  }
  const notes: string[] = [];
  if (shown < total) {
    const rest = total - shown;
    notes.push(
      attachment.ok
        ? `…and ${plural(rest, 'more cluster')}: every cluster is in ${csvPlace(attachment)}.`
        : `…and ${plural(rest, 'more cluster')} not shown (the CSV could not be attached: ${escapeText(attachment.reason)}).`,
    );
  }
  const partial = parts.filter((p) => p.failed.length && v.groups.some((g) => g.account === p.account && !g.error));
  const down = parts.filter((p) => p.failed.length && !partial.includes(p));
  if (down.length)
    notes.push(
      `:warning: Not answered: ${down.map((p) => `account ${escapeText(p.account)} (${failureText(p.failed)})`).join('; ')}. The other accounts are complete.`,
    );
  if (partial.length)
    notes.push(
      `:warning: Partly answered: ${partial.map((p) => `account ${escapeText(p.account)}, ${failureText(p.failed)}`).join('; ')}.`,
    );
  const metrics = v.groups.filter((g) => g.metricsError);
  if (metrics.length)
    notes.push(
      `:warning: Utilisation unavailable in ${metrics.map((g) => `${escapeText(g.account)} ${escapeText(g.region)}`).join(', ')}: ${escapeText(metrics[0].metricsError)}`,
    );
  notes.push(
    `CPU/memory *used*: Container Insights where enabled, else AWS/ECS utilisation · *reserved*: AWS/ECS reservation · as of ${slackDate(v.at)}`,
  );
  notes.push(`${code('/ecs status <cluster>')} for one cluster · ${code('--account NAME')} for one account`);
  budget.add(context(...notes));
  const pending = v.groups.flatMap((g) => g.clusters).filter((c) => c.pendingTasks > 0).length;
  const downText = down.length ? `; not answered: ${down.map((p) => p.account).join(', ')}` : '';
  const text = `${plural(total, 'ECS cluster')} in ${plural(parts.length, 'account')}${pending ? `, ${n(pending)} with pending tasks` : ''}${downText}`;
  return { text: escapeText(text), blocks: budget.blocks, shown, total };
}

export function renderAccountsOverview(v: AccountsOverviewView, attachment: Attachment = { ok: true }): StatusMessage {
  const { text, blocks } = plan(v, attachment);
  return { text, blocks };
}

export function accountsOverviewCsv(v: AccountsOverviewView): StatusFile {
  const rows = v.groups.flatMap((g) =>
    g.clusters.map((c) => [g.account, g.accountId, g.region, ...clusterCsvCells(c, g.util.get(c.name))]),
  );
  return {
    filename: `ecs-status-clusters-${stamp(v.at)}.csv`,
    title: 'ECS clusters in every account and region',
    content: toCsv(['account', 'account_id', 'region', ...CLUSTER_CSV_COLUMNS], rows),
  };
}

/** The CSV when not every cluster fits in the message. */
export function accountsOverviewFiles(v: AccountsOverviewView): StatusFile[] {
  const p = plan(v, { ok: true });
  return p.shown < p.total ? [accountsOverviewCsv(v)] : [];
}
