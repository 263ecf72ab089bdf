import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { startFakeSlack } from '../test/helpers/fake-slack';
import { startBenchBot } from './bench-bot';
import { prepareSnsLoad, accepted } from './sns-load';
import { certFetcher, makeSigningKeys, TEST_TOPIC_ARN } from './sns-traffic';
async function main() {
  const keys = await makeSigningKeys();
  const slack = await startFakeSlack();
  const b = await startBenchBot(slack, { env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN }, inject: { fetchCertificate: certFetcher(keys.certPem) } });
  const load = await prepareSnsLoad({ url: `${b.url}/sns`, keyPem: keys.keyPem, plan: { count: 10000, alarms: 200, baseAt: Date.now() - 1800_000, prefix: 'p' }, from: 0, count: 10000, connections: 50, presign: true });
  const s = new Session(); s.connect();
  await s.post('Profiler.enable'); await s.post('Profiler.start');
  const r = await load.go();
  const { profile } = await s.post('Profiler.stop');
  writeFileSync('/tmp/bench3/bot.cpuprofile', JSON.stringify(profile));
  console.log('rate', Math.round(accepted(r) / r.seconds), JSON.stringify((globalThis as any).__hist));
  await b.stop(); await slack.stop(); process.exit(0);
}
main();
