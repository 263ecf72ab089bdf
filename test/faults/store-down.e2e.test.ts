import { Client } from 'pg';
import { postSns } from '../helpers/sns-signer';
import { TEST_PG_URL } from '../helpers/stores';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { cardsOf } from './alarm-views';
import { TcpProxy } from './tcp-proxy';

async function readyz(t: AlarmBot): Promise<number> {
  return (await fetch(`${t.url}/readyz`)).status;
}

/**
 * The store goes away under a running bot. /sns must answer 5xx (so SNS keeps the message and
 * retries it) and /readyz 503 (so the load balancer stops sending traffic); when the store is back, the
 * retried message is accepted and its card posted once.
 */
describe('the store becomes unreachable', () => {
  it('PostgreSQL cut off at the network: /sns 503 and /readyz 503, then the SNS retry is accepted once it is back', async () => {
    const target = new URL(TEST_PG_URL);
    const proxy = await new TcpProxy(Number(target.port || 5432), target.hostname).start();
    const schema = `faults_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const via = new URL(TEST_PG_URL);
    via.port = String(proxy.port);
    via.searchParams.set('schema', schema);
    const t = await startAlarmBot({ env: { DATABASE_URL: via.toString() } });
    try {
      expect(t.store.dialect).toBe('postgres');
      expect(await readyz(t)).toBe(200);
      expect((await t.notify(pendingTaskAlarm({ name: 'before-cut', at: t.clock.now() }))).status).toBe(200);

      await proxy.cut();
      expect(await readyz(t)).toBe(503);
      const env = t.signer.envelope({
        message: pendingTaskAlarm({ name: 'during-cut', at: t.clock.now() }),
        timestamp: t.clock.now(),
      });
      const refused = await postSns(t.url, env);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: 'store_unavailable' });
      expect(t.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);

      await proxy.restore();
      expect(await readyz(t)).toBe(200);
      // SNS resends the same message (same MessageId and signature).
      expect((await postSns(t.url, env)).status).toBe(200);
      expect((await postSns(t.url, env)).status).toBe(200); // and a duplicate delivery changes nothing
      await t.drain();
      expect(cardsOf(t.slack, ALARM_CHANNEL, 'during-cut')).toHaveLength(1);
      expect(cardsOf(t.slack, ALARM_CHANNEL, 'before-cut')).toHaveLength(1);
    } finally {
      await t.stop().catch(() => undefined);
      await proxy.stop();
      const c = new Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });

  it('SQLite closed under the bot: /sns 503 and /readyz 503, and nothing reaches Slack', async () => {
    const t = await startAlarmBot();
    try {
      expect(await readyz(t)).toBe(200);
      await t.store.close();
      expect(await readyz(t)).toBe(503);
      const res = await t.notify(pendingTaskAlarm({ at: t.clock.now() }));
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'store_unavailable' });
      expect(t.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
      expect(t.logs.records().some((r) => r.msg === 'readiness check failed: store unreachable')).toBe(true);
    } finally {
      await t.bot.app.stop().catch(() => undefined);
      await t.slack.stop();
    }
  });
});
