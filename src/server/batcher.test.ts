import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { defaultTimers } from '../core/timers';
import type { TimerApi } from '../core/types';
import { Batcher, type BatchExecutor } from './batcher';
import { MemoryQueueStore } from './memory-store';
import { CANCELLED_STATUS } from './errors';

const STREAM = 'len@1';
// Deterministic jitter: random() = 0.5 → backoff delays are half their ceiling.
const timers: TimerApi = { ...defaultTimers, random: () => 0.5 };

interface Harness {
  store: MemoryQueueStore;
  batcher: Batcher;
  batches: string[][];
  finished: string[];
  submit(callId: string, texts: string[]): Promise<void>;
}

function harness(opts: { max: number; dur: number; retries?: number; execute?: BatchExecutor }): Harness {
  const store = new MemoryQueueStore(() => Date.now());
  const batches: string[][] = [];
  const finished: string[] = [];
  const execute: BatchExecutor =
    opts.execute ??
    (async (rows) => {
      batches.push(rows.map((r) => `${r.callId}:${r.index}`));
      return { values: rows.map((r) => (r.values[0] as string).length) };
    });
  const batcher = new Batcher({
    stream: STREAM,
    maxBatchingSize: opts.max,
    maxBufferDuration: opts.dur,
    retries: opts.retries ?? 0,
    store,
    timers,
    execute,
    onCallsFinished: (ids) => finished.push(...ids),
  });
  return {
    store,
    batcher,
    batches,
    finished,
    async submit(callId, texts) {
      const now = Date.now();
      await store.addCall({ id: callId, functionName: 'len', version: 1, rows: texts.length, createdAt: now }, STREAM, { callId, enqueuedAt: now, columns: [texts] });
      batcher.notify();
    },
  };
}

/** The call's values, and its row statuses as the answer's `status` column shows them ('ok' or the message). */
async function result(store: MemoryQueueStore, id: string): Promise<{ values: unknown[]; statuses: (string | null)[] }> {
  const call = await store.getCall(id);
  if (!call) throw new Error(`no call ${id}`);
  const { values, statuses } = call.results.toArrays();
  return { values, statuses: statuses.map((s) => (s === null || s === 'ok' ? s : s.message)) };
}

/** The call's row error codes (null for ok rows). */
async function codes(store: MemoryQueueStore, id: string): Promise<(string | null)[]> {
  const { statuses } = (await store.getCall(id))!.results.toArrays();
  return statuses.map((s) => (s === null || s === 'ok' ? null : s.code));
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher triggers (fake timers)', () => {
  test('size trigger: a full buffer is sent at once, with no time passing', async () => {
    const h = harness({ max: 4, dur: 10_000 });
    await h.submit('a', ['x', 'yy', 'zzz', 'wwww']);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.batches).toEqual([['a:0', 'a:1', 'a:2', 'a:3']]);
    expect(h.finished).toEqual(['a']);
    expect(await result(h.store, 'a')).toEqual({ values: [1, 2, 3, 4], statuses: ['ok', 'ok', 'ok', 'ok'] });
  });

  test('duration trigger counts from the OLDEST buffered row, not the newest', async () => {
    const h = harness({ max: 100, dur: 1000 });
    await h.submit('a', ['x']);
    await vi.advanceTimersByTimeAsync(600);
    await h.submit('b', ['yy']); // arrives 600 ms later: must not restart the clock
    await vi.advanceTimersByTimeAsync(399);
    expect(h.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.batches).toEqual([['a:0', 'b:0']]);
    expect(h.finished.sort()).toEqual(['a', 'b']);
  });

  test('a partial buffer waits exactly maxBufferDuration, then goes with whatever it holds', async () => {
    const h = harness({ max: 4, dur: 250 });
    await h.submit('a', ['1', '2', '3', '4', '5', '6']);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.batches).toEqual([['a:0', 'a:1', 'a:2', 'a:3']]); // size trigger
    await vi.advanceTimersByTimeAsync(249);
    expect(h.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.batches).toEqual([['a:0', 'a:1', 'a:2', 'a:3'], ['a:4', 'a:5']]);
  });

  test('rows from several calls share one batch, and results route back per call in row order', async () => {
    const h = harness({ max: 4, dur: 500 });
    await h.submit('a', ['a', 'aa', 'aaa']);
    await h.submit('b', ['bbbbb', 'bbbbbb', 'bbbbbbb']);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.batches).toEqual([['a:0', 'a:1', 'a:2', 'b:0']]);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.batches[1]).toEqual(['b:1', 'b:2']);
    expect((await result(h.store, 'a')).values).toEqual([1, 2, 3]);
    expect((await result(h.store, 'b')).values).toEqual([5, 6, 7]);
    expect(h.finished).toEqual(['a', 'b']);
  });

  test('a call spanning many batches gets every row back once, in order', async () => {
    const h = harness({ max: 7, dur: 50 });
    const texts = Array.from({ length: 100 }, (_, i) => 'x'.repeat(i));
    await h.submit('big', texts);
    await vi.advanceTimersByTimeAsync(50);
    expect(h.batches.map((b) => b.length)).toEqual([...Array(14).fill(7), 2]);
    expect(h.batches.flat()).toEqual(texts.map((_, i) => `big:${i}`));
    expect((await result(h.store, 'big')).values).toEqual(texts.map((t) => t.length));
  });
});

