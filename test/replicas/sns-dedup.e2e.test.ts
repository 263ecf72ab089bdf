import { ConfirmSubscriptionCommand } from '@aws-sdk/client-sns';
import { postSns, TEST_TOPIC_ARN } from '../helpers/sns-signer';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';
import { cardsIn, headerOf, startAlarmReplicas, threadLines, topLevelPosts, type AlarmReplicas } from './helpers';

const MIN = 60_000;

// SNS delivers at least once, and a retry may reach the other replica while the first delivery is
// still being stored: the MessageId decides, in the shared database, whatever replica answers.
describe('SNS dedup across two replicas on one PostgreSQL database', () => {
  let r: AlarmReplicas;
  beforeEach(async () => {
    r = await startAlarmReplicas();
  });
  afterEach(async () => {
    await r.stop();
  });

  const count = async (table: string) =>
    Number((await r.pg.store.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  it('stores one of 20 concurrent deliveries of one notification spread over both replicas, and posts one card', async () => {
    const body = r.a.signer.body({
      message: pendingTaskAlarm({ at: r.clock.now() - 30_000 }),
      timestamp: r.clock.now(),
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await postSns((i % 2 ? r.a : r.b).url, body);
        return { status: res.status, outcome: ((await res.json()) as { status: string }).status };
      }),
    );
    expect(answers.map((x) => x.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((x) => x.outcome === 'opened')).toHaveLength(1);
    expect(answers.filter((x) => x.outcome === 'duplicate')).toHaveLength(19);
    expect([
      await count('sns_messages'),
      await count('incidents'),
      await count('incident_events'),
      await count('outbox'),
    ]).toEqual([1, 1, 0, 1]);

    await r.drain();
    expect(topLevelPosts(r.slack)).toHaveLength(1);
    expect(cardsIn(r.slack).map(headerOf)).toEqual([':red_circle: ALARM · lab-api-pending-tasks']);
    expect(r.slack.callsTo('chat.update')).toHaveLength(0);
  });

  it('applies each of a sequence of notifications once when every one is delivered many times to both replicas', async () => {
    const at = r.clock.now() - 30 * MIN;
    const states = ['ALARM', 'OK', 'ALARM', 'OK'];
    for (const [k, state] of states.entries()) {
      const body = r.a.signer.body({
        message: pendingTaskAlarm({ state, at: at + k * 5 * MIN }),
        timestamp: r.clock.now(),
      });
      // Both replicas' workers deliver while the duplicates are still arriving.
      const [answers] = await Promise.all([
        Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            postSns((i % 2 ? r.a : r.b).url, body).then((res) => res.json() as Promise<{ status: string }>),
          ),
        ),
        r.a.worker.runOnce(),
        r.b.worker.runOnce(),
      ]);
      expect(answers.filter((x) => x.status !== 'duplicate')).toHaveLength(1);
      r.clock.advance(2000);
    }
    await r.drain();
    expect(await count('sns_messages')).toBe(4);
    const cards = cardsIn(r.slack);
    expect(cards).toHaveLength(1);
    expect(topLevelPosts(r.slack)).toHaveLength(1);
    expect(headerOf(cards[0])).toBe(':large_green_circle: OK · lab-api-pending-tasks');
    // Three changes after the first ALARM, each told once in the thread.
    const lines = threadLines(r.slack, cards[0].ts);
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => l.includes('OK: PendingTaskCount is back to 0'))).toHaveLength(2);
  });

  it('confirms a subscription delivered to both replicas at once and tells the channel once', async () => {
    for (const t of [r.a, r.b])
      t.sns.on(ConfirmSubscriptionCommand).resolves({ SubscriptionArn: `${TEST_TOPIC_ARN}:0f1e2d3c` });
    const env = r.a.signer.envelope({
      type: 'SubscriptionConfirmation',
      message: 'You have chosen to subscribe to the topic…',
      timestamp: r.clock.now(),
    });
    const statuses = await Promise.all([r.a, r.b, r.a, r.b].map((t) => postSns(t.url, env).then((res) => res.status)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    await r.drain();
    const notes = r.slack.messagesIn(ALARM_CHANNEL).filter((m) => (m.text ?? '').includes('is now connected'));
    expect(notes).toHaveLength(1);
  });
});
