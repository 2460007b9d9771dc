// RedisStreamsQueueStore against a real redis-server (REDIS_URL; the Vitest global setup starts one).
// Without it this file FAILS, unless EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, describe, expect, test } from 'vitest';
import { RedisStreamsQueueStore, RedisUnavailableError, type RedisStoreOptions } from './redis-store';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { queueStoreContract } from './store-contract';
import type { QueuedRow, RowBatch } from './store';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';
import { callId, column, result, start, submit, textTable, type Running } from './test-fixtures/http';
import { main, type CliIO } from '../cli/main';
import { defaultTimers } from '../core/timers';
import type { TimerApi } from '../core/types';

const REDIS_URL = redisUrlForTests('the Redis queue store tests');
const keys = new RedisTestKeys(REDIS_URL);
const newPrefix = () => keys.newPrefix();
const openStore = (prefix: string, opts: RedisStoreOptions = {}) => keys.openStore(prefix, opts);
const cleanUp = () => keys.cleanUp();

/** The consumer names in a stream's group (XINFO GROUPS → the group, XINFO CONSUMERS → its consumers). */
async function consumers(s: RedisStreamsQueueStore, stream: string): Promise<string[]> {
  const [group] = (await s.redis.xinfo('GROUPS', stream)) as unknown[][];
  const list = (await s.redis.xinfo('CONSUMERS', stream, String(group[1]))) as unknown[][];
  return list.map((c) => String(c[1])).sort();
}
const ids = (rows: QueuedRow[]) => rows.map((r) => `${r.callId}:${r.index}`);
const newCall = (id: string, rows: number, at = 1000) => ({ id, functionName: 'f', version: 1, rows, createdAt: at });
/** A call's rows, given row by row, as the store takes them: one column per argument. */
const rowsOf = (callId: string, values: unknown[][], at = 1000): RowBatch => ({
  callId, enqueuedAt: at, columns: (values[0] ?? []).map((_, j) => values.map((row) => row[j])),
});

