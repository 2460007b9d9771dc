// Recovery with no traffic (issue #12), through the public client on real redis-servers:
// - a serve node killed with SIGKILL mid-run while the client only waits: the survivor's recovery
//   timer takes the dead node's rows after reclaimIdleMs and the run ends with every row, in order;
// - Redis restarted EMPTY mid-run (a private redis-server on its own port): polls for the calls it
//   forgot answer 410 CallLostError, the client re-submits those chunks, and the run completes.
// Without REDIS_URL this file FAILS, unless EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, describe, expect, test } from 'vitest';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { Redis } from 'ioredis';
import { Remote } from '../client/remote-node';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { deploy, start, type Running } from './test-fixtures/http';
import { sleepyBundle } from './test-fixtures/handlers';
import { spawnServe, spawnWorker, type ServeProcess } from './test-fixtures/serve-process';
import { startWorkerNode } from './worker-node';
import type { RedisStreamsQueueStore } from './redis-store';
import { freePort, startRedis, stopRedis } from './test-fixtures/private-redis';
import { RedisKeys } from './redis/keys';

const REDIS_URL = redisUrlForTests('the recovery tests');
const keys = new RedisTestKeys(REDIS_URL);
const running: Array<Pick<Running, 'close'>> = [];
const children: ServeProcess[] = [];

afterAll(async () => {
  for (const c of children.splice(0)) await c.kill();
  for (const r of running.splice(0)) await r.close();
  await keys.cleanUp();
});

const rowsTable = (n: number) => new Table({ text: vectorFromArray(Array.from({ length: n }, (_, i) => `r:${i}`), new Utf8()) });
const expected = (n: number) => Array.from({ length: n }, (_, i) => i * 3);
const resultColumn = (t: Table) => Array.from(t.getChild('result')?.toArray() ?? []);

/**
 * Runs 120 rows (12 chunks, all submitted at once) through `url`, kills `victim` with SIGKILL while
 * it holds rows in flight, and checks the run still ends with every row once, in order, within
 * reclaimIdleMs + 10 s of the kill, with nothing left in the queue.
 */
async function runAndKill(url: string, victim: ServeProcess, prefix: string, survivorStore: RedisStreamsQueueStore, reclaimIdleMs: number): Promise<void> {
  const rows = 120;
  const call = new Remote({ url }).function('sleepy', { outputType: new Float64() }).chunkedCall(rowsTable(rows), { chunkSize: 10, concurrentChunks: 12 });
  const probe = new Redis(REDIS_URL as string);
  const stream = new RedisKeys(prefix).stream('sleepy@1').sk;
  try {
    // The victim's consumer's share of the group's PEL: rows it runs now.
    await expect.poll(() => rowsHeldByOthers(probe, stream, survivorStore.consumer), { timeout: 30_000, interval: 10 }).toBeGreaterThan(0);
    await victim.kill();
    const killedAt = Date.now();
    const out = await call;
    expect(Date.now() - killedAt).toBeLessThan(reclaimIdleMs + 10_000);
    expect(resultColumn(out.table)).toEqual(expected(rows));
    expect(out.failedRows).toBe(0);
    // Exactly once into the result: every call finished with one outcome per row, nothing left.
    expect(await survivorStore.depth()).toBe(0);
    expect(Number((await probe.xpending(stream, 'embedbook-workers'))[0])).toBe(0);
  } finally {
    probe.disconnect();
  }
}

/** Rows in flight (the consumer group's PEL) on consumers other than `survivor`: the victim's. */
async function rowsHeldByOthers(probe: Redis, streamKey: string, survivor: string): Promise<number> {
  const summary = (await probe.xpending(streamKey, 'embedbook-workers').catch(() => [0])) as [number, string, string, Array<[string, string]> | null];
  return (summary[3] ?? []).filter(([name]) => name !== survivor).reduce((n, [, c]) => n + Number(c), 0);
}

