import { describeEachStore } from '../helpers/stores';

describeEachStore('store contract: foundation', (get, kind) => {
  it('answers ping and reports its dialect', async () => {
    await get().ping();
    expect(get().dialect).toBe(kind);
  });

  it('records audit entries with JSON before/after and lists newest first', async () => {
    const s = get();
    const id1 = await s.audit.record({ at: 1000, actor: 'U1', action: 'scale-service', target: 'lab/api', outcome: 'succeeded', requestId: 'r1', before: { desired: 1 }, after: { desired: 4 } });
    const id2 = await s.audit.record({ at: 2000, actor: 'U2', action: 'scale-instances', target: 'lab', outcome: 'failed', error: 'boom' });
    expect(id2).toBeGreaterThan(id1);
    const rows = await s.audit.latest(10);
    expect(rows.map((r) => r.actor)).toEqual(['U2', 'U1']);
    expect(rows[1]).toMatchObject({ at: 1000, before: { desired: 1 }, after: { desired: 4 }, requestId: 'r1' });
    expect(await s.audit.forRequest('r1')).toHaveLength(1);
  });

  it('rolls back a transaction that throws', async () => {
    const s = get();
    await expect(
      s.db.tx(async (q) => {
        await q.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['k', 'v', 1]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.db.query(`SELECT * FROM kv`)).toEqual([]);
  });

  it('keeps concurrent transactions from interleaving', async () => {
    const s = get();
    await s.db.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['n', '0', 0]);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.db.tx(async (q) => {
          // Lock the row first (PostgreSQL) so the read-modify-write is serialised as SQLite's queue does.
          const rows = await q.query<{ value: string }>(`SELECT value FROM kv WHERE key = $1 ${q.dialect === 'postgres' ? 'FOR UPDATE' : ''}`, ['n']);
          await q.run(`UPDATE kv SET value = $1 WHERE key = $2`, [String(Number(rows[0].value) + 1), 'n']);
        }),
      ),
    );
    const rows = await s.db.query<{ value: string }>(`SELECT value FROM kv WHERE key = $1`, ['n']);
    expect(rows[0].value).toBe('20');
  });
});