describe('Batcher failures', () => {
  test('a failing invocation is retried with backoff, then succeeds', async () => {
    let calls = 0;
    const h = harness({
      max: 2,
      dur: 0,
      retries: 3,
      execute: async (rows) => {
        calls++;
        if (calls <= 2) throw new Error(`flaky ${calls}`);
        return { values: rows.map(() => 'ok') };
      },
    });
    await h.submit('a', ['x', 'y']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(50); // backoff after attempt 1: 0.5 × 100 ms
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1); // 0.5 × 200 ms
    expect(calls).toBe(3);
    expect(await result(h.store, 'a')).toEqual({ values: ['ok', 'ok'], statuses: ['ok', 'ok'] });
  });

  test('a batch that keeps failing is split so only the bad row fails', async () => {
    const h = harness({
      max: 8,
      dur: 0,
      retries: 1,
      execute: async (rows) => {
        if (rows.some((r) => r.values[0] === 'BAD')) throw new TypeError('cannot embed BAD');
        return { values: rows.map((r) => (r.values[0] as string).toLowerCase()) };
      },
    });
    await h.submit('a', ['A', 'B', 'C', 'BAD', 'E', 'F', 'G', 'H']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await result(h.store, 'a')).toEqual({
      values: ['a', 'b', 'c', null, 'e', 'f', 'g', 'h'],
      statuses: ['ok', 'ok', 'ok', 'TypeError: cannot embed BAD', 'ok', 'ok', 'ok', 'ok'],
    });
    expect((await h.store.getCall('a'))?.failedRows).toBe(1);
  });

  test('isolation runs its parts one after another in the batch slot (halves, and rows one by one past a deadline)', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const h = harness({
      max: 8,
      dur: 0,
      retries: 2,
      execute: async (rows) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        sizes.push(rows.length);
        try {
          // eslint-disable-next-line no-restricted-syntax -- not a wait: the handler's 10 ms on the fake clock
          await new Promise((r) => setTimeout(r, 10));
          if (rows.some((r) => r.values[0] === 'HANG')) throw Object.assign(new Error('past its deadline'), { name: 'BatchTimeoutError' });
          if (rows.some((r) => r.values[0] === 'BAD')) throw new TypeError('cannot embed BAD');
          return { values: rows.map((r) => (r.values[0] as string).toLowerCase()) };
        } finally {
          inFlight--;
        }
      },
    });
    await h.submit('a', ['A', 'B', 'C', 'D', 'E', 'F', 'BAD', 'H']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await result(h.store, 'a')).statuses).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'TypeError: cannot embed BAD', 'ok']);
    // 3 tries of the whole batch, then 8 → 4+4 → 2+2 → 1+1 (2·log2(8) = 6 tries), never two at once.
    expect(sizes).toEqual([8, 8, 8, 4, 4, 2, 2, 1, 1]);
    expect(peak).toBe(1);

    sizes.length = 0;
    await h.submit('b', ['A', 'HANG', 'C', 'D']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await result(h.store, 'b')).statuses).toEqual(['ok', 'BatchTimeoutError: past its deadline', 'ok', 'ok']);
    // No retry of the whole batch after a deadline: each row alone, once, one after another.
    expect(sizes).toEqual([4, 1, 1, 1, 1]);
    expect(peak).toBe(1);
  });

  test('per-row errors from the handler become row statuses without retries', async () => {
    let calls = 0;
    const h = harness({
      max: 3,
      dur: 0,
      retries: 2,
      execute: async (rows) => {
        calls++;
        return { values: rows.map(() => 1), errors: rows.map((r) => (r.index === 1 ? { code: 'EMPTY_TEXT', message: 'empty text' } : null)) };
      },
    });
    await h.submit('a', ['x', '', 'z']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    expect(await result(h.store, 'a')).toEqual({ values: [1, null, 1], statuses: ['ok', 'empty text', 'ok'] });
    expect(await codes(h.store, 'a')).toEqual([null, 'EMPTY_TEXT', null]);
  });

  test('cancel drops rows not yet started; started rows finish', async () => {
    const h = harness({ max: 2, dur: 1000 });
    await h.submit('a', ['1', '2', '3']);
    await vi.advanceTimersByTimeAsync(0);
    expect(await h.store.cancelCall('a', CANCELLED_STATUS)).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.batches).toEqual([['a:0', 'a:1']]);
    const call = await h.store.getCall('a');
    expect(call?.state).toBe('cancelled');
    expect(call?.results.toArrays().statuses).toEqual(['ok', 'ok', CANCELLED_STATUS]);
  });

  test('drain with flush sends a partial buffer at once', async () => {
    const h = harness({ max: 10, dur: 60_000 });
    await h.submit('a', ['1', '2']);
    await h.batcher.drain({ flush: true });
    expect(h.batches).toEqual([['a:0', 'a:1']]);
    expect(await h.store.depth()).toBe(0);
  });
});

