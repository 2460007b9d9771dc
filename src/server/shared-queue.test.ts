// FunctionQueue on a SHARED store (RedisStreamsQueueStore on a real redis-server, REDIS_URL):
// cross-server wake-ups through watch(), shutdown of one server while others go on, and Redis
// itself going away mid-test (a private redis-server this file starts and stops, so the shared
// REDIS_URL server other test files use is never touched). Without REDIS_URL this file FAILS,
// unless EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, describe, expect, test } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { SHUTTING_DOWN_STATUS } from './errors';
import { LENGTH_BUNDLE, slowBundle } from './test-fixtures/handlers';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { callId, column, result, start, submit, textTable, type Running } from './test-fixtures/http';
import { freePort, startRedis, stopRedis } from './test-fixtures/private-redis';

const REDIS_URL = redisUrlForTests('the shared-queue tests');
const keys = new RedisTestKeys(REDIS_URL);
const servers: Running[] = [];
const newPrefix = () => keys.newPrefix();
const openStore = (prefix: string, url?: string) => keys.openStore(prefix, {}, url);

async function serve(opts: Parameters<typeof start>[0]): Promise<Running> {
  const r = await start(opts);
  servers.push(r);
  return r;
}

afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  await keys.cleanUp();
});

const texts = (n: number, salt: number) => Array.from({ length: n }, (_, i) => `${'x'.repeat((i * 5 + salt) % 13)}${i}`);

describe.skipIf(!REDIS_URL)('cross-server wake-ups (watch)', () => {
  test('a long-poll on server B answers as soon as server A finishes the call, not at its timeout', async () => {
    const prefix = newPrefix();
    const fn = { definition: { name: 'slow', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 8, maxBufferDuration: 10 }, bundle: slowBundle(800) };
    const a = await serve({ store: await openStore(prefix), functions: [fn] });
    const b = await serve({ store: await openStore(prefix) }); // nothing deployed: B cannot run it itself
    const rows = texts(5, 1);
    const id = await callId(await submit(a.url, 'slow', textTable(rows)));
    expect((await fetch(`${b.url}/calls/${id}?timeout=0`)).status).toBe(202); // still running on A
    const pollS = 20;
    const t0 = Date.now();
    const res = await fetch(`${b.url}/calls/${id}?timeout=${pollS}`);
    const took = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(took, 'woken by A\'s "finished" event, not by the poll timeout').toBeLessThan((pollS * 1000) / 2);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(column(table, 'result')).toEqual(rows.map((t) => t.length));
    // That read was the result's last: it is freed on the shared store, for every server.
    expect((await fetch(`${a.url}/calls/${id}?timeout=0`)).status).toBe(404);
  }, 60_000);

  test('an idle server picks up rows appended through a busy one at once', async () => {
    const prefix = newPrefix();
    // Batches of 4 and a minute-long buffer: only the size trigger cuts. Each server has 1 worker.
    const fn = { definition: { name: 'slow', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 4, maxBufferDuration: 60_000 }, bundle: slowBundle(3000) };
    const a = await serve({ store: await openStore(prefix), functions: [fn] });
    const b = await serve({ store: await openStore(prefix), functions: [fn] });
    const rows = texts(8, 2);
    // Two full batches submitted to A: A's one worker takes the first; B (never called) must be
    // woken by the "appended" event to take the second while A is still busy.
    const id = await callId(await submit(a.url, 'slow', textTable(rows)));
    // Well inside A's 3 s batch: had B not been woken, A would take both batches, one after the other.
    await expect.poll(async () => (await b.server.queue.list())[0].stats.batches, { timeout: 2500, interval: 50 }).toBe(1);
    const { table } = await result(b.url, id);
    expect(column(table, 'result')).toEqual(rows.map((t) => t.length));
    const stats = await Promise.all([a, b].map(async (s) => (await s.server.queue.list())[0].stats));
    expect(stats.map((s) => [s.batches, s.doneRows]).sort()).toEqual([[1, 4], [1, 4]]);
  }, 60_000);
});

