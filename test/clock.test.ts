import { newId } from '../src/clock';

describe('newId', () => {
  it('gives URL-safe ids of the requested size, never the same twice, across pool refills', () => {
    const seen = new Set<string>();
    // 4,000 ids of 9 bytes span several 4 KiB pools; one of 5,000 bytes is drawn outside the pool.
    for (let i = 0; i < 4000; i++) {
      const id = newId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(4000);
    expect(newId(4)).toMatch(/^[A-Za-z0-9_-]{6}$/);
    expect(Buffer.from(newId(5000), 'base64url')).toHaveLength(5000);
  });
});
