// The byte budget for held results, on both stores, over real HTTP: finished results nobody has
// read yet fill the budget → submits get 429 ResultBudgetError with Retry-After; reading a result
// frees it and submits are accepted again; the Remote client waits the 429s out and its run completes.
import { Utf8, Table, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, test } from 'vitest';
import { Remote } from '../client/remote';
import type { FetchLike } from '../client/http-transport';
import { MemoryQueueStore } from './memory-store';
import type { QueueStore } from './store';
import { callId, result, start, submit, textTable } from './test-fixtures/http';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';

const REDIS_URL = redisUrlForTests('the result budget tests on the Redis store');
const keys = new RedisTestKeys(REDIS_URL);

/** 256 float32s (1 KiB) per row, at once. */
const VECTOR_BUNDLE = `const v = new Float32Array(256).map((_, i) => i / 256);
export default { handler: async (text) => text.map(() => v) };`;
const fn = { definition: { name: 'vec', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 64, maxBufferDuration: 1 }, bundle: VECTOR_BUNDLE };

const stores: Array<[string, () => Promise<QueueStore>]> = [['memory', async () => new MemoryQueueStore()]];
if (REDIS_URL) stores.push(['redis', () => keys.openStore(keys.newPrefix())]);

describe.each(stores)('result byte budget (%s store)', (_name, makeStore) => {
  afterAll(() => keys.cleanUp());

  test('unread results past the budget answer 429 with Retry-After; reading one frees room at once', async () => {
    const store = await makeStore();
    const r = await start({ store, maxHeldResultBytes: 16 * 1024, functions: [fn] });
    try {
      const id = await callId(await submit(r.url, 'vec', textTable(Array.from({ length: 20 }, (_, i) => `t${i}`))));
      await expect.poll(async () => (await store.getCall(id))?.finishedAt, { timeout: 20_000 }).toBeDefined();
      expect(await store.heldResultBytes()).toBeGreaterThanOrEqual(20 * 1024);

      const refused = await submit(r.url, 'vec', textTable(['one more']));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('x-retry-after-ms'))).toBeGreaterThan(0);
      const body = (await refused.json()) as { error: { name: string; message: string } };
      expect(body.error.name).toBe('ResultBudgetError');
      expect(body.error.message).toMatch(/budget of 0 MiB.*--max-held-results/);

      const { table } = await result(r.url, id);
      expect(table.numRows).toBe(20);
      expect(await store.heldResultBytes()).toBeLessThan(16 * 1024);
      const again = await callId(await submit(r.url, 'vec', textTable(['one more'])));
      expect((await result(r.url, again)).table.numRows).toBe(1);
    } finally {
      await r.close();
    }
  }, 60_000);

  test('the Remote client waits out budget 429s: every row comes back, in order', async () => {
    const store = await makeStore();
    // Less than one 50-row chunk of results: while other chunks' rows are done and unread, a submit
    // meets the budget.
    const r = await start({ store, maxHeldResultBytes: 20 * 1024, functions: [fn] });
    try {
      // A finished call nobody has read yet fills the budget before the run starts, so the run's
      // first submits are refused whatever the timing; the first 429 seen reads it (frees it).
      const blocker = await callId(await submit(r.url, 'vec', textTable(Array.from({ length: 40 }, (_, i) => `b${i}`))));
      await expect.poll(async () => (await store.getCall(blocker))?.finishedAt, { timeout: 20_000 }).toBeDefined();
      let refusals = 0;
      let freed: Promise<unknown> | undefined;
      const counting: FetchLike = async (input, init) => {
        const res = await fetch(input, init);
        if (res.status === 429) {
          refusals++;
          freed ??= result(r.url, blocker);
        }
        return res;
      };
      const rows = 2000;
      const texts = Array.from({ length: rows }, (_, i) => `row ${i}`);
      const out = await new Remote({ url: r.url, fetch: counting }).function<Float32Array>('vec').chunkedCall(
        new Table({ text: vectorFromArray(texts, new Utf8()) }),
        { chunkSize: 50, concurrentChunks: 8 },
      );
      expect(out.table.numRows).toBe(rows);
      const status = out.table.getChild('status')!;
      const vectors = out.table.getChild('result')!;
      for (let i = 0; i < rows; i++) {
        expect(status.get(i)).toBe('ok');
        const v = vectors.get(i) as { length: number; get(j: number): number };
        expect(v.length).toBe(256);
        expect(v.get(255)).toBeCloseTo(255 / 256, 6);
      }
      expect(refusals).toBeGreaterThan(0);
      expect(((await freed) as { table: Table }).table.numRows).toBe(40);
      expect(await store.heldResultBytes()).toBe(0);
    } finally {
      await r.close();
    }
  }, 120_000);
});