describe.skipIf(!REDIS_URL)('a serve node killed with SIGKILL mid-run, no other traffic', () => {
  test('the survivor takes its rows after reclaimIdleMs: every row once, in order, within reclaimIdleMs + 10 s', async () => {
    const prefix = keys.newPrefix();
    const reclaimIdleMs = 1_500;
    const fn = { name: 'sleepy', maxBatchingSize: 10, maxBufferDuration: 20, output: 'float64' };
    const bundle = sleepyBundle(700);
    const storeUrl = new URL(REDIS_URL as string);
    storeUrl.searchParams.set('prefix', prefix);

    // Deployed once, through the victim: the survivor learns it from the store's registry.
    const victim = await spawnServe(['--no-default-function', '--workers', '1', '--store', storeUrl.toString(), '--reclaim-idle-ms', String(reclaimIdleMs)]);
    children.push(victim);
    expect((await deploy(victim.url, fn, bundle)).status).toBe(201);
    const survivorStore = await keys.openStore(prefix, { reclaimIdleMs });
    const survivor = await start({ store: survivorStore, registry: keys.registryOf(survivorStore) });
    running.push(survivor);
    await expect.poll(() => survivor.server.queue.functionNames(), { timeout: 10_000 }).toEqual(['sleepy']);

    // The client talks to the survivor only; all 12 chunks are submitted at once, then it just waits.
    await runAndKill(survivor.url, victim, prefix, survivorStore, reclaimIdleMs);
  }, 120_000);
});

describe.skipIf(!REDIS_URL)('a worker node (embedbook worker) killed with SIGKILL mid-run, no other traffic', () => {
  test('the other worker node takes its rows after reclaimIdleMs: every row once, in order, within reclaimIdleMs + 10 s', async () => {
    const prefix = keys.newPrefix();
    const reclaimIdleMs = 1_500;
    const storeUrl = new URL(REDIS_URL as string);
    storeUrl.searchParams.set('prefix', prefix);
    // An API node (no workers) and a surviving worker node in this process; the victim in its own.
    const apiStore = await keys.openStore(prefix, { reclaimIdleMs });
    const api = await start({ store: apiStore, registry: keys.registryOf(apiStore), workers: 0 });
    running.push(api);
    const fn = { name: 'sleepy', maxBatchingSize: 10, maxBufferDuration: 20, output: 'float64' };
    expect((await deploy(api.url, fn, sleepyBundle(700))).status).toBe(201);
    const victim = await spawnWorker(['--workers', '1', '--threads-per-worker', '1', '--store', storeUrl.toString(), '--reclaim-idle-ms', String(reclaimIdleMs)]);
    children.push(victim);
    const survivorStore = await keys.openStore(prefix, { reclaimIdleMs });
    running.push(await startWorkerNode({ store: survivorStore, registry: keys.registryOf(survivorStore), workers: 1, threadsPerWorker: 1 }));

    await runAndKill(api.url, victim, prefix, survivorStore, reclaimIdleMs);
  }, 120_000);
});

describe.skipIf(!REDIS_URL)('Redis restarted empty mid-run', () => {
  test('polls for the calls it forgot answer 410 CallLostError; the client submits those chunks again and the run completes with every row', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    try {
      const url = `redis://127.0.0.1:${port}`;
      const fn = { name: 'sleepy', maxBatchingSize: 10, maxBufferDuration: 20, output: 'float64' };
      const store = await keys.openStore('embedbook-test:wipe:', { reclaimIdleMs: 1_500 }, url);
      const server = await start({ store, functions: [{ definition: fn, bundle: sleepyBundle(150) }], storeTimeoutMs: 2_000, log: () => undefined, shutdownGraceMs: 200 });
      running.push(server);

      // The real fetch, counting the 410s it sees (the client's own handling is under test).
      let lost = 0;
      const fetchCounting = async (input: string, init?: RequestInit) => {
        const res = await fetch(input, init);
        if (res.status === 410) lost++;
        return res;
      };
      let doneChunks = 0;
      const rows = 300;
      const call = new Remote({ url: server.url, fetch: fetchCounting })
        .function('sleepy', { outputType: new Float64(), pollSeconds: 1 })
        .chunkedCall(rowsTable(rows), { chunkSize: 10, concurrentChunks: 4, onProgress: (e) => void (e.status === 'done' && doneChunks++) });

      await expect.poll(() => doneChunks, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(4);
      await stopRedis(redis); // every call, row and result it held is gone
      redis = await startRedis(port);

      const out = await call;
      expect(resultColumn(out.table)).toEqual(expected(rows));
      expect(out.failedRows).toBe(0);
      expect(lost).toBeGreaterThan(0); // some chunks really were lost and submitted again
      expect(await store.depth()).toBe(0);
    } finally {
      await stopRedis(redis);
    }
  }, 120_000);
});
