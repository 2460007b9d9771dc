// The queue as a cluster on a real redis-server (REDIS_URL): stateless API nodes (workers: 0, HTTP
// only), worker nodes (no HTTP) and the registry in the store — a function deployed once through any
// API node is served by nodes that never saw the deploy; a refused deploy consumes no version;
// redeploy and removal drain on every node. Without REDIS_URL this file FAILS, unless
// EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, describe, expect, test } from 'vitest';
import { LENGTH_BUNDLE, slowBundle } from './test-fixtures/handlers';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { TEST_ADMIN_KEY, auth, callId, column, deploy, result, start, submit, textTable, type Running } from './test-fixtures/http';
import { startWorkerNode, type WorkerNode } from './worker-node';
import { registryStoreContract } from './registry/registry-store-contract';
import { RedisRegistryStore } from './registry/redis-registry-store';
import { bundleHash } from './registry/bundle-files';
import { validateSpec } from '../protocol/define-function';
import { freePort, startRedis, stopRedis } from './test-fixtures/private-redis';
import { DEFAULT_FUNCTION, GPU_DEFAULT_FUNCTION } from '../cli/serve-command';

const REDIS_URL = redisUrlForTests('the cluster tests');
const keys = new RedisTestKeys(REDIS_URL);
const running: Array<{ close(): Promise<void> }> = [];

afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
  await keys.cleanUp();
});

/** A stateless API node: HTTP, no workers. */
async function apiNode(prefix: string): Promise<Running> {
  const store = await keys.openStore(prefix);
  const r = await start({ store, registry: keys.registryOf(store), workers: 0 });
  running.push(r);
  return r;
}

/** A worker node: no HTTP, one worker thread. */
async function workerNode(prefix: string): Promise<WorkerNode> {
  const store = await keys.openStore(prefix);
  const w = await startWorkerNode({ store, registry: keys.registryOf(store), workers: 1, threadsPerWorker: 1, shutdownGraceMs: 2_000 });
  running.push(w);
  return w;
}

const texts = (n: number, salt = 0) => Array.from({ length: n }, (_, i) => `${'y'.repeat((i * 7 + salt) % 11)}${i}`);
const doneRows = async (w: WorkerNode) => (await w.queue.list()).reduce((n, f) => n + f.stats.doneRows, 0);

describe.skipIf(!REDIS_URL)('RedisRegistryStore', () => {
  registryStoreContract('RedisRegistryStore', async () => keys.registryOf(await keys.openStore(keys.newPrefix())));

  test('a deploy through one connection is heard by a watcher on another', async () => {
    const prefix = keys.newPrefix();
    const a = keys.registryOf(await keys.openStore(prefix));
    const b = keys.registryOf(await keys.openStore(prefix));
    const heard: string[] = [];
    await b.watch({ changed: (n) => heard.push(n) });
    const rec = await a.publish({ name: 'x', spec: (await import('../protocol/define-function')).validateSpec({ name: 'x', model: 'default' }, { hasHandler: false }), deployedAt: 1 });
    await expect.poll(() => heard, { timeout: 1_000 }).toEqual(['x']);
    expect(await b.current('x')).toEqual(rec);
  });
});

