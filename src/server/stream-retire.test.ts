// Stream hygiene on a real redis-server (REDIS_URL; the Vitest global setup starts one): a function
// version's stream, its keys and its entry in `<prefix>streams` go once the version is replaced or
// removed and its rows and results are gone, so redeploying N times leaves the store as it was; a
// call in flight across redeploys still completes; a late submit for a retired version (a node that
// has not heard of the redeploy) is re-routed to the current one. Without REDIS_URL this file FAILS,
// unless EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, describe, expect, test } from 'vitest';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { LENGTH_BUNDLE, slowBundle } from './test-fixtures/handlers';
import { callId, column, deploy, result, start, submit, textTable, type Running } from './test-fixtures/http';
import { streamTag } from './redis/keys';
import { RedisStreamsQueueStore } from './redis-store';
import type { RegistryStore } from './registry/registry-store';

const REDIS_URL = redisUrlForTests('the stream hygiene tests');
const keys = new RedisTestKeys(REDIS_URL);
const running: Running[] = [];

afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
  await keys.cleanUp();
});

/** Every key under the store's prefix that has no TTL (what would stay forever). */
async function lastingKeys(s: RedisStreamsQueueStore): Promise<string[]> {
  const all = await s.redis.keys(`${s.prefix}*`);
  const ttls = await Promise.all(all.map((k) => s.redis.pttl(k)));
  return all.filter((_, i) => ttls[i] === -1).sort();
}

/** Keys of `stream` (its own names, or its tag's), lasting or not. */
async function keysOf(s: RedisStreamsQueueStore, stream: string): Promise<string[]> {
  return (await s.redis.keys(`${s.prefix}*`)).filter((k) => k.includes(`{${streamTag(stream)}}`));
}

describe.skipIf(!REDIS_URL)('stream hygiene (RedisStreamsQueueStore)', () => {
  test('30 versions, each retired while the next runs: afterwards only the current stream and its keys remain', async () => {
    const s = await keys.openStore(keys.newPrefix(), { reclaimIdleMs: 400 });
    const unread: string[] = [];
    for (let v = 1; v <= 30; v++) {
      const stream = `f@${v}`;
      const id = s.newCallId(stream);
      await s.addCall({ id, functionName: 'f', version: v, rows: 2, createdAt: v }, stream, { callId: id, enqueuedAt: v, columns: [['x', 'yy']] });
      const first = await s.claim(stream, 1); // in flight while the previous version retires
      if (v > 1) await s.retireStream(`f@${v - 1}`);
      await s.complete(stream, [...first, ...(await s.claim(stream, 10))].map((r) => ({ callId: r.callId, index: r.index, value: new Float32Array(4).fill(v) })));
      // Half the results are read at once; the others stay unread until after the loop.
      if (v % 2) await s.deleteCall(id);
      else unread.push(id);
    }
    // A retired stream whose results are unread still counts them (byte budget, expiry sweep).
    expect(await s.heldResultBytes()).toBeGreaterThan(0);
    expect((await s.finishedBefore(Number.MAX_SAFE_INTEGER)).sort()).toEqual([...unread].sort());
    const listed = await s.redis.smembers(s.keys.streams);
    expect(listed.length).toBeLessThanOrEqual(16); // f@30 and the retired streams with unread results
    for (const id of unread) await s.deleteCall(id);
    // Any node's recovery tick finishes the retired streams once their results are gone.
    await s.reclaim([]);
    expect(await s.redis.smembers(s.keys.streams)).toEqual(['f@30']);
    expect(await s.redis.smembers(s.keys.retired)).toEqual([]);
    expect(await s.heldResultBytes()).toBe(0);
    // What lasts: the current stream's keys and the store's own; nothing of f@1..f@29.
    const lasting = await lastingKeys(s);
    for (let v = 1; v < 30; v++) expect(lasting.filter((k) => k.includes(`{${streamTag(`f@${v}`)}}`))).toEqual([]);
    expect(lasting.length).toBeLessThanOrEqual(8);
    // Left of a retired version: only its tombstone, expiring (a late submit is refused until then).
    expect(await keysOf(s, 'f@1')).toEqual([s.keys.tombstone('f@1')]);
    expect(await s.redis.pttl(s.keys.tombstone('f@1'))).toBeGreaterThan(0);
  });

  test('a retired stream with rows in flight stays until they finish, then the recovery tick deletes it', async () => {
    const s = await keys.openStore(keys.newPrefix(), { reclaimIdleMs: 400 });
    const id = s.newCallId('g@1');
    await s.addCall({ id, functionName: 'g', version: 1, rows: 3, createdAt: 1 }, 'g@1', { callId: id, enqueuedAt: 1, columns: [['a', 'b', 'c']] });
    const rows = await s.claim('g@1', 3);
    await s.retireStream('g@1');
    expect(await s.redis.exists(s.keys.stream('g@1').sk)).toBe(1); // rows in flight: kept
    expect(await s.redis.smembers(s.keys.retired)).toEqual(['g@1']);
    await s.complete('g@1', rows.map((r) => ({ callId: r.callId, index: r.index, value: r.index })));
    await s.reclaim([]);
    expect(await s.redis.exists(s.keys.stream('g@1').sk)).toBe(0); // drained: the stream is gone
    expect((await s.getCall(id))?.results.toArrays().values).toEqual([0, 1, 2]); // its result is not
    expect(await s.redis.smembers(s.keys.streams)).toEqual(['g@1']); // listed until that result is read
    await s.deleteCall(id);
    await s.reclaim([]);
    expect(await s.redis.smembers(s.keys.streams)).toEqual([]);
    expect(await s.redis.smembers(s.keys.retired)).toEqual([]);
  });
});

