import { startBenchBot, type BenchBot } from './bench-bot';
import { certFetcher, TEST_TOPIC_ARN } from './sns-traffic';
import { FakeSlack } from '../test/helpers/fake-slack';

/**
 * The bot alone in a process (started by memory.ts with --expose-gc), so its RSS is not mixed with the
 * load generator's or the fake Slack's. Commands arrive over IPC: `mem` forces a full GC and answers
 * process.memoryUsage() with the outbox depth; `stop` shuts the bot down gracefully.
 */
interface Start {
  cmd: 'start';
  slackUrl: string;
  certPem: string;
}
type Command = Start | { cmd: 'mem' } | { cmd: 'stop' };

let bot: BenchBot | undefined;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with --expose-gc');
  g();
  g();
}

process.on('message', (m: Command) => {
  void (async () => {
    if (m.cmd === 'start') {
      // Only the URL of the parent's fake Slack is needed here: a FakeSlack that is never started.
      const slack = new FakeSlack();
      slack.url = m.slackUrl;
      bot = await startBenchBot(slack, {
        env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN },
        inject: { fetchCertificate: certFetcher(m.certPem) },
      });
      process.send!({ type: 'started', url: bot.url });
    } else if (m.cmd === 'mem') {
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
      const depth = bot ? (await bot.store.outbox.stats()).depth : 0;
      process.send!({ type: 'mem', usage: process.memoryUsage(), depth });
    } else if (m.cmd === 'stop') {
      await bot?.stop();
      process.send!({ type: 'stopped' });
      process.exit(0);
    }
  })().catch((err) => {
    process.send!({ type: 'error', message: String((err as Error)?.stack ?? err) });
  });
});
process.send!({ type: 'ready' });
