import { describeEachStore } from '../helpers/stores';

describeEachStore('message graphs (migration 13)', (get) => {
  it('keeps the file a message shows, replaces it, and forgets old records', async () => {
    const s = get();
    expect(await s.messageGraphs.get('C1', '1.1')).toBeUndefined();
    await s.messageGraphs.put({
      channel: 'C1',
      ts: '1.1',
      pendingFileId: 'F1',
      renderedFor: 'ALARM',
      renderedAt: 1000,
      attempts: 2,
      sharedInThread: false,
      updatedAt: 1000,
    });
    expect(await s.messageGraphs.get('C1', '1.1')).toEqual({
      channel: 'C1',
      ts: '1.1',
      fileId: undefined,
      pendingFileId: 'F1',
      renderedFor: 'ALARM',
      renderedAt: 1000,
      attempts: 2,
      problem: undefined,
      sharedInThread: false,
      updatedAt: 1000,
    });
    await s.messageGraphs.put({
      channel: 'C1',
      ts: '1.1',
      fileId: 'F2',
      renderedFor: 'OK',
      renderedAt: 2000,
      attempts: 0,
      problem: 'upload-denied',
      sharedInThread: true,
      updatedAt: 2000,
    });
    const g = await s.messageGraphs.get('C1', '1.1');
    expect(g).toMatchObject({
      fileId: 'F2',
      pendingFileId: undefined,
      renderedFor: 'OK',
      problem: 'upload-denied',
      sharedInThread: true,
    });
    await s.messageGraphs.put({ channel: 'C2', ts: '2.2', attempts: 0, sharedInThread: false, updatedAt: 5000 });
    expect(await s.messageGraphs.prune(3000)).toBe(1);
    expect(await s.messageGraphs.get('C1', '1.1')).toBeUndefined();
    expect(await s.messageGraphs.get('C2', '2.2')).toBeDefined();
  });
});