describe.skipIf(!REDIS_URL)('stream hygiene across redeploys (servers on one Redis)', () => {
  test('a call in flight across 8 redeploys completes on its version; afterwards one stream is left', async () => {
    const store = await keys.openStore(keys.newPrefix());
    const node = await start({ store, registry: keys.registryOf(store), resultTtlMs: 60_000 });
    running.push(node);
    const def = { name: 'len', output: 'float64', maxBatchingSize: 2, maxBufferDuration: 10 };
    expect((await deploy(node.url, def, slowBundle(200))).status).toBe(201);
    const rows = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff'];
    const id = await callId(await submit(node.url, 'len', textTable(rows)));
    for (let v = 2; v <= 9; v++) {
      const code = `export default { handler: async (text) => text.map((t) => t.length * ${v}) };`;
      expect(await (await deploy(node.url, def, code)).json()).toEqual({ name: 'len', version: v });
    }
    expect(column((await result(node.url, id)).table, 'result')).toEqual(rows.map((t) => t.length));
    const fresh = await callId(await submit(node.url, 'len', textTable(['xy'])));
    expect(column((await result(node.url, fresh)).table, 'result')).toEqual([2 * 9]);
    // Every retired version drained and its results were read: the recovery timer deletes what is left.
    await expect.poll(() => store.redis.smembers(store.keys.streams), { timeout: 15_000, interval: 100 }).toEqual(['len@9']);
    expect(await store.redis.smembers(store.keys.retired)).toEqual([]);
    for (let v = 1; v < 9; v++) expect(await keysOf(store, `len@${v}`)).toEqual([store.keys.tombstone(`len@${v}`)]);
  }, 60_000);

  test('rows of a replaced version in flight on a killed node are reclaimed and run by a node still draining it', async () => {
    const store = await keys.openStore(keys.newPrefix(), { reclaimIdleMs: 2_000 });
    const node = await start({ store, registry: keys.registryOf(store), resultTtlMs: 60_000 });
    running.push(node);
    // Batches wait 200 ms for 64 rows: the "killed node" below claims first. Lost rows come back
    // after 2 s, well after v1 has drained here (no row of it waits in the stream by then).
    const def = { name: 'len', output: 'float64', maxBatchingSize: 64, maxBufferDuration: 200 };
    expect((await deploy(node.url, def, LENGTH_BUNDLE)).status).toBe(201);
    const rows = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff'];
    const id = await callId(await submit(node.url, 'len', textTable(rows)));
    // A node that claims 3 rows and dies (kill -9): no heartbeat (reclaimIdleMs 0), no outcome.
    const dead = keys.track(new RedisStreamsQueueStore(store.redis.duplicate(), { prefix: store.prefix, reclaimIdleMs: 0 }, true));
    expect(await dead.claim('len@1', 3)).toHaveLength(3);
    const v2 = 'export default { handler: async (text) => text.map((t) => t.length * 1000) };';
    expect(await (await deploy(node.url, def, v2)).json()).toEqual({ name: 'len', version: 2 });
    // v1 drains here (its 3 waiting rows), then waits for the dead node's 3: reclaimed after 2 s, run on v1.
    expect(column((await result(node.url, id)).table, 'result')).toEqual(rows.map((t) => t.length));
    await expect.poll(() => node.server.queue.registry.entries().map((e) => e.version), { timeout: 10_000 }).toEqual([2]);
    await expect.poll(() => store.redis.smembers(store.keys.streams), { timeout: 10_000, interval: 100 }).toEqual([]);
  }, 60_000);

  test('a late submit for a retired version (this node missed the redeploy) is re-routed to the current version', async () => {
    const prefix = keys.newPrefix();
    const storeB = await keys.openStore(prefix);
    const b = await start({ store: storeB, registry: keys.registryOf(storeB) });
    running.push(b);
    const def = { name: 'ver', output: 'float64', maxBatchingSize: 4, maxBufferDuration: 10 };
    expect((await deploy(b.url, def, LENGTH_BUNDLE)).status).toBe(201);
    // Fault injection: A's registry hears no pub/sub event (at-most-once delivery lost them), so
    // A keeps v1 until its next re-sync (every 5 s) — or until the store refuses v1's stream.
    const storeA = await keys.openStore(prefix);
    const real = keys.registryOf(storeA);
    const deaf = new Proxy(real, {
      get(target, key) {
        if (key === 'watch') return async () => () => undefined;
        const v: unknown = Reflect.get(target, key);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as RegistryStore;
    const a = await start({ store: storeA, registry: deaf, workers: 0 });
    running.push(a);
    expect((await a.server.queue.list()).map((f) => f.version)).toEqual([1]);
    const v2 = 'export default { handler: async (text) => text.map((t) => t.length * 1000) };';
    expect(await (await deploy(b.url, def, v2)).json()).toEqual({ name: 'ver', version: 2 });
    // B retired v1 and closed its stream; A has not heard of v2.
    await expect.poll(() => storeB.redis.exists(storeB.keys.tombstone('ver@1')), { timeout: 5_000, interval: 20 }).toBe(1);
    expect((await a.server.queue.list()).map((f) => f.version)).toEqual([1]);
    const texts = ['x', 'yyy'];
    const res = await submit(a.url, 'ver', textTable(texts));
    expect(res.status).toBe(202);
    // Re-routed: run by v2 (never left in v1's stream, which no node serves any more).
    expect(column((await result(a.url, await callId(res))).table, 'result')).toEqual([1000, 3000]);
    expect((await a.server.queue.list()).map((f) => f.version)).toEqual([2]);
    expect(await storeA.depth('ver@1')).toBe(0);
  }, 60_000);
});
