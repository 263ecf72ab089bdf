import type { TestBot } from '../helpers/test-bot';
import type { AwsOrg } from '../helpers/aws-org';
import { BOT_ACCOUNT } from '../helpers/aws-org';
import { estate, orgBot, PROD, STAGING } from './org-bot';

/**
 * The App Home tab's clusters across accounts (signed Events API over HTTP, the fake AWS organisation,
 * the fake Slack): every configured account and region is read, each cluster says where it is, and
 * an account that cannot be read is named while the rest are shown.
 */

const ALICE = 'U0ALICE';

async function openHome(t: TestBot): Promise<string> {
  const before = t.slack.views.length;
  const res = await t.transport.event({
    type: 'app_home_opened',
    user: ALICE,
    channel: 'D0HOME',
    tab: 'home',
    event_ts: `${Math.floor(Date.now() / 1000)}.000300`,
  });
  expect(res.status).toBe(200);
  const v = await t.slack.waitFor(
    () => t.slack.views.slice(before).find((x) => x.user_id === ALICE),
    8000,
    'views.publish',
  );
  return JSON.stringify(v.view.blocks);
}

describe('the Home tab lists the clusters of every account and region', () => {
  let t: TestBot;
  let org: AwsOrg;

  afterEach(async () => {
    await t.stop();
  });

  it('reads each account and region with its own session and says where each cluster is', async () => {
    org = estate();
    t = await orgBot(org);
    const home = await openHome(t);
    expect(home).toContain('`web` · prod · eu-west-1');
    expect(home).toContain('`web` · staging · eu-west-1');
    expect(home).toContain('`edge` · prod · us-east-1');
    expect(home).toContain('`tools` · default · us-east-1');
    const reads = org.calls.filter((c) => c.op === 'ListClusters');
    expect(new Set(reads.map((c) => `${c.account}/${c.region}`))).toEqual(
      new Set([
        `${BOT_ACCOUNT}/us-east-1`,
        `${BOT_ACCOUNT}/eu-west-1`,
        `${PROD}/us-east-1`,
        `${PROD}/eu-west-1`,
        `${STAGING}/eu-west-1`,
      ]),
    );
    expect(
      reads.filter((c) => c.account !== BOT_ACCOUNT).every((c) => c.identity.sessionName === 'ecs-chatops-read'),
    ).toBe(true);
  });

  it('names an account it cannot read and shows the rest', async () => {
    org = estate();
    org.unreachable.add(STAGING);
    t = await orgBot(org);
    const home = await openHome(t);
    expect(home).toContain('`web` · prod · eu-west-1');
    expect(home).not.toContain('`web` · staging');
    expect(home).toContain(':warning: Not read: staging · eu-west-1: ecs:ListClusters timed out');
  });
});