describe('Batcher with bounded in-flight batches', () => {
  test('rows wait in the buffer while maxInFlight batches run, then go as soon as one finishes', async () => {
    const release: Array<() => void> = [];
    const batches: string[][] = [];
    const store = new MemoryQueueStore(() => Date.now());
    const batcher = new Batcher({
      stream: STREAM, maxBatchingSize: 2, maxBufferDuration: 100, retries: 0, store, timers, maxInFlight: 1,
      onCallsFinished: () => undefined,
      execute: (rows) => {
        batches.push(rows.map((r) => `${r.callId}:${r.index}`));
        return new Promise((resolve) => release.push(() => resolve({ values: rows.map(() => 0) })));
      },
    });
    const now = Date.now();
    await store.addCall({ id: 'a', functionName: 'len', version: 1, rows: 5, createdAt: now }, STREAM,
      { callId: 'a', enqueuedAt: now, columns: [['x', 'x', 'x', 'x', 'x']] });
    batcher.notify();
    await vi.advanceTimersByTimeAsync(500);
    expect(batches).toEqual([['a:0', 'a:1']]);
    expect((await store.pending(STREAM)).rows).toBe(3); // still cancellable in the store
    release.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches[1]).toEqual(['a:2', 'a:3']);
    release.shift()?.();
    await vi.advanceTimersByTimeAsync(0); // the last row is already past its buffer duration
    expect(batches[2]).toEqual(['a:4']);
    release.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect((await store.getCall('a'))?.state).toBe('done');
  });
});
