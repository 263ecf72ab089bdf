import type { ApprovalPolicy } from '../approvals/api';
import type { AppContext, Feature } from '../context';
import { ForbiddenError, UsageError } from '../errors';
import { renderDoctorReport } from './render';
import { runDoctor, summarize } from './run-doctor';

export interface DoctorOptions {
  /** The approval policy, which says who may run the doctor. */
  policy: ApprovalPolicy;
}

/** `/ecs doctor`: the same checks as `npm run doctor`, as an ephemeral message, for approvers only. */
export function doctorFeature(ctx: AppContext, options: DoctorOptions): Feature {
  return {
    name: 'doctor',
    subcommands: [
      {
        name: 'doctor',
        usage: 'doctor',
        summary: 'Check the Slack, AWS and SNS setup and say how to fix what is wrong (approvers only)',
        async run(inv) {
          if (inv.args.positional.length > 0) throw new UsageError('doctor takes no arguments', 'doctor');
          if (!(await options.policy.canRunDoctor(inv.userId)).ok) {
            throw new ForbiddenError(
              'Only approvers can run /ecs doctor, because it shows how the bot is set up. Ask an approver, or run `npm run doctor` where the bot runs.',
            );
          }
          const report = await runDoctor({
            config: ctx.config,
            slack: ctx.slack,
            aws: ctx.aws,
            accounts: ctx.accounts,
            clock: ctx.clock,
            store: ctx.store,
          });
          inv.log.info(
            { checks: summarize(report.results), failed: report.results.filter((r) => !r.ok).map((r) => r.id) },
            'doctor ran',
          );
          await inv.respond(renderDoctorReport(report));
        },
      },
    ],
  };
}
