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

test("a worker batch's vectors (views of one buffer) land as a run: a whole call keeps the buffer; split, duplicate and failed rows still land right", async () => {
  const s = new MemoryQueueStore();
  const dim = 2;
  await s.addCall({ id: 'a', functionName: 'f', version: 1, rows: 3, createdAt: 0 }, 'f@1', { callId: 'a', enqueuedAt: 0, columns: [['x', 'y', 'z']] });
  await s.addCall({ id: 'b', functionName: 'f', version: 1, rows: 3, createdAt: 0 }, 'f@1', { callId: 'b', enqueuedAt: 0, columns: [['x', 'y', 'z']] });
  const rows = await s.claim('f@1', 6);
  expect(rows).toHaveLength(6);
  // Call a's three rows are a whole buffer; call b's rows come in a buffer shared with a later row.
  const aFloats = Float32Array.of(1, 1, 2, 2, 3, 3);
  const bFloats = Float32Array.of(4, 4, 5, 5, 6, 6, 7, 7);
  const view = (f: Float32Array, i: number) => f.subarray(i * dim, (i + 1) * dim);
  const outcomes = [
    ...[0, 1, 2].map((i) => ({ callId: 'a', index: i, value: view(aFloats, i) })),
    { callId: 'b', index: 0, value: view(bFloats, 0) },
    { callId: 'b', index: 1, value: null, error: { code: 'BAD_ROW', message: 'bad row' } },
    { callId: 'b', index: 2, value: view(bFloats, 2) },
  ];
  expect((await s.complete('f@1', outcomes)).sort()).toEqual(['a', 'b']);
  const a = (await s.getCall('a'))!;
  expect(a.results.allOkVectors()?.floats.buffer).toBe(aFloats.buffer); // kept, not copied
  expect(a.doneRows).toBe(3);
  const b = (await s.getCall('b'))!;
  expect(b.results.toArrays()).toEqual({ values: [Float32Array.of(4, 4), null, Float32Array.of(6, 6)], statuses: ['ok', { code: 'BAD_ROW', message: 'bad row' }, 'ok'] });
  expect([b.doneRows, b.failedRows]).toEqual([3, 1]);
  // A late duplicate run changes nothing; the held bytes are the floats and a byte per row.
  expect(await s.complete('f@1', [0, 1].map((i) => ({ callId: 'b', index: i, value: view(bFloats, i) })))).toEqual([]);
  expect(b.results.status(1)).toEqual({ code: 'BAD_ROW', message: 'bad row' });
  expect(await s.depth()).toBe(0);
});
