import { AwsOrg, BOT_ACCOUNT } from '../helpers/aws-org';
import type { AwsWorld } from '../helpers/aws-world';
import { startTestBot, type TestBot, type TestBotOptions } from '../helpers/test-bot';
import { buttonClick, sendCommand } from '../helpers/slack-sign';
import { ACTIONS } from '../../src/slack/actions';
import { ALARM_CHANNEL } from '../helpers/test-bot';

/**
 * The estate the multi-account tests run against: the bot's own account (ACCOUNT) and two member
 * accounts, prod and staging, in us-east-1 and eu-west-1. Cluster `web` exists in both prod and
 * staging (eu-west-1), so an unqualified `web` is ambiguous; `edge` exists only in prod us-east-1.
 */
export const PROD = '111111111111';
export const STAGING = '222222222222';
export const OWN = BOT_ACCOUNT;

function addApp(w: AwsWorld, cluster: string, service: string, desired: number, instances = 1) {
  w.addCluster(cluster, { containerInsights: 'enabled' });
  for (let i = 0; i < instances; i++) w.addInstance(cluster, 't3.small');
  w.registerTaskDef({
    family: service,
    cpu: 256,
    memory: 512,
    containers: [{ name: 'app', image: `example/${service}:1`, cpu: 256, memory: 512, essential: true }],
  });
  w.addService(cluster, service, `${service}:1`, desired);
  w.settle();
}

export function estate(o: { prodTrust?: Parameters<AwsOrg['addRole']>[1] } = {}) {
  const org = new AwsOrg();
  org.addRole(PROD, o.prodTrust);
  org.addRole(STAGING);
  addApp(org.home, 'tools', 'runner', 1);
  addApp(org.world(PROD, 'eu-west-1'), 'web', 'api', 2, 2);
  addApp(org.world(PROD, 'us-east-1'), 'edge', 'proxy', 1);
  addApp(org.world(STAGING, 'eu-west-1'), 'web', 'api', 1);
  return org;
}

/** The log group of the `web/logger` service that loggerIn adds. */
export const LOGGER_GROUP = '/ecs/logger';

/**
 * Service `web/logger` in `account` (eu-west-1), logging with awslogs to LOGGER_GROUP; its one running
 * task wrote `line` `agoMs` before the world's now. Returns that task and its world.
 */
export function loggerIn(org: AwsOrg, account: string, line: string, agoMs: number) {
  const w = org.world(account, 'eu-west-1');
  w.registerTaskDef({
    family: 'logger',
    cpu: 256,
    memory: 256,
    containers: [
      {
        name: 'app',
        image: 'example/logger:1',
        cpu: 256,
        memory: 256,
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': LOGGER_GROUP, 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'logger' },
        },
      },
    ],
  });
  w.addService('web', 'logger', 'logger:1', 1);
  w.settle();
  const task = w.tasksOf('web', 'logger').find((t) => t.lastStatus === 'RUNNING');
  if (!task) throw new Error(`no running logger task in ${account}`);
  const logs = org.logsOf(account, 'eu-west-1');
  logs.addGroup(LOGGER_GROUP);
  logs.put(LOGGER_GROUP, `logger/app/${task.id}`, [{ at: w.now - agoMs, message: line }]);
  return { w, task };
}

export const ACCOUNTS_ENV = (org: AwsOrg) => ({
  AWS_ACCOUNTS: `prod=${org.roleArn(PROD)},staging=${org.roleArn(STAGING)}@eu-west-1`,
  AWS_REGIONS: 'us-east-1,eu-west-1',
});

/** A bot configured for the estate: its AWS clients and sessions all go through the org. */
export function orgBot(
  org: AwsOrg,
  env: Record<string, string | undefined> = {},
  o: Partial<TestBotOptions> = {},
): Promise<TestBot> {
  return startTestBot({ ...o, awsSeams: org.seams(), clock: org.clock, env: { ...ACCOUNTS_ENV(org), ...env } });
}

let asked = 0;

/** Sends `/ecs <text>` as `user` over signed HTTP and returns the bot's first answer to it. */
export async function askAs(t: TestBot, user: string, text: string) {
  const id = `cmd${++asked}`;
  const res = await sendCommand(t.url, { text, user_id: user, response_url: t.slack.responseUrl(id) });
  expect(res.status).toBe(200);
  return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, `the answer to /ecs ${text}`)).body;
}

/** The change request a command's answer names, as stored. */
export async function requestIn(t: TestBot, reply: unknown) {
  const requestId = /request `([A-Za-z0-9_-]+)`/.exec(JSON.stringify(reply))?.[1];
  if (!requestId) throw new Error(`no request id in ${JSON.stringify(reply)}`);
  const r = await t.store.changeRequests.get(requestId);
  if (!r) throw new Error(`request ${requestId} is not in the store`);
  return r;
}

/** `user` clicks Approve on the request's card. */
export async function approveAs(t: TestBot, user: string, r: { id: string; cardTs?: string }) {
  const res = await t.transport.interaction(
    buttonClick({
      actionId: ACTIONS.changeApprove,
      value: JSON.stringify({ id: r.id }),
      userId: user,
      channelId: ALARM_CHANNEL,
      messageTs: r.cardTs,
      responseUrl: t.slack.responseUrl(`click${++asked}`),
    }),
  );
  expect(res.status).toBe(200);
}
