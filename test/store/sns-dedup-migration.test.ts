import { ALARMS_MIGRATION } from '../../src/store/alarms-migration';
import { migrate } from '../../src/store/migrations';
import { SNS_DEDUP_MIGRATION } from '../../src/store/sns-dedup-migration';
import { describeEachStore } from '../helpers/stores';

describeEachStore('migration 7 (SNS deliveries keyed by publish time)', (get) => {
  it('upgrades a version-6 database: the old MessageId-only table is replaced, and retries are deduplicated again', async () => {
    const s = get();
    const d = s.db.dialect;
    // Put the database back to version 6, with a delivery stored the old way.
    await s.db.run(`DROP TABLE sns_messages`);
    for (const stmt of ALARMS_MIGRATION.up(d).filter((x) => /sns_messages/.test(x))) await s.db.run(stmt);
    await s.db.run(
      `INSERT INTO sns_messages (message_id, topic_arn, type, received_at) VALUES ('old-id', 'arn:aws:sns:us-east-1:123456789012:t', 'Notification', 1)`,
    );
    await s.db.run(`DELETE FROM schema_migrations WHERE version = $1`, [SNS_DEDUP_MIGRATION.version]);

    expect(await migrate(s.db)).toEqual([7]);
    expect(await s.db.query(`SELECT * FROM sns_messages`)).toEqual([]);
    const m = {
      MessageId: 'new-id',
      Timestamp: '2026-11-28T10:00:00.000Z',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Type: 'Notification',
    };
    expect(await s.snsMessages.remember(m, 1000)).toBe(true);
    expect(await s.snsMessages.remember(m, 2000)).toBe(false);
    expect(await s.snsMessages.prune(1500)).toBe(1);
    expect(await migrate(s.db)).toEqual([]);
  });
});
