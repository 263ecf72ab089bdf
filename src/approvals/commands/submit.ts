import type { CommandInvocation } from '../../context';
import type { Changes } from '../changes';
import { renderDryRun, requestPostedText } from '../render/change-request';
import type { ChangeProposal } from '../types';

/**
 * What every change command does once it has a proposal: request it (or only plan it with --dry-run),
 * then answer the requester privately — the plan for a dry run, else where the request was posted.
 * `command` is the command line a dry run shows, so the user can run it for real.
 */
export async function submitChange(
  inv: CommandInvocation,
  changes: Changes,
  proposal: ChangeProposal,
  command: string,
): Promise<void> {
  const dryRun = inv.args.flags['dry-run'] === true;
  const { requestId, plan } = await changes.request(
    proposal,
    { userId: inv.userId, channelId: inv.channelId },
    { dryRun },
  );
  if (dryRun) {
    await inv.respond(renderDryRun(plan, { requestedBy: inv.userId, reason: proposal.reason, command }));
    return;
  }
  await inv.respond({ response_type: 'ephemeral', text: requestPostedText(plan, requestId as string) });
}
