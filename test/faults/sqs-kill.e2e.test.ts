import type { ChildProcess } from 'node:child_process';
import { eventually } from '../helpers/eventually';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { FakeSqs, type FQueue } from '../helpers/fake-sqs';
import { startFakeSqsHttp } from '../helpers/fake-sqs-http';
import { tempDbPath } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { testSigner } from '../alarms/helpers';
import { cardsOf } from './alarm-views';
import { botProcessEnv, rowCount, startBotProcess, withRestartedBot } from './process-harness';

const ALARMS = ['sqs-kill-a', 'sqs-kill-b', 'sqs-kill-c', 'sqs-kill-d'];

const storedDeliveries = (file: string) => rowCount(file, 'sns_messages');
const outboxDepth = (file: string) => rowCount(file, 'outbox');

/**
 * The bot process is SIGKILLed in the middle of an SQS batch — after storing it and before deleting
 * it, or right after receiving it — and a new one starts on the same database: the messages come
 * back after their visibility timeout, nothing is lost and nothing is posted twice.
 */
describe('the bot is killed in the middle of an SQS batch, and restarted', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack.stop();
  });

  it.each(['after the store commit, before the delete', 'right after the receive'] as const)(
    'killed %s: every alarm once, every message deleted in the end',
    async (when) => {
      const tag = when.startsWith('after') ? 'commit' : 'receive';
      const signer = await testSigner();
      const sqs = new FakeSqs('123456789012', 'us-east-1');
      const dlq = sqs.createQueue('ecs-chatops-alarms-dlq');
      const queue: FQueue = sqs.createQueue('ecs-chatops-alarms', {
        deadLetter: dlq,
        maxReceiveCount: 5,
        visibilityTimeout: 30,
      });
      let victim: ChildProcess | undefined;
      const front = await startFakeSqsHttp(sqs, (op, input) => {
        if (!victim) return 'answer';
        if (tag === 'commit' && op === 'DeleteMessageBatch') {
          victim.kill('SIGKILL');
          victim = undefined;
          return 'drop';
        }
        if (tag === 'receive' && op === 'ReceiveMessage' && sqs.visible(input.QueueUrl).length > 0) {
          const v = victim;
          victim = undefined;
          setImmediate(() => v.kill('SIGKILL'));
        }
        return 'answer';
      });
      const db = tempDbPath();
      const env = botProcessEnv({
        slackApiUrl: slack.apiUrl,
        db,
        certPem: signer.certPem,
        extra: {
          SQS_QUEUE_URLS: queue.url,
          SQS_POLLERS_PER_QUEUE: '1',
          ALARM_ROUTES: ALARMS.map((a, i) => `${tag}-${a}=C0SQSK${tag.toUpperCase()}${i}`).join(','),
          BOT_SQS_ENDPOINT: front.endpoint,
        },
      });
      try {
        for (const a of ALARMS)
          sqs.send(
            queue.url,
            JSON.stringify(
              signer.envelope({ message: pendingTaskAlarm({ name: `${tag}-${a}`, at: Date.now() - 1000 }) }),
            ),
          );

        // The first bot cannot reach Slack: a kill between Slack taking a post and the store recording
        // it is the outbox's concern (kill-restart.e2e.test.ts); here only the queue's part is at stake.
        const first = await startBotProcess({ ...env, SLACK_API_URL: 'http://127.0.0.1:9/api/' });
        victim = first.child;
        expect(await first.exited).toBe('SIGKILL');
        // It died holding the batch: nothing deleted, every message invisible until its timeout.
        expect(queue.deleted).toHaveLength(0);
        expect(sqs.inFlight(queue.url)).toHaveLength(ALARMS.length);
        if (tag === 'commit') expect(storedDeliveries(db)).toBe(ALARMS.length);

        sqs.advance(31_000);
        await withRestartedBot(env, async (second) => {
          try {
            await eventually(() => queue.messages.length === 0, 'the restarted bot to take every message', 60_000);
            await eventually(() => outboxDepth(db) === 0, 'the restarted bot to deliver everything', 60_000);
            ALARMS.forEach((a, i) => {
              const name = `${tag}-${a}`;
              expect({ name, cards: cardsOf(slack, `C0SQSK${tag.toUpperCase()}${i}`, name).length }).toEqual({
                name,
                cards: 1,
              });
            });
            expect(queue.deleted.sort()).toEqual(queue.deleted.filter((v, i, all) => all.indexOf(v) === i).sort());
            expect(queue.deleted).toHaveLength(ALARMS.length);
            expect(dlq.messages).toHaveLength(0);
            expect(storedDeliveries(db)).toBe(ALARMS.length);
          } catch (err) {
            throw new Error(
              `${(err as Error).message}; calls: ${front.calls.map((c) => c.op).join(',')}; first bot: ${first.stderr.join('').slice(-1500)}; second bot: ${second.stderr.join('').slice(-3000)}`,
              { cause: err },
            );
          }
        });
      } finally {
        await front.stop();
      }
    },
    150_000,
  );
});
