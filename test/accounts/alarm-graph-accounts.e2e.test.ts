import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { FakeClock, startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { ACCOUNTS_ENV, estate, PROD } from './org-bot';
import { BOT_ACCOUNT, type AwsOrg } from '../helpers/aws-org';

/**
 * The graph of an alarm card from another account (signed SNS over HTTP, the fake AWS organisation,
 * the fake Slack): drawn with that account's read session in the alarm's region, where its metric is;
 * an alarm from an account the bot is not configured for gets no graph and one footer note.
 */

const UNKNOWN = '333333333333';
const MIN = 60_000;
const images = (m: { blocks?: any[] }) => (m.blocks ?? []).filter((b) => b.type === 'image');
const header = (m: { blocks?: any[] }) => m.blocks?.find((b) => b.type === 'header')?.text.text as string;
const footer = (m: { blocks?: any[] }) =>
  (m.blocks ?? []).filter((b) => b.type === 'context').flatMap((b) => b.elements.map((e: any) => String(e.text)));

function alarmIn(account: string, region: string, name: string, o: { at: number; state?: string }) {
  const a = pendingTaskAlarm({
    name,
    cluster: 'web',
    service: 'api',
    at: o.at,
    ...(o.state ? { state: o.state } : {}),
  });
  return {
    ...a,
    AWSAccountId: account,
    AlarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
    Region: region === 'eu-west-1' ? 'EU (Ireland)' : 'US East (N. Virginia)',
  };
}

describe("alarm graphs are drawn in the alarm's account and region", () => {
  let t: AlarmBot;
  let org: AwsOrg;

  beforeEach(async () => {
    org = estate();
    t = await startAlarmBot({
      clock: new FakeClock(org.now),
      aws: org.makeClients('us-east-1'),
      awsSeams: org.seams(),
      env: ACCOUNTS_ENV(org),
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  const cardOf = (name: string) =>
    t.slack.messagesIn(ALARM_CHANNEL).find((m) => !m.thread_ts && header(m)?.endsWith(name))!;

  it("renders a prod alarm's graph with prod's read session in eu-west-1", async () => {
    await t.notify(alarmIn(PROD, 'eu-west-1', 'prod-web-api-pending', { at: t.clock.now() - 5 * MIN }));
    await t.drain();
    const renders = org.calls.filter((c) => c.op === 'GetMetricWidgetImage');
    expect(renders.map((c) => [c.account, c.region, c.identity.sessionName])).toEqual([
      [PROD, 'eu-west-1', 'ecs-chatops-read'],
    ]);
    expect(JSON.parse((renders[0].input as { MetricWidget: string }).MetricWidget).region).toBe('eu-west-1');
    expect(org.callsIn(BOT_ACCOUNT, 'GetMetricWidgetImage')).toEqual([]);
    const card = cardOf('prod-web-api-pending');
    expect(images(card)).toHaveLength(1);
    expect(footer(card).join(' ')).not.toContain('No graph');
  });

  it('gives an alarm from an unconfigured account no graph and one footer note, never an error', async () => {
    const at = t.clock.now() - 5 * MIN;
    await t.notify(alarmIn(UNKNOWN, 'eu-west-1', 'elsewhere-web-api', { at }));
    await t.drain();
    const card = cardOf('elsewhere-web-api');
    expect(images(card)).toEqual([]);
    const note =
      ":frame_with_picture: No graph: the alarm's account or region is not one the bot is configured for (`AWS_ACCOUNTS`, `AWS_REGIONS`).";
    expect(footer(card)).toContain(note);
    const updates = () => t.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card.ts);
    expect(updates()).toHaveLength(1);

    // A new state updates the card (and keeps the note), but the note costs no update of its own again.
    await t.notify(alarmIn(UNKNOWN, 'eu-west-1', 'elsewhere-web-api', { at: at + 3 * MIN, state: 'OK' }));
    await t.drain();
    expect(footer(cardOf('elsewhere-web-api'))).toContain(note);
    expect(updates()).toHaveLength(2);
    expect(org.calls.filter((c) => c.op === 'GetMetricWidgetImage')).toEqual([]);
    const logged = t.logs.records();
    expect(logged.some((r) => /not configured for/.test(r.msg))).toBe(true);
    expect(logged.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
  });
});
