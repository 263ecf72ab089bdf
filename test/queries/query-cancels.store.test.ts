import { QUERY_CANCEL_RETENTION_MS } from '../../src/store/query-cancels';
import { describeEachStore } from '../helpers/stores';

describeEachStore('query cancel claims', (store) => {
  it('lets the first claim win and reports it to later ones', async () => {
    const first = await store().queryCancels.claim('q-1', 'U0ALICE', 1_000);
    expect(first).toEqual({ won: true, cancel: { queryId: 'q-1', userId: 'U0ALICE', at: 1_000 } });
    const second = await store().queryCancels.claim('q-1', 'U0BOB', 2_000);
    expect(second).toEqual({ won: false, cancel: { queryId: 'q-1', userId: 'U0ALICE', at: 1_000 } });
    expect(await store().queryCancels.get('q-1')).toEqual({ queryId: 'q-1', userId: 'U0ALICE', at: 1_000 });
  });

  it('keeps claims of different queries apart and answers undefined for none', async () => {
    await store().queryCancels.claim('q-1', 'U0ALICE', 1_000);
    expect((await store().queryCancels.claim('q-2', 'U0BOB', 1_000)).won).toBe(true);
    expect(await store().queryCancels.get('q-3')).toBeUndefined();
  });

  it('releases a claim so the query can be cancelled again', async () => {
    await store().queryCancels.claim('q-1', 'U0ALICE', 1_000);
    await store().queryCancels.release('q-1');
    expect(await store().queryCancels.get('q-1')).toBeUndefined();
    expect((await store().queryCancels.claim('q-1', 'U0BOB', 2_000)).won).toBe(true);
  });

  it('forgets claims older than the retention on the next claim, and nothing else in kv', async () => {
    const t0 = 1_700_000_000_000;
    await store().queryCancels.claim('old', 'U0ALICE', t0);
    await store().db.run(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)`, ['other-feature:x', '{}', t0]);
    await store().queryCancels.claim('new', 'U0BOB', t0 + QUERY_CANCEL_RETENTION_MS + 1);
    expect(await store().queryCancels.get('old')).toBeUndefined();
    expect(await store().queryCancels.get('new')).toBeDefined();
    expect(await store().db.query(`SELECT key FROM kv WHERE key = $1`, ['other-feature:x'])).toHaveLength(1);
  });

  it('gives exactly one winner to concurrent claims', async () => {
    const results = await Promise.all(
      ['U01', 'U02', 'U03', 'U04'].map((u) => store().queryCancels.claim('race', u, 5)),
    );
    expect(results.filter((r) => r.won)).toHaveLength(1);
    const winner = results.find((r) => r.won)!.cancel.userId;
    for (const r of results) expect(r.cancel.userId).toBe(winner);
  });
});
