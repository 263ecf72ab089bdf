import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { askAs, estate, loggerIn, orgBot, PROD, STAGING } from './org-bot';

/**
 * A diagnosis in another account reads the stopped container's last log lines there (signed HTTP, the
 * fake AWS organisation with CloudWatch Logs per account, the fake Slack): prod's and staging's
 * `web/logger` each wrote their own lines; the diagnosis of prod's shows prod's, read with prod's session.
 */

const ALICE = 'U0ALICE';

/** Service web/logger in `account`, whose one task wrote `line` and was then killed for memory. */
function oomKilledLogger(org: AwsOrg, account: string, line: string) {
  const { w, task } = loggerIn(org, account, line, 5_000);
  w.stopTask(task, 'EssentialContainerExited', 'Essential container in task exited');
  const app = task.containers.find((c) => c.name === 'app')!;
  app.exitCode = 137;
  app.reason = 'OutOfMemoryError: Container killed due to memory usage';
}

describe("a diagnosis reads the stopped container's last lines in the service's account", () => {
  let t: TestBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    oomKilledLogger(org, PROD, 'prod ran out of memory here');
    oomKilledLogger(org, STAGING, 'staging ran out of memory here');
    t = await orgBot(org);
  });
  afterEach(async () => {
    await t.stop();
  });

  it("shows prod's own last lines, read in prod with its read session", async () => {
    const body = JSON.stringify(await askAs(t, ALICE, 'diagnose web/logger --account prod --region eu-west-1'));
    expect(body).toContain('killed for running out of memory');
    expect(body).toContain('prod ran out of memory here');
    expect(body).not.toContain('staging ran out of memory here');
    const reads = org.calls.filter((c) => c.op === 'FilterLogEvents');
    expect(reads.map((c) => [c.account, c.region, c.identity.sessionName])).toEqual([
      [PROD, 'eu-west-1', 'ecs-chatops-read'],
    ]);
  });
});