describe.skipIf(!REDIS_URL)('RedisStreamsQueueStore', () => {
  afterAll(cleanUp);

  // A short reclaimIdleMs for the reclaim cases; the peer never heartbeats (reclaimIdleMs 0), so
  // it is "lost" from the moment it claims, as after a kill -9.
  queueStoreContract('RedisStreamsQueueStore', () => openStore(newPrefix(), { reclaimIdleMs: 400 }), {
    peer: async (s) => {
      const mine = s as RedisStreamsQueueStore;
      const store = keys.track(new RedisStreamsQueueStore(mine.redis.duplicate(), { prefix: mine.prefix, reclaimIdleMs: 0 }, true));
      return { store, lose: async () => undefined };
    },
  });

  test('row values and results round-trip: strings, numbers, arrays, objects and Float32Array embeddings', async () => {
    const s = await openStore(newPrefix());
    const emb = Float32Array.from({ length: 512 }, (_, i) => Math.cos(i) / 3);
    const values: unknown[][] = [['héllo ✓', 3, [1.5, 2]], [null, -0.25, []], [{ w: 2, tags: ['x'] }, 1e300, [emb.subarray(0, 4)]]];
    await s.addCall(newCall('a', 3), 'f@1', rowsOf('a', values));
    const claimed = await s.claim('f@1', 10);
    expect(claimed.map((r) => r.values)).toEqual(values);
    expect(claimed.map((r) => r.enqueuedAt)).toEqual([1000, 1000, 1000]);
    expect(claimed[2].values[2]).toEqual([expect.any(Float32Array)]);
    await s.complete('f@1', [
      { callId: 'a', index: 0, value: emb },
      { callId: 'a', index: 1, value: 'text' },
      { callId: 'a', index: 2, value: [1, 2, 3] },
    ]);
    const values2 = (await s.getCall('a'))?.results.toArrays().values ?? [];
    expect(values2[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(values2[0] as Float32Array)).toEqual(Array.from(emb)); // bit-exact
    expect(values2.slice(1)).toEqual(['text', [1, 2, 3]]);
    // Binary, not float text: the stored result is 512 × 4 bytes plus a 5-byte header.
    expect(await s.redis.hstrlen(s.keys.call('a').v, '0')).toBe(5 + 512 * 4);
  });

  test('addCall is atomic: a duplicate call id is refused and appends nothing', async () => {
    const s = await openStore(newPrefix());
    await s.addCall(newCall('a', 2), 'f@1', rowsOf('a', [['x'], ['y']]));
    await expect(s.addCall(newCall('a', 3), 'f@1', rowsOf('a', [['1'], ['2'], ['3']]))).rejects.toThrow(/call id a already exists/);
    expect(await s.depth('f@1')).toBe(2);
    expect((await s.getCall('a'))?.rows).toBe(2);
  });

  test('a 50,000-row call is added in one script (its arguments never spread onto the JS stack)', async () => {
    const s = await openStore(newPrefix());
    const n = 50_000;
    await s.addCall(newCall('big', n), 'f@1', rowsOf('big', Array.from({ length: n }, (_, i) => [i])));
    expect(await s.depth('f@1')).toBe(n);
    expect((await s.claim('f@1', 3)).map((r) => r.values)).toEqual([[0], [1], [2]]);
    await s.deleteCall('big');
    expect(await s.depth()).toBe(0);
  });

  test('two processes sharing one Redis never claim the same row, and a row racing to complete twice counts once', async () => {
    const prefix = newPrefix();
    const [a, b] = [await openStore(prefix), await openStore(prefix)];
    const n = 200;
    await a.addCall(newCall('c', n), 'f@1', rowsOf('c', Array.from({ length: n }, (_, i) => [`r${i}`])));
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('f@1', 15)));
    const all = claims.flat();
    expect(all).toHaveLength(n);
    expect(new Set(ids(all)).size).toBe(n);
    // Both processes report an outcome for every row at the same time (e.g. a reclaimed batch that
    // the "lost" worker finished after all): first outcome wins, the call completes exactly once.
    const outcomes = (tag: string) => all.map((r) => ({ callId: r.callId, index: r.index, value: `${tag}${r.index}` }));
    const [fa, fb] = await Promise.all([a.complete('f@1', outcomes('a')), b.complete('f@1', outcomes('b'))]);
    expect([...fa, ...fb]).toEqual(['c']);
    const call = await b.getCall('c');
    expect(call).toMatchObject({ state: 'done', doneRows: n, failedRows: 0 });
    expect(call?.results.toArrays().values.every((v, i) => v === `a${i}` || v === `b${i}`)).toBe(true);
    expect(await a.depth()).toBe(0);
  });

  test('the heartbeat runs on the store\'s TimerApi: armed by a claim at reclaimIdleMs / 3, each beat re-touches the rows in flight and re-arms while any are left', async () => {
    const armed: Array<{ fire: () => void; ms: number }> = [];
    const timers: TimerApi = { ...defaultTimers, setTimeout: (fire, ms) => armed.push({ fire, ms }), clearTimeout: () => undefined };
    const s = await openStore(newPrefix(), { reclaimIdleMs: 30_000, timers });
    await s.addCall(newCall('a', 2), 'f@1', rowsOf('a', [['0'], ['1']]));
    expect(armed).toHaveLength(0); // nothing in flight: no timer
    const claimed = await s.claim('f@1', 2);
    expect(armed.map((a) => a.ms)).toEqual([10_000]);
    const idleOf = async () => {
      const [[, , idle]] = (await s.redis.xpending(s.keys.stream('f@1').sk, 'embedbook-workers', '-', '+', 1)) as Array<[string, string, number, number]>;
      return Number(idle);
    };
    await expect.poll(idleOf, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(300);
    const before = await idleOf();
    armed[0].fire(); // the beat: XCLAIM to ourselves resets the rows' idle time, then re-arms
    await expect.poll(() => armed.length, { timeout: 5_000 }).toBe(2);
    expect(await idleOf()).toBeLessThan(before);
    expect(armed[1].ms).toBe(10_000);
    await s.complete('f@1', claimed.map((r) => ({ callId: r.callId, index: r.index, value: 1 })));
  });

  test("a lost process's in-flight rows go back to the head after reclaimIdleMs; a live one's heartbeat keeps them", async () => {
    const prefix = newPrefix();
    const idle = 1000;
    const dead = await openStore(prefix, { reclaimIdleMs: idle });
    const live = await openStore(prefix, { reclaimIdleMs: idle });
    const other = await openStore(prefix, { reclaimIdleMs: idle });
    await dead.addCall(newCall('a', 5, 1000), 'f@1', rowsOf('a', [['0'], ['1'], ['2'], ['3'], ['4']], 1000));
    expect(ids(await dead.claim('f@1', 2))).toEqual(['a:0', 'a:1']);
    expect(ids(await live.claim('f@1', 2))).toEqual(['a:2', 'a:3']);
    await dead.close(); // no more heartbeats: as if the machine died
    expect(await other.reclaim(['f@1'])).toBe(0);
    expect(await other.pending('f@1')).toEqual({ rows: 1, oldestAt: 1000 });
    // Until dead's rows are idle past reclaimIdleMs: live heartbeats before each try (its interval
    // heartbeat does this too), so only dead's rows come back, whenever that is.
    await expect.poll(async () => {
      await live.touch();
      return other.reclaim(['f@1']);
    }, { timeout: 10 * idle, interval: idle / 10 }).toBe(2);
    // dead's rows are back, at the head and in order; live's are still in flight.
    expect(await other.pending('f@1')).toEqual({ rows: 3, oldestAt: 1000 });
    expect(ids(await other.claim('f@1', 10))).toEqual(['a:0', 'a:1', 'a:4']);
    expect(await other.depth('f@1')).toBe(5);
    expect(await other.complete('f@1', [0, 1, 2, 3, 4].map((index) => ({ callId: 'a', index, value: index })))).toEqual(['a']);
    expect((await live.getCall('a'))?.results.toArrays().values).toEqual([0, 1, 2, 3, 4]);
  });

  test('a long run leaves the stream, the consumer group and the keys bounded', async () => {
    const idle = 200;
    const s = await openStore(newPrefix(), { reclaimIdleMs: idle });
    const sk = s.keys.stream('f@1').sk;
    let maxLen = 0;
    // 300 calls of 10 rows through the stream, 16-row batches; every 50th batch's claimer "dies"
    // (a fresh consumer that claims and never reports), so reclaim and consumer clean-up run too.
    for (let c = 0; c < 300; c++) {
      await s.addCall(newCall(`c${c}`, 10), 'f@1', rowsOf(`c${c}`, Array.from({ length: 10 }, (_, i) => [`${c}:${i}`])));
      if (c % 50 === 49) {
        const ghost = keys.track(new RedisStreamsQueueStore(s.redis.duplicate(), { prefix: s.prefix, reclaimIdleMs: 0 }, true));
        await ghost.claim('f@1', 16);
      }
      for (let batch = await s.claim('f@1', 16); batch.length; batch = await s.claim('f@1', 16)) {
        maxLen = Math.max(maxLen, await s.redis.xlen(sk));
        await s.complete('f@1', batch.map((r) => ({ callId: r.callId, index: r.index, value: 1 })));
      }
    }
    // Each ghost took the 10 rows waiting then; the early ghosts' rows may come back first.
    let reclaimed = 0;
    await expect.poll(async () => (reclaimed += await s.reclaim(['f@1'])), { timeout: 50 * idle, interval: idle / 4 }).toBe(6 * 10);
    for (let batch = await s.claim('f@1', 100); batch.length; batch = await s.claim('f@1', 100)) {
      await s.complete('f@1', batch.map((r) => ({ callId: r.callId, index: r.index, value: 1 })));
    }
    // Reclaim drops the six ghosts once they are idle with nothing pending: only s is left.
    await expect.poll(async () => {
      await s.reclaim(['f@1']);
      return consumers(s, sk);
    }, { timeout: 50 * idle, interval: idle / 4 }).toEqual([s.consumer]);
    // The stream never held more than the waiting + running rows, and holds none now.
    expect(maxLen).toBeLessThanOrEqual(10 + 6 * 10);
    expect(await s.redis.xlen(sk)).toBe(0);
    expect(((await s.redis.xinfo('CONSUMERS', sk, 'embedbook-workers')) as unknown[]).length).toBeLessThanOrEqual(1);
    // Every call is complete; reading (deleting) them leaves only the stream's own few keys and the
    // store-wide held-result byte counter, back at zero.
    const finished = await s.finishedBefore(Number.MAX_SAFE_INTEGER);
    expect(finished).toHaveLength(300);
    for (const id of finished) await s.deleteCall(id);
    const { sk: streamKey, nk, ld } = s.keys.stream('f@1');
    expect((await s.redis.keys(`${s.prefix}*`)).sort()).toEqual([s.keys.epoch, s.keys.call('c0').rb, ld, nk, streamKey, s.keys.streams].sort());
    expect(await s.heldResultBytes()).toBe(0);
  });

  test('a finished call\'s keys carry the finishedTtlMs expiry, so unread results go even with no server sweeping', async () => {
    const s = await openStore(newPrefix(), { finishedTtlMs: 60_000 });
    await s.addCall(newCall('a', 2), 'f@1', rowsOf('a', [['x'], ['y']]));
    const batch = await s.claim('f@1', 2);
    expect(await s.redis.pttl(s.keys.call('a').c)).toBe(-1); // running calls never expire
    await s.complete('f@1', batch.map((r) => ({ callId: r.callId, index: r.index, value: r.index })));
    for (const k of ['c', 'v', 'st', 'e'] as const) {
      const ttl = await s.redis.pttl(s.keys.call('a')[k]);
      expect(ttl, k).toBeGreaterThan(50_000);
      expect(ttl, k).toBeLessThanOrEqual(60_000);
    }
  });

  test('the sweep of a call whose keys already expired gives its held result bytes back (the byte budget does not leak)', async () => {
    const s = await openStore(newPrefix(), { finishedTtlMs: 30 });
    await s.addCall(newCall('a', 2), 'f@1', rowsOf('a', [['x'], ['y']]));
    await s.addCall(newCall('b', 1), 'f@1', rowsOf('b', [['z']]));
    const batch = await s.claim('f@1', 3);
    await s.complete('f@1', batch.map((r) => ({ callId: r.callId, index: r.index, value: 'x'.repeat(100) })));
    const both = await s.heldResultBytes();
    expect(both).toBeGreaterThanOrEqual(300);
    // Nobody reads or sweeps in time: the finished calls' own keys expire in Redis.
    await expect.poll(() => s.redis.exists(s.keys.call('a').c, s.keys.call('a').v, s.keys.call('b').c), { timeout: 10_000 }).toBe(0);
    // A server's sweep comes later (finishedBefore still lists them) and deletes them by id.
    expect((await s.finishedBefore(Number.MAX_SAFE_INTEGER)).sort()).toEqual(['a', 'b']);
    await s.deleteCall('a');
    const afterA = await s.heldResultBytes();
    expect(afterA).toBeGreaterThan(0);
    expect(afterA).toBeLessThan(both);
    await s.deleteCall('b');
    expect(await s.heldResultBytes()).toBe(0);
    expect(await s.finishedBefore(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await s.redis.hkeys(s.keys.call('a').rb)).toEqual(['#']);
  });

  test('cancel and delete keep the waiting / in-flight counts right for handed-back, running and never-claimed rows', async () => {
    const s = await openStore(newPrefix());
    await s.addCall(newCall('a', 4), 'f@1', rowsOf('a', [['0'], ['1'], ['2'], ['3']]));
    const claimed = await s.claim('f@1', 2);
    await s.release('f@1', claimed.slice(0, 1)); // a:0 handed back, a:1 still running
    expect(await s.pending('f@1')).toMatchObject({ rows: 3 });
    expect(await s.cancelCall('a', { code: 'CANCELLED', message: 'cancelled' })).toBe(false);
    expect(await s.pending('f@1')).toEqual({ rows: 0, oldestAt: null });
    expect(await s.depth('f@1')).toBe(1);
    expect((await s.getCall('a'))?.results.toArrays().statuses).toEqual([{ code: 'CANCELLED', message: 'cancelled' }, null, { code: 'CANCELLED', message: 'cancelled' }, { code: 'CANCELLED', message: 'cancelled' }]);
    expect(await s.complete('f@1', [{ callId: 'a', index: 1, value: 'v' }])).toEqual(['a']);
    expect(await s.depth()).toBe(0);

    await s.addCall(newCall('b', 3), 'f@1', rowsOf('b', [['0'], ['1'], ['2']]));
    await s.claim('f@1', 1);
    await s.deleteCall('b');
    expect(await s.depth()).toBe(0);
    expect(await s.pending('f@1')).toEqual({ rows: 0, oldestAt: null });
    expect(await s.finishedBefore(Number.MAX_SAFE_INTEGER)).toEqual(['a']);
    await s.deleteCall('a');
    expect(await s.redis.keys(`${s.prefix}*:a`)).toEqual([]);
  });

  test('watch() tells every process sharing the prefix about appended rows and finished calls', async () => {
    const prefix = newPrefix();
    const [a, b] = [await openStore(prefix), await openStore(prefix)];
    const seen: string[] = [];
    const stop = await a.watch({ appended: (s) => seen.push(`appended ${s}`), finished: (ids) => seen.push(`finished ${ids.join(',')}`) });
    await b.addCall(newCall('x', 2), 'f@1', rowsOf('x', [['0'], ['1']]));
    await b.addCall(newCall('y', 1), 'f@1', rowsOf('y', [['0']]));
    const rows = await b.claim('f@1', 3);
    await b.complete('f@1', rows.map((r) => ({ callId: r.callId, index: r.index, value: 1 })));
    await expect.poll(() => seen, { timeout: 5000 }).toEqual(['appended f@1', 'appended f@1', 'finished x,y']);
    stop();
    const witness: string[] = [];
    const stopWitness = await a.watch({ appended: (s) => witness.push(`appended ${s}`), finished: () => undefined });
    await b.addCall(newCall('z', 1), 'f@1', rowsOf('z', [['0']]));
    // A second watcher is the witness that the event for z was delivered (no fixed wait).
    await expect.poll(() => witness, { timeout: 5000 }).toEqual(['appended f@1']);
    expect(seen).toHaveLength(3);
    stopWitness();
  });

  test('connect names the problem: unreachable server, wrong scheme', async () => {
    await expect(RedisStreamsQueueStore.connect('redis://127.0.0.1:1', {}, { connectTimeout: 500, retryStrategy: () => null })).rejects.toThrow(RedisUnavailableError);
    await expect(RedisStreamsQueueStore.connect('redis://127.0.0.1:1', {}, { retryStrategy: () => null })).rejects.toThrow(/at redis:\/\/127.0.0.1:1: connect ECONNREFUSED/);
    await expect(RedisStreamsQueueStore.connect('http://127.0.0.1:6379')).rejects.toThrow(/redis:\/\/, rediss:\/\/ or redis-cluster:\/\/, got http:/);
  });

  test('?prefix= in the URL sets the key prefix', async () => {
    const prefix = newPrefix();
    const url = new URL(REDIS_URL as string);
    url.searchParams.set('prefix', prefix);
    const s = keys.track(await RedisStreamsQueueStore.connect(url.toString()));
    expect(s.prefix).toBe(prefix);
    await s.addCall(newCall('p', 1), 'f@1', rowsOf('p', [['x']]));
    expect(await s.redis.exists(s.keys.call('p').c)).toBe(1);
    expect(s.keys.call('p').c.startsWith(prefix)).toBe(true);
  });
});

describe.skipIf(!REDIS_URL)('two servers ("machines") sharing one Redis', () => {
  afterAll(cleanUp);

  test('calls submitted to either are processed once, in row order, and readable from both', async () => {
    const prefix = newPrefix();
    const fn = { definition: { name: 'len', maxBatchingSize: 4, maxBufferDuration: 20, output: 'float64' }, bundle: LENGTH_BUNDLE };
    const servers: Running[] = [];
    try {
      for (let i = 0; i < 2; i++) servers.push(await start({ store: await openStore(prefix), functions: [fn], resultTtlMs: 60_000 }));
      const [a, b] = servers;
      const texts = (n: number, salt: number) => Array.from({ length: n }, (_, i) => 'x'.repeat((i * 7 + salt) % 17));
      const calls = [
        { texts: texts(37, 1), via: a, readFrom: b },
        { texts: texts(29, 5), via: b, readFrom: a },
        { texts: texts(11, 9), via: a, readFrom: a },
      ];
      const ids = await Promise.all(calls.map(async (c) => callId(await submit(c.via.url, 'len', textTable(c.texts)))));
      for (const [i, c] of calls.entries()) {
        // A 1 s long-poll re-reads the shared store, so a call finished by the other machine shows up.
        const { table } = await result(c.readFrom.url, ids[i], undefined, 1);
        expect(column(table, 'result')).toEqual(c.texts.map((t) => t.length));
        expect(column(table, 'status')).toEqual(c.texts.map(() => 'ok'));
      }
      // Exactly once: the rows the two machines' handlers finished add up to the rows submitted.
      const done = await Promise.all(servers.map(async (s) => (await s.server.queue.list())[0].stats.doneRows));
      expect(done[0] + done[1]).toBe(37 + 29 + 11);
      expect(await servers[0].server.queue.store.depth()).toBe(0);
    } finally {
      for (const s of servers) await s.close();
    }
  });
});

describe.skipIf(!REDIS_URL)('one batch across machines', () => {
  afterAll(cleanUp);

  test("rows submitted to one server are batched with another server's rows and run as one batch, once", async () => {
    const prefix = newPrefix();
    // Batches of 8, and a buffer that would otherwise wait a minute: only the size trigger cuts.
    const fn = { definition: { name: 'len', maxBatchingSize: 8, maxBufferDuration: 60_000, output: 'float64' }, bundle: LENGTH_BUNDLE };
    const servers: Running[] = [];
    try {
      for (let i = 0; i < 2; i++) servers.push(await start({ store: await openStore(prefix), functions: [fn] }));
      const [a, b] = servers;
      const x = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
      const y = ['123456', '1234567', '12345678'];
      const xId = await callId(await submit(a.url, 'len', textTable(x))); // 5 rows wait on A: under the batch size
      const yId = await callId(await submit(b.url, 'len', textTable(y))); // 8 waiting rows now: one batch
      expect(column((await result(a.url, xId, undefined, 1)).table, 'result')).toEqual([1, 2, 3, 4, 5]);
      expect(column((await result(a.url, yId, undefined, 1)).table, 'result')).toEqual([6, 7, 8]);
      const stats = await Promise.all(servers.map(async (s) => (await s.server.queue.list())[0].stats));
      // B cuts it on its own submit, or A first when woken by B's "appended" event (watch): either
      // way one 8-row batch on one machine.
      expect(stats.map((st) => [st.batches, st.doneRows]).sort()).toEqual([[0, 0], [1, 8]]);
    } finally {
      for (const s of servers) await s.close();
    }
  });
});

describe.skipIf(!REDIS_URL)('embedbook serve --store', () => {
  afterAll(cleanUp);
  const capture = (signal?: AbortSignal) => {
    const io = { out: '', err: '', isTTY: false, signal, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    return io satisfies CliIO;
  };

  test('a Redis URL selects the Redis Streams store; a bad value is a usage error naming it', async () => {
    const url = new URL(REDIS_URL as string);
    url.searchParams.set('prefix', newPrefix());
    const stop = new AbortController();
    const io = capture(stop.signal);
    const served = main(['serve', '--port', '0', '--no-default-function', '--store', url.toString()], io);
    await expect.poll(() => io.out, { timeout: 10_000 }).not.toBe('');
    stop.abort();
    expect(await served).toBe(0);
    expect(io.err).toMatch(/store: redis streams at redis:\/\/127\.0\.0\.1:\d+\/? \(key prefix "embedbook-test:/);

    const bad = capture();
    expect(await main(['serve', '--port', '0', '--store', 'postgres://x'], bad)).toBe(2);
    expect(bad.err).toMatch(/--store must be "memory" or a Redis URL .* got "postgres:\/\/x"/);
  });
});
