// The QueueStore contract as one shared test suite (house style 9): every store implementation —
// the in-memory default now, Redis Streams / NATS JetStream later — runs exactly these tests.
import { describe, expect, test } from 'vitest';
import type { QueueStore, RowBatch } from './store';
import { CANCELLED_STATUS, StreamRetiredError } from './errors';

const rows = (callId: string, n: number, at = 1000): RowBatch => ({
  callId, enqueuedAt: at, columns: [Array.from({ length: n }, (_, index) => `${callId}-${index}`)],
});

export interface ContractOptions {
  /**
   * Shared stores: another process's handle on the same queue (same Redis and prefix as `store`),
   * with `lose()` to make it vanish without a word (no heartbeat, no release: kill -9). Enables the
   * reclaim cases; the store's reclaimIdleMs should be short (they wait it out).
   */
  peer?: (store: QueueStore) => Promise<{ store: QueueStore; lose(): Promise<void> }>;
}

export function queueStoreContract(name: string, make: () => Promise<QueueStore> | QueueStore, opts: ContractOptions = {}): void {
  describe(`QueueStore contract: ${name}`, () => {
    const add = (s: QueueStore, id: string, n: number, stream = 'f@1', at = 1000) =>
      s.addCall({ id, functionName: 'f', version: 1, rows: n, createdAt: at }, stream, rows(id, n, at));

    test('rows are claimed oldest first across calls; pending reports the oldest arrival', async () => {
      const s = await make();
      await add(s, 'a', 2, 'f@1', 1000);
      await add(s, 'b', 2, 'f@1', 2000);
      expect(await s.pending('f@1')).toEqual({ rows: 4, oldestAt: 1000 });
      expect((await s.claim('f@1', 3)).map((r) => `${r.callId}:${r.index}`)).toEqual(['a:0', 'a:1', 'b:0']);
      expect(await s.pending('f@1')).toEqual({ rows: 1, oldestAt: 2000 });
      expect(await s.depth('f@1')).toBe(4); // 1 waiting + 3 in flight
      expect(await s.pending('other@1')).toEqual({ rows: 0, oldestAt: null });
    });

    test('released rows go back to the head in their order', async () => {
      const s = await make();
      await add(s, 'a', 4);
      const first = await s.claim('f@1', 2);
      await s.release('f@1', first);
      expect((await s.claim('f@1', 4)).map((r) => r.index)).toEqual([0, 1, 2, 3]);
    });

    test('outcomes fill the call in row order; the first outcome of a row wins; completion is reported once', async () => {
      const s = await make();
      await add(s, 'a', 3);
      const claimed = await s.claim('f@1', 3);
      expect(await s.complete('f@1', [{ callId: 'a', index: 2, value: 'c' }, { callId: 'a', index: 0, value: 'a' }])).toEqual([]);
      expect(await s.complete('f@1', [{ callId: 'a', index: 0, value: 'DUPLICATE' }, { callId: 'a', index: 1, value: null, error: { code: 'BAD_ROW', message: 'bad row' } }])).toEqual(['a']);
      expect(await s.complete('f@1', [{ callId: 'a', index: 1, value: 'late' }])).toEqual([]);
      const call = await s.getCall('a');
      expect(call).toMatchObject({ state: 'done', doneRows: 3, failedRows: 1 });
      expect(call?.results.toArrays()).toEqual({ values: ['a', null, 'c'], statuses: ['ok', { code: 'BAD_ROW', message: 'bad row' }, 'ok'] });
      expect(call?.finishedAt).toEqual(expect.any(Number));
      expect(claimed).toHaveLength(3);
      expect(await s.depth()).toBe(0);
    });

    test('cancel drops waiting rows only; in-flight rows still complete the call', async () => {
      const s = await make();
      await add(s, 'a', 4);
      await add(s, 'b', 1);
      await s.claim('f@1', 1);
      expect(await s.cancelCall('a', CANCELLED_STATUS)).toBe(false);
      expect(await s.pending('f@1')).toMatchObject({ rows: 1 }); // only b's row waits
      expect(await s.complete('f@1', [{ callId: 'a', index: 0, value: 1 }])).toEqual(['a']);
      expect(await s.getCall('a')).toMatchObject({ state: 'cancelled' });
      expect((await s.getCall('a'))?.results.toArrays().statuses).toEqual(['ok', CANCELLED_STATUS, CANCELLED_STATUS, CANCELLED_STATUS]);
      expect(await s.cancelCall('missing', CANCELLED_STATUS)).toBe(false);
    });

    test('release skips rows of cancelled calls; deleteCall forgets a call and its waiting rows', async () => {
      const s = await make();
      await add(s, 'a', 2);
      await add(s, 'b', 2);
      const claimed = await s.claim('f@1', 2); // both of a's rows
      await s.cancelCall('a', CANCELLED_STATUS);
      await s.release('f@1', claimed);
      expect((await s.claim('f@1', 10)).map((r) => r.callId)).toEqual(['b', 'b']);
      await s.deleteCall('b');
      expect(await s.getCall('b')).toBeUndefined();
    });

    test('finishedBefore lists complete calls for expiry; a zero-row call is complete at once', async () => {
      const s = await make();
      await add(s, 'empty', 0);
      await add(s, 'busy', 1);
      const done = await s.finishedBefore(Number.MAX_SAFE_INTEGER);
      expect(done).toContain('empty');
      expect(done).not.toContain('busy');
    });

    test('reclaim hands back nothing while the claimer lives (in-flight rows stay its own)', async () => {
      const s = await make();
      await add(s, 'a', 3);
      await s.claim('f@1', 2);
      expect((await s.reclaim?.(['f@1', 'nothing@1'])) ?? 0).toBe(0);
      expect(await s.pending('f@1')).toMatchObject({ rows: 1 });
      expect(await s.depth('f@1')).toBe(3);
    });

    test.runIf(opts.peer)("watch: another process's appends and completions reach a subscriber; an unsubscribed one hears nothing more", async () => {
      const s = await make();
      if (!s.watch) throw new Error(`${name} is shared (it has a peer) but has no watch: servers on it could not wake each other`);
      const peer = await (opts.peer as NonNullable<ContractOptions['peer']>)(s);
      const first = { appended: [] as string[], finished: [] as string[] };
      const stopFirst = await s.watch({ appended: (stream) => first.appended.push(stream), finished: (ids) => first.finished.push(...ids) });
      await add(peer.store, 'w', 2, 'f@1');
      await expect.poll(() => first.appended, { timeout: 10_000 }).toContain('f@1');
      const claimed = await peer.store.claim('f@1', 2);
      expect(await peer.store.complete('f@1', claimed.map((r) => ({ callId: r.callId, index: r.index, value: 1 })))).toEqual(['w']);
      await expect.poll(() => first.finished, { timeout: 10_000 }).toContain('w');
      // Unsubscribed, the first hears nothing more: a second subscriber, on the same store, is the
      // witness that the next event was delivered (no fixed wait).
      stopFirst();
      const heard = first.appended.length;
      const second: string[] = [];
      const stopSecond = await s.watch({ appended: (stream) => second.push(stream) });
      await add(peer.store, 'x', 1, 'g@1');
      await expect.poll(() => second, { timeout: 10_000 }).toContain('g@1');
      expect(first.appended).toHaveLength(heard);
      stopSecond();
      await peer.lose();
    });

    test.runIf(opts.peer)("a lost process's rows come back at the head, in order, after reclaimIdleMs; a live one's stay", async () => {
      const s = await make();
      const idle = s.reclaimIdleMs ?? 0;
      const lost = await (opts.peer as NonNullable<ContractOptions['peer']>)(s);
      await add(s, 'a', 6);
      expect((await lost.store.claim('f@1', 3)).map((r) => r.index)).toEqual([0, 1, 2]);
      expect((await s.claim('f@1', 1)).map((r) => r.index)).toEqual([3]);
      await lost.lose();
      expect(await s.reclaim?.(['f@1'])).toBe(0); // not idle long enough yet
      // Back once idle past reclaimIdleMs, whenever that is (a poll, not a fixed wait).
      await expect.poll(() => s.reclaim?.(['f@1']), { timeout: 10_000 + 10 * idle, interval: 50 }).toBe(3);
      expect(await s.reclaim?.(['f@1'])).toBe(0); // once
      expect(await s.pending('f@1')).toEqual({ rows: 5, oldestAt: 1000 });
      expect((await s.claim('f@1', 10)).map((r) => r.index)).toEqual([0, 1, 2, 4, 5]);
      const outcomes = [0, 1, 2, 3, 4, 5].map((index) => ({ callId: 'a', index, value: index * 10 }));
      expect(await s.complete('f@1', outcomes)).toEqual(['a']);
      expect((await s.getCall('a'))?.results.toArrays().values).toEqual([0, 10, 20, 30, 40, 50]);
      expect(await s.depth()).toBe(0);
    });

    test.runIf(opts.peer)('a lost process\'s late outcome after its rows were reclaimed and re-run is ignored (first outcome wins)', async () => {
      const s = await make();
      const idle = s.reclaimIdleMs ?? 0;
      const lost = await (opts.peer as NonNullable<ContractOptions['peer']>)(s);
      await add(s, 'a', 2);
      await lost.store.claim('f@1', 2);
      await lost.lose();
      await expect.poll(() => s.reclaim?.(['f@1']), { timeout: 10_000 + 10 * idle, interval: 50 }).toBe(2);
      await s.claim('f@1', 2);
      expect(await s.complete('f@1', [0, 1].map((index) => ({ callId: 'a', index, value: 'rerun' })))).toEqual(['a']);
      // The "lost" process was only slow: its outcome arrives late and changes nothing.
      expect(await lost.store.complete('f@1', [0, 1].map((index) => ({ callId: 'a', index, value: 'late' })))).toEqual([]);
      const call = await s.getCall('a');
      expect(call?.doneRows).toBe(2);
      expect(call?.results.toArrays().values).toEqual(['rerun', 'rerun']);
    });

    test('claimed rows carry their arguments; released rows keep them', async () => {
      const s = await make();
      await s.addCall({ id: 'm', functionName: 'f', version: 1, rows: 3, createdAt: 1 }, 'f@1', { callId: 'm', enqueuedAt: 1, columns: [['x', 'y', 'z'], [1, 2, 3]] });
      const first = await s.claim('f@1', 2);
      expect(first.map((r) => r.values)).toEqual([['x', 1], ['y', 2]]);
      await s.release('f@1', first.slice(1));
      expect((await s.claim('f@1', 5)).map((r) => [r.index, ...r.values])).toEqual([[1, 'y', 2], [2, 'z', 3]]);
    });

    test('held result bytes grow with stored vectors and fall back to zero when the calls are deleted', async () => {
      const s = await make();
      expect(await s.heldResultBytes()).toBe(0);
      await add(s, 'a', 100);
      await add(s, 'b', 1);
      const claimed = await s.claim('f@1', 101);
      const vec = new Float32Array(384).fill(0.5);
      await s.complete('f@1', claimed.map((r) => ({ callId: r.callId, index: r.index, value: vec })));
      const held = await s.heldResultBytes();
      expect(held).toBeGreaterThanOrEqual(101 * 384 * 4);
      expect(held).toBeLessThan(4 * 101 * 384 * 4);
      const a = await s.getCall('a');
      expect(Array.from(a?.results.value(99) as Float32Array)).toEqual(Array.from(vec));
      await s.deleteCall('a');
      const afterA = await s.heldResultBytes();
      expect(afterA).toBeLessThan(held / 10);
      await s.deleteCall('b');
      expect(await s.heldResultBytes()).toBe(0);
    });

    test('streams are independent (a function version each)', async () => {
      const s = await make();
      await add(s, 'a', 2, 'f@1');
      await add(s, 'b', 3, 'f@2');
      expect(await s.depth('f@1')).toBe(2);
      expect(await s.depth('f@2')).toBe(3);
      expect(await s.depth()).toBe(5);
      expect((await s.claim('f@2', 10)).every((r) => r.callId === 'b')).toBe(true);
    });

    test('a retired stream refuses new rows, finishes the rows it holds (waiting and in flight), then counts nothing', async () => {
      const s = await make();
      await add(s, 'a', 3, 'f@1');
      const first = await s.claim('f@1', 2); // in flight across the retirement
      await s.retireStream?.('f@1');
      // A late submit for the old version is refused with the meaning, never left in a stream nobody serves.
      await expect(add(s, 'late', 1, 'f@1')).rejects.toBeInstanceOf(StreamRetiredError);
      expect(await s.getCall('late')).toBeUndefined();
      await add(s, 'next', 1, 'f@2'); // the new version's stream takes rows
      expect(await s.depth('f@1')).toBe(3);
      const rest = await s.claim('f@1', 10);
      expect(rest.map((r) => r.index)).toEqual([2]);
      const done = await s.complete('f@1', [...first, ...rest].map((r) => ({ callId: r.callId, index: r.index, value: r.index })));
      expect(done).toEqual(['a']);
      expect((await s.getCall('a'))?.results.toArrays().values).toEqual([0, 1, 2]);
      expect(await s.depth('f@1')).toBe(0);
      expect(await s.pending('f@1')).toEqual({ rows: 0, oldestAt: null });
      expect(await s.depth()).toBe(1);
      // Retiring again (another node) is harmless; the refusal stays.
      await s.retireStream?.('f@1');
      await expect(add(s, 'later', 1, 'f@1')).rejects.toBeInstanceOf(StreamRetiredError);
      for (const id of ['a', 'next']) await s.deleteCall(id);
      expect(await s.heldResultBytes()).toBe(0);
    });
  });
}
