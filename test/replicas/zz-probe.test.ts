import { describeEachStore } from '../helpers/stores';
describeEachStore('probe', (get) => {
  it('two-step digest', async () => {
    const s = get();
    await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const cur = await s.incidents.currentDigest('C1', 0);
      if (!cur) await s.incidents.createDigest({ id: `d${i}`, channel: 'C1', createdAt: 10 });
    }));
    const rows = await s.db.query(`SELECT id FROM alarm_digests`);
    console.log(s.dialect, rows.length);
  });
});
