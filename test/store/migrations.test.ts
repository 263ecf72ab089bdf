import { openStore } from '../../src/store';
import { MIGRATIONS, migrate } from '../../src/store/migrations';
import { tempDbPath } from '../helpers/test-bot';

describe('SQLite store', () => {
  it('creates the file, applies migrations once, and runs in WAL mode', async () => {
    const file = tempDbPath();
    const s1 = await openStore({ kind: 'sqlite', path: file });
    const versions = await s1.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    const mode = await s1.db.query<{ journal_mode: string }>('PRAGMA journal_mode');
    expect(mode[0].journal_mode).toBe('wal');
    expect(await migrate(s1.db)).toEqual([]);
    await s1.close();
    const s2 = await openStore({ kind: 'sqlite', path: file });
    expect(await migrate(s2.db)).toEqual([]);
    await s2.close();
  });

  it('records and lists audit entries, newest first', async () => {
    const s = await openStore({ kind: 'sqlite', path: tempDbPath() });
    await s.audit.record({
      at: 1000,
      actor: 'U1',
      action: 'scale-service',
      target: 'lab/api',
      outcome: 'succeeded',
      before: { desired: 1 },
      after: { desired: 4 },
    });
    await s.audit.record({
      at: 2000,
      actor: 'U2',
      action: 'scale-instances',
      target: 'lab',
      outcome: 'failed',
      error: 'boom',
    });
    const rows = await s.audit.latest(5);
    expect(rows.map((r) => r.actor)).toEqual(['U2', 'U1']);
    expect(rows[1].after).toEqual({ desired: 4 });
    expect(rows[0].error).toBe('boom');
    await s.close();
  });

  it('rolls a failed transaction back', async () => {
    const s = await openStore({ kind: 'sqlite', path: tempDbPath() });
    await expect(
      s.db.tx(async (q) => {
        await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['a', '1', 1]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.db.query('SELECT * FROM kv')).toEqual([]);
    await s.close();
  });
});
