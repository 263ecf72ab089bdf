import { openStore, type Store } from '../../src/store';
import { MIGRATIONS } from '../../src/store/migrations';
import { TEST_PG_URL } from '../helpers/stores';

// Replicas of a new deployment start at the same moment on an empty PostgreSQL database (or schema):
// every one must come up, and each migration must be applied exactly once.
describe('several replicas starting at once on one empty PostgreSQL schema', () => {
  it('all start, and each migration is applied exactly once', async () => {
    const schema = `t_${process.pid}_fresh_${Math.random().toString(36).slice(2, 10)}`;
    const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => openStore({ kind: 'postgres', url })));
    const stores = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      expect(
        results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
      ).toEqual([]);
      const rows = await stores[0].db.query<{ version: unknown }>(
        `SELECT version FROM schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
      // Every replica works on the same tables.
      await Promise.all(
        stores.map((s: Store, i) =>
          s.audit.record({ at: i, actor: `U${i}`, action: 'a', target: 't', outcome: 'recorded' }),
        ),
      );
      expect(await stores[0].audit.latest(10)).toHaveLength(5);
    } finally {
      await stores[0]?.db.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
