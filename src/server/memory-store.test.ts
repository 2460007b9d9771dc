import { expect, test } from 'vitest';
import { MemoryQueueStore } from './memory-store';
import { queueStoreContract } from './store-contract';

queueStoreContract('MemoryQueueStore', () => new MemoryQueueStore());

test('retired streams are deleted once drained: 200 redeploys leave one stream, not 200', async () => {
  const s = new MemoryQueueStore();
  for (let v = 1; v <= 200; v++) {
    const stream = `f@${v}`;
    const id = `c${v}`;
    await s.addCall({ id, functionName: 'f', version: v, rows: 2, createdAt: v }, stream, { callId: id, enqueuedAt: v, columns: [['x', 'y']] });
    const rows = await s.claim(stream, 1);
    // The previous version retires while this one runs (a redeploy); this one's rows finish later.
    if (v > 1) await s.retireStream(`f@${v - 1}`);
    await s.complete(stream, [...rows, ...(await s.claim(stream, 10))].map((r) => ({ callId: r.callId, index: r.index, value: 1 })));
    await s.deleteCall(id);
  }
  expect(s.streamCount()).toBe(1);
  expect(await s.depth()).toBe(0);
});
