import { buttonClick, sendInteraction } from '../helpers/slack-sign';
import type { TestBot } from '../helpers/test-bot';
import { blockText } from '../status/status-helpers';
import { CLUSTER, SERVICE, logsBot, logsWorld } from './logs-world';

const MIN = 60_000;
const CARD_TS = '1700000042.000042';
let seq = 0;

async function click(t: TestBot, value: unknown, user = 'U0BOB'): Promise<any> {
  const id = `logs-click-${++seq}`;
  const res = await sendInteraction(
    t.url,
    buttonClick({
      actionId: 'alarm.logs',
      value: typeof value === 'string' ? value : JSON.stringify(value),
      messageTs: CARD_TS,
      responseUrl: t.slack.responseUrl(id),
      userId: user,
    }),
  );
  expect(res.status).toBe(200);
  return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the answer to the Logs click')).body;
}

describe('the Logs button of alarm cards', () => {
  let w: ReturnType<typeof logsWorld>;
  let t: TestBot;
  beforeEach(async () => {
    w = logsWorld();
    t = await logsBot(w);
  });
  afterEach(async () => {
    await t.stop();
  });

  it('answers the clicker alone with the error lines of the 15 minutes up to the state change', async () => {
    const [a, b] = w.tasks();
    const changedAt = w.world.now - 10 * MIN;
    w.say(a, 'app', [
      [30 * MIN, 'ERROR before the window'],
      [20 * MIN, 'GET /health 200'],
      [14 * MIN, 'ERROR connection refused to db:5432'],
      [12 * MIN, 'GET /cart 200'],
      [5 * MIN, 'ERROR after the state change'],
    ]);
    w.say(b, 'worker', [[11 * MIN, 'Traceback (most recent call last):']]);
    const body = await click(t, { k: 'inc1', c: CLUSTER, s: SERVICE, t: Math.floor(changedAt / 1000) });
    expect(body.response_type).toBe('ephemeral');
    expect(body.replace_original).toBe(false);
    const text = blockText(body);
    expect(text).toContain('*Error lines of `shop/web`*');
    expect(text).toContain('lines with ERROR, Exception, FATAL, panic, Traceback, OOM');
    expect(text).toContain('ERROR connection refused to db:5432');
    expect(text).toContain('Traceback (most recent call last):');
    expect(text).not.toContain('GET /');
    expect(text).not.toContain('before the window');
    expect(text).not.toContain('after the state change');
    const calls = w.logs.callsOf('FilterLogEvents');
    expect(calls.length).toBe(4);
    for (const c of calls) {
      expect(c.endTime).toBe(Math.floor(changedAt / 1000) * 1000);
      expect(c.endTime - c.startTime).toBe(15 * MIN);
      expect(c.filterPattern).toBe('?ERROR ?Exception ?FATAL ?panic ?Traceback ?OOM');
    }
    // Nothing posted in the channel or the thread: the answer is the clicker's.
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('with no error lines, the last lines of the window instead, and says so', async () => {
    const [a] = w.tasks();
    w.say(a, 'app', [[3 * MIN, 'GET /health 200']]);
    const body = await click(t, { k: 'inc1', c: CLUSTER, s: SERVICE, t: Math.floor(w.world.now / 1000) });
    const text = blockText(body);
    expect(text).toContain('*Logs of `shop/web`*');
    expect(text).toContain('No error lines (ERROR, Exception, FATAL, panic, Traceback, OOM)');
    expect(text).toContain('GET /health 200');
  });

  it('a malformed or forged value is refused without reading anything', async () => {
    for (const v of [
      'not json',
      { c: CLUSTER, s: SERVICE },
      { c: '../x', s: SERVICE, t: 1_795_000_000 },
      { c: CLUSTER, s: SERVICE, t: 9_999_999_999 },
      { c: CLUSTER, s: SERVICE, t: 1_795_000_000, a: 'evil' },
    ]) {
      const body = await click(t, v);
      expect(body.text).toContain('this button is malformed; it names no valid service or time');
    }
    expect(w.world.calls).toHaveLength(0);
    expect(w.logs.calls).toHaveLength(0);
  });

  it('a service that no longer exists: the clicker is told, with the closest names', async () => {
    const body = await click(t, { c: CLUSTER, s: 'webb', t: Math.floor(w.world.now / 1000) });
    expect(body.text).toContain('service "webb" does not exist in cluster "shop"');
  });
});
