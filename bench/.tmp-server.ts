import { writeFileSync } from 'node:fs';
import { startAlarmBot } from '../test/alarms/helpers';
import { pendingTaskAlarm } from '../test/notifications/fixtures';
async function main() {
  const t = await startAlarmBot({ env: { LOG_LEVEL: process.env.LVL ?? 'info' } });
  const N = 8000;
  const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(t.signer.envelope({ message: pendingTaskAlarm({ at: t.clock.now() - 1000 + i, name: `alarm-${i % 500}`, state: i % 2 ? 'OK' : 'ALARM' }), timestamp: t.clock.now() })));
  writeFileSync('/tmp/bench3/bodies.json', JSON.stringify(bodies));
  writeFileSync('/tmp/bench3/url', t.url);
  process.on('SIGINT', async () => { await t.stop(); process.exit(0); });
}
main();