describe.skipIf(!REDIS_URL)('RedisRegistryStore: bundles of versions no longer current are deleted (bounded)', () => {
  const grace = 60_000;
  let now = 1_000;
  const code = (n: number) => `export default { handler: async (t) => t.map(() => ${n}) };`;
  const spec = (name: string) => validateSpec({ name, output: 'float64' }, { hasHandler: true });
  async function registry(): Promise<RedisRegistryStore> {
    const store = await keys.openStore(keys.newPrefix());
    const r = new RedisRegistryStore(store.redis, store.prefix, { bundleGraceMs: grace, now: () => now });
    running.push(r);
    return r;
  }
  /** What a deploy does: the bundle first, then the record. */
  const deployCode = async (r: RedisRegistryStore, name: string, n: number) => {
    await r.putBundle(bundleHash(code(n)), code(n));
    return r.publish({ name, spec: spec(name), bundleHash: bundleHash(code(n)), deployedAt: now });
  };
  const has = async (r: RedisRegistryStore, n: number) => (await r.getBundle(bundleHash(code(n)))) === code(n);

  test('a replaced or removed version\'s bundle goes after bundleGraceMs; one a current version still uses, or one put again, stays', async () => {
    const r = await registry();
    await deployCode(r, 'f', 1);
    await deployCode(r, 'h', 3);
    await deployCode(r, 'g', 2); // g uses code 2 …
    await deployCode(r, 'f', 2); // … and so does f v2: code 1 is retired now
    expect(await has(r, 1)).toBe(true); // within the grace: a node may still be loading f v1
    now += grace + 1;
    expect(await r.remove('h')).toMatchObject({ version: 1 }); // retires code 3; collects code 1
    expect([await has(r, 1), await has(r, 2), await has(r, 3)]).toEqual([false, true, true]);
    await deployCode(r, 'f', 4); // code 2 retired by f, still g's
    await r.putBundle(bundleHash(code(3)), code(3)); // a deploy of code 3 begins: rescued
    now += grace + 1;
    await deployCode(r, 'k', 5); // collects what is due
    expect([await has(r, 2), await has(r, 3), await has(r, 4), await has(r, 5)]).toEqual([true, true, true, true]);
    await r.remove('g'); // now code 2 is nobody's
    now += grace + 1;
    await r.remove('k');
    expect(await has(r, 2)).toBe(false);
    expect(await has(r, 4)).toBe(true); // f's current code
  });

  test('each deploy or removal deletes at most 16 retired bundles', async () => {
    const r = await registry();
    for (let n = 0; n < 20; n++) await deployCode(r, `fn${n}`, 100 + n);
    for (let n = 0; n < 20; n++) await r.remove(`fn${n}`);
    now += grace + 1;
    const kept = async () => (await Promise.all(Array.from({ length: 20 }, (_, n) => has(r, 100 + n)))).filter(Boolean).length;
    expect(await kept()).toBe(20);
    expect(await r.collectBundles()).toBe(16);
    expect(await kept()).toBe(4);
    await deployCode(r, 'other', 1); // the next deploy takes the rest
    expect(await kept()).toBe(0);
  });
});

