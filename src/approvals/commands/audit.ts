import { UsageError } from '../../errors';
import { renderAuditLog } from '../render/audit-log';
import type { Subcommand } from '../../context';

export const AUDIT_USAGE = 'audit [n] [--request <id>]';
export const AUDIT_MAX = 50;

/** `/ecs audit [n]`: the latest audited actions (requests, decisions, changes, refusals), newest first. */
export const auditCommand: Subcommand = {
  name: 'audit',
  usage: AUDIT_USAGE,
  summary: `List the latest audited actions (default 10, up to ${AUDIT_MAX}), or those of one request`,
  flags: { request: 'string' },
  async run(inv, ctx) {
    const words = inv.args.positional;
    if (words.length > 1) throw new UsageError(`unexpected "${words.slice(1).join(' ')}"`, AUDIT_USAGE);
    const requestId = inv.args.flags.request;
    let n = requestId === undefined ? 10 : AUDIT_MAX;
    if (words[0] !== undefined) {
      if (!/^\d{1,4}$/.test(words[0]) || Number(words[0]) < 1)
        throw new UsageError(`n must be a whole number from 1 to ${AUDIT_MAX}, got "${words[0]}"`, AUDIT_USAGE);
      n = Math.min(Number(words[0]), AUDIT_MAX);
    }
    if (requestId !== undefined) {
      if (typeof requestId !== 'string' || !/^[A-Za-z0-9_-]{6,40}$/.test(requestId))
        throw new UsageError('--request takes a request id as shown on the card', AUDIT_USAGE);
      const entries = (await ctx.store.audit.forRequest(requestId)).reverse().slice(0, n);
      await inv.respond(renderAuditLog(entries, { requested: n, requestId }));
      return;
    }
    await inv.respond(renderAuditLog(await ctx.store.audit.latest(n), { requested: n }));
  },
};