describe.skipIf(!REDIS_URL)('shutdown on a shared store', () => {
  test('server A closes with rows running and waiting: nothing is failed, server B completes every row exactly once, in order', async () => {
    const prefix = newPrefix();
    const storeA = await openStore(prefix);
    const fn = { definition: { name: 'slow', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 4, maxBufferDuration: 10 }, bundle: slowBundle(600) };
    // A short grace: the batch A is running when it closes cannot finish and must be released.
    const a = await start({ store: storeA, functions: [fn], shutdownGraceMs: 50 });
    const calls = [texts(6, 1), texts(5, 3), texts(7, 5)];
    const ids: string[] = [];
    for (const c of calls) ids.push(await callId(await submit(a.url, 'slow', textTable(c))));
    await expect.poll(() => a.server.queue.pool.busy, { timeout: 10_000 }).toBe(1);
    await a.close();
    const statsA = (await a.server.queue.list())[0].stats;

    // Nothing was answered "shutting down" and no row was lost: all 18 are still queued.
    for (const id of ids) {
      const call = await storeA.getCall(id);
      expect(call?.state).toBe('pending');
      expect(call?.results.toArrays().statuses.filter((s) => s !== null && s !== 'ok' && s.code === SHUTTING_DOWN_STATUS.code)).toEqual([]);
    }
    expect(statsA.doneRows).toBe(0);
    expect(await storeA.depth()).toBe(18);
    expect((await storeA.pending('slow@1')).rows).toBe(18); // the running batch's rows are back, claimable

    const b = await serve({ store: await openStore(prefix), functions: [fn] });
    for (const [i, c] of calls.entries()) {
      const { table } = await result(b.url, ids[i]);
      expect(column(table, 'result')).toEqual(c.map((t) => t.length));
      expect(column(table, 'status')).toEqual(c.map(() => 'ok'));
    }
    const statsB = (await b.server.queue.list())[0].stats;
    expect(statsA.doneRows + statsB.doneRows).toBe(18); // each row ran to an outcome once
    expect(await storeA.depth()).toBe(0);
  }, 60_000);

  test("closing A leaves B's waiting rows alone (the old hand-back failed every row of the stream)", async () => {
    const prefix = newPrefix();
    const fn = { definition: { name: 'len', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 100, maxBufferDuration: 1500 }, bundle: LENGTH_BUNDLE };
    const a = await start({ store: await openStore(prefix), functions: [fn], shutdownGraceMs: 50 });
    const b = await serve({ store: await openStore(prefix), functions: [fn] });
    const rows = texts(9, 4);
    const id = await callId(await submit(b.url, 'len', textTable(rows))); // waits 1.5 s in the shared buffer
    await a.close();
    const { table } = await result(b.url, id);
    expect(column(table, 'status')).toEqual(rows.map(() => 'ok'));
    expect(column(table, 'result')).toEqual(rows.map((t) => t.length));
  }, 60_000);
});

describe.skipIf(!REDIS_URL)('Redis going away mid-test', () => {
  test('requests get 503 (not a hang), /health says why, batching retries; once Redis is back the server works again', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const logs: string[] = [];
    try {
      const url = `redis://127.0.0.1:${port}`;
      const fn = { definition: { name: 'len', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 4, maxBufferDuration: 200 }, bundle: LENGTH_BUNDLE };
      const store = await openStore('embedbook-test:down:', url);
      const r = await serve({ store, functions: [fn], storeTimeoutMs: 3_000, log: (l) => logs.push(l), shutdownGraceMs: 200 });
      const ok = await callId(await submit(r.url, 'len', textTable(['a', 'bb'])));
      expect(column((await result(r.url, ok)).table, 'result')).toEqual([1, 2]);
      await submit(r.url, 'len', textTable(['ccc'])); // waits 200 ms: the batcher's timer fires into a dead Redis

      await stopRedis(redis);
      const t0 = Date.now();
      const refused = await submit(r.url, 'len', textTable(['x']));
      expect(refused.status).toBe(503);
      expect(Date.now() - t0).toBeLessThan(10_000); // answered, not hung
      expect(((await refused.json()) as { error: { name: string } }).error.name).toBe('StoreUnavailableError');
      expect((await fetch(`${r.url}/calls/${ok}`)).status).toBe(503);
      const health = (await (await fetch(`${r.url}/health`)).json()) as { ok: boolean; store: { ok: boolean; error: string } };
      expect(health.ok).toBe(false);
      expect(health.store.ok).toBe(false);
      expect(health.store.error.length).toBeGreaterThan(0);
      // A server started while Redis is down (its watch() cannot subscribe) answers too, not hangs.
      const late = await serve({ store, storeTimeoutMs: 3_000, log: () => undefined });
      expect((await fetch(`${late.url}/calls/${ok}?timeout=1`)).status).toBe(503);
      // The batcher keeps failing meanwhile (more store errors), and the outage is still logged once.
      const failed = r.server.queue.storeHealth.errors;
      await expect.poll(() => r.server.queue.storeHealth.errors, { timeout: 10_000 }).toBeGreaterThan(failed + 1);
      expect(logs.filter((l) => /queue store failed/.test(l))).toHaveLength(1);

      // Redis comes back (empty: it had no persistence); the client reconnects on its own.
      redis = await startRedis(port);
      await expect.poll(async () => ((await (await fetch(`${r.url}/health`)).json()) as { ok: boolean }).ok, { timeout: 15_000, interval: 200 }).toBe(true);
      const again = await callId(await submit(r.url, 'len', textTable(['dddd', 'e'])));
      expect(column((await result(r.url, again)).table, 'result')).toEqual([4, 1]);
      expect(logs.filter((l) => /answers again after/.test(l))).toHaveLength(1);
    } finally {
      for (const s of servers.splice(0)) await s.close();
      await stopRedis(redis);
    }
  }, 60_000);
});