describe.skipIf(!REDIS_URL)('API nodes and worker nodes on one Redis', () => {
  test('deployed once through API node A, run by worker node W that started later, submitted and read through API node B', async () => {
    const prefix = keys.newPrefix();
    const a = await apiNode(prefix);
    expect(a.server.queue.pool.size).toBe(0);
    const res = await deploy(a.url, { name: 'len', output: 'float64', maxBatchingSize: 8, maxBufferDuration: 10 }, LENGTH_BUNDLE);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'len', version: 1 });
    // Neither W nor B saw the deploy: they read it from the store at start.
    const w = await workerNode(prefix);
    const b = await apiNode(prefix);
    expect(w.queue.functionNames()).toEqual(['len']);
    const rows = texts(20, 3);
    const id = await callId(await submit(b.url, 'len', textTable(rows)));
    const { table } = await result(b.url, id);
    expect(column(table, 'result')).toEqual(rows.map((t) => t.length));
    expect(await doneRows(w)).toBe(20); // W ran every row: the API nodes have no workers
    expect((await a.server.queue.list())[0].stats.batches + (await b.server.queue.list())[0].stats.batches).toBe(0);
  }, 60_000);

  test('a running worker node sees a deploy made through an API node within a second', async () => {
    const prefix = keys.newPrefix();
    const w = await workerNode(prefix);
    const a = await apiNode(prefix);
    expect(w.queue.functionNames()).toEqual([]);
    expect((await deploy(a.url, { name: 'late', output: 'float64' }, LENGTH_BUNDLE)).status).toBe(201);
    // The deploy answered after its check; from then on the watch event must reach W quickly.
    await expect.poll(() => w.queue.functionNames(), { timeout: 1_000, interval: 20 }).toEqual(['late']);
  }, 60_000);

  test('a failed deploy leaves the versions unchanged on every node', async () => {
    const prefix = keys.newPrefix();
    const a = await apiNode(prefix);
    const b = await apiNode(prefix);
    expect(await (await deploy(a.url, { name: 'v', output: 'float64' }, LENGTH_BUNDLE)).json()).toEqual({ name: 'v', version: 1 });
    const broken = await deploy(a.url, { name: 'v', output: 'float64' }, 'export default { handler: (t) => { syntax error here');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { name: 'InvalidBundleError' } });
    const noHandler = await deploy(b.url, { name: 'v', output: 'float64' }, 'export const nothing = 1;');
    expect(noHandler.status).toBe(400);
    // The next good deploy, through the other node, is version 2: neither failure used a number.
    expect(await (await deploy(b.url, { name: 'v', output: 'float64' }, slowBundle(1))).json()).toEqual({ name: 'v', version: 2 });
    await expect.poll(async () => (await a.server.queue.list()).map((f) => f.version), { timeout: 1_000 }).toEqual([2]);
  }, 60_000);

  test('redeploy drains cluster-wide: calls queued on v1 finish on v1 (on both workers), new calls run v2, and every node drops v1', async () => {
    const prefix = keys.newPrefix();
    const a = await apiNode(prefix);
    const b = await apiNode(prefix);
    const def = { name: 'ver', output: 'float64', maxBatchingSize: 4, maxBufferDuration: 10 };
    expect((await deploy(a.url, def, slowBundle(150))).status).toBe(201);
    const [w1, w2] = [await workerNode(prefix), await workerNode(prefix)];
    const old = texts(24, 1);
    const oldId = await callId(await submit(a.url, 'ver', textTable(old)));
    // v2 returns the length times 1000: tells which version ran each row.
    const v2 = 'export default { handler: async (text) => text.map((t) => t.length * 1000) };';
    expect(await (await deploy(b.url, def, v2)).json()).toEqual({ name: 'ver', version: 2 });
    // A hears of v2 through the store's watch (within a second); until then its new calls go to v1.
    await expect.poll(async () => (await a.server.queue.list()).map((f) => f.version), { timeout: 1_000, interval: 20 }).toEqual([2]);
    const fresh = texts(8, 2);
    const newId = await callId(await submit(a.url, 'ver', textTable(fresh)));
    expect(column((await result(b.url, oldId)).table, 'result')).toEqual(old.map((t) => t.length));
    expect(column((await result(a.url, newId)).table, 'result')).toEqual(fresh.map((t) => t.length * 1000));
    // Both workers took part, and both retire v1 once its stream is empty.
    expect(await doneRows(w1)).toBeGreaterThan(0);
    expect(await doneRows(w2)).toBeGreaterThan(0);
    for (const w of [w1, w2]) await expect.poll(() => w.queue.registry.entries().map((e) => e.version), { timeout: 5_000 }).toEqual([2]);
  }, 60_000);

  test('delete drains cluster-wide: it answers once no row of the function is left anywhere; then every node refuses it', async () => {
    const prefix = keys.newPrefix();
    const a = await apiNode(prefix);
    const b = await apiNode(prefix);
    // A minute-long buffer: only the removal's flush cuts the waiting rows at once.
    expect((await deploy(a.url, { name: 'gone', output: 'float64', maxBatchingSize: 64, maxBufferDuration: 60_000 }, slowBundle(300))).status).toBe(201);
    const w = await workerNode(prefix);
    const rows = texts(10, 4);
    const id = await callId(await submit(b.url, 'gone', textTable(rows)));
    const del = await fetch(`${b.url}/functions/gone`, { method: 'DELETE', headers: auth(TEST_ADMIN_KEY) });
    expect(del.status).toBe(204);
    expect(await a.server.queue.store.depth('gone@1')).toBe(0);
    expect(column((await result(a.url, id)).table, 'result')).toEqual(rows.map((t) => t.length));
    await expect.poll(() => [a, b].map((n) => n.server.queue.functionNames().length).concat(w.queue.functionNames().length), { timeout: 1_000 }).toEqual([0, 0, 0]);
    expect((await submit(a.url, 'gone', textTable(['x']))).status).toBe(404);
  }, 60_000);

  test('concurrent deploys of one function through two API nodes get distinct versions, and every node ends on the last', async () => {
    const prefix = keys.newPrefix();
    const [a, b] = [await apiNode(prefix), await apiNode(prefix)];
    const w = await workerNode(prefix);
    const def = { name: 'race', output: 'float64' };
    const answers = await Promise.all([deploy(a.url, def, LENGTH_BUNDLE), deploy(b.url, def, slowBundle(1)), deploy(a.url, def, slowBundle(2))]);
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201]);
    const versions = (await Promise.all(answers.map(async (r) => ((await r.json()) as { version: number }).version))).sort();
    expect(versions).toEqual([1, 2, 3]);
    for (const q of [a.server.queue, b.server.queue, w.queue]) await expect.poll(async () => (await q.list()).map((f) => f.version), { timeout: 1_000 }).toEqual([3]);
    const rows = texts(6, 5);
    expect(column((await result(b.url, await callId(await submit(a.url, 'race', textTable(rows))))).table, 'result')).toEqual(rows.map((t) => t.length));
  }, 60_000);

  test('a damaged record in the store is logged once and skipped; the other functions are served', async () => {
    const prefix = keys.newPrefix();
    const a = await apiNode(prefix);
    expect((await deploy(a.url, { name: 'fine', output: 'float64' }, LENGTH_BUNDLE)).status).toBe(201);
    const lines: string[] = [];
    const store = await keys.openStore(prefix);
    await store.redis.hset(`${prefix}{reg}:cur`, 'broken', '{"name":"broken","version":"x"}');
    const w = await startWorkerNode({ store, registry: keys.registryOf(store), workers: 1, threadsPerWorker: 1, log: (l) => lines.push(l) });
    running.push(w);
    expect(w.queue.functionNames()).toEqual(['fine']);
    await w.queue.registry.syncAll(); // the re-sync meets it again: not logged twice
    expect(lines).toEqual([expect.stringMatching(/^DamagedRegistryError: registry record .*broken is malformed .*deploy the function again/)]);
    const rows = texts(3);
    expect(column((await result(a.url, await callId(await submit(a.url, 'fine', textTable(rows))))).table, 'result')).toEqual(rows.map((t) => t.length));
  }, 60_000);

  test('nodes starting "embed" with other batching (serve --gpus: 256 rows, plain serve: 32) keep the stored version instead of redeploying it in turn', async () => {
    const prefix = keys.newPrefix();
    const lines: string[] = [];
    const node = async (fn: { definition: Record<string, unknown> }) => {
      const store = await keys.openStore(prefix);
      const r = await start({ store, registry: keys.registryOf(store), workers: 0, functions: [fn], log: (l) => lines.push(l) });
      running.push(r);
      return r;
    };
    const gpu = await node(GPU_DEFAULT_FUNCTION);
    const cpu = await node(DEFAULT_FUNCTION);
    const gpu2 = await node(GPU_DEFAULT_FUNCTION);
    for (const r of [gpu, cpu, gpu2]) expect((await r.server.queue.list()).map((f) => [f.name, f.version])).toEqual([['embed', 1]]);
    const stored = await keys.registryOf(await keys.openStore(prefix)).current('embed');
    expect(stored?.spec.maxBatchingSize).toBe(256); // the first node's definition stays
    expect(lines).toEqual([expect.stringMatching(/^kept "embed" v1 as deployed \(maxBatchingSize 256, .*this node starts it with 32\/50: `embedbook deploy` changes it/)]);
    // Anything beyond batching is a real change and still makes a new version.
    const other = await node({ definition: { ...DEFAULT_FUNCTION.definition, retries: 0 } });
    expect((await other.server.queue.list()).map((f) => f.version)).toEqual([2]);
  }, 60_000);

  test('worker nodes claim only the functions their resources fit: a GPU function runs on the GPU node, not on the CPU one', async () => {
    const prefix = keys.newPrefix();
    const a = await apiNode(prefix);
    const cpu = await workerNode(prefix);
    const gpuStore = await keys.openStore(prefix);
    const gpu = await startWorkerNode({ store: gpuStore, registry: keys.registryOf(gpuStore), gpus: ['gpu-b'], threadsPerWorker: 1 });
    running.push(gpu);
    // In one process this would be refused (409: no worker has gpu-b); in a cluster a worker node may have it.
    const where = 'export default { handler: async (t, ctx) => t.map(() => String(ctx.gpu)) };';
    expect((await deploy(a.url, { name: 'on-b', output: 'utf8', maxBatchingSize: 2, resources: { gpu: 'gpu-b' } }, where)).status).toBe(201);
    await expect.poll(() => [cpu, gpu].map((w) => w.queue.functionNames()), { timeout: 1_000 }).toEqual([['on-b'], ['on-b']]);
    expect(cpu.queue.registry.get('on-b')?.batcher).toBeUndefined();
    expect(gpu.queue.registry.get('on-b')?.batcher).toBeDefined();
    const id = await callId(await submit(a.url, 'on-b', textTable(['x', 'y', 'z', 'w', 'v'])));
    expect(column((await result(a.url, id)).table, 'result')).toEqual(['gpu-b', 'gpu-b', 'gpu-b', 'gpu-b', 'gpu-b']);
    expect(await doneRows(gpu)).toBe(5);
    expect(await doneRows(cpu)).toBe(0);
  }, 60_000);

  test('Redis restarted empty: the nodes put the deployed versions back (not retire them); calls go on and a new node finds the function', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    try {
      const url = `redis://127.0.0.1:${port}`;
      const node = async () => {
        const store = await keys.openStore('embedbook-test:wiped:', { reclaimIdleMs: 1_000 }, url);
        return { store, registry: keys.registryOf(store) };
      };
      const a = await start({ ...(await node()), workers: 0, storeTimeoutMs: 2_000, log: () => undefined });
      running.push(a);
      const w = await startWorkerNode({ ...(await node()), workers: 1, threadsPerWorker: 1, log: () => undefined, shutdownGraceMs: 200 });
      running.push(w);
      expect(await (await deploy(a.url, { name: 'kept', output: 'float64' }, LENGTH_BUNDLE)).json()).toEqual({ name: 'kept', version: 1 });
      await stopRedis(redis); // every key is gone: calls, streams, the registry
      redis = await startRedis(port);
      const probe = await node();
      // The re-sync (every 5 s) finds the registry empty but the function's counter gone too: a wipe.
      await expect.poll(() => probe.registry.current('kept'), { timeout: 15_000, interval: 100 }).toMatchObject({ version: 1, name: 'kept' });
      expect(await probe.registry.nextVersion('kept')).toBe(2);
      const rows = texts(5, 6);
      expect(column((await result(a.url, await callId(await submit(a.url, 'kept', textTable(rows))))).table, 'result')).toEqual(rows.map((t) => t.length));
      const late = await startWorkerNode({ ...probe, workers: 1, threadsPerWorker: 1, log: () => undefined, shutdownGraceMs: 200 });
      running.push(late);
      expect(late.queue.functionNames()).toEqual(['kept']);
      expect(w.queue.functionNames()).toEqual(['kept']);
    } finally {
      for (const r of running.splice(0).reverse()) await r.close();
      await stopRedis(redis);
    }
  }, 60_000);
});
