import { Float32, RecordBatch, makeVector, Table, tableFromArrays } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferBatch } from './defer-batch';
import { CancelledError, ChunkFailedError, InvalidOptionError, TimeoutError } from './errors';
import type { BatchFunction } from './types';

/** Doubles each `x` after `ms` of (fake) time; honours its signal. */
function doubler(ms: number): BatchFunction<number> {
  return (args, ctx) =>
    new Promise((resolve, reject) => {
      const xs = Array.from(args.getChild('x')?.toArray() as Float64Array);
      const t = setTimeout(() => resolve({ values: xs.map((x) => x * 2) }), ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(ctx.signal.reason);
      });
    });
}

const batch = () => tableFromArrays({ x: Float64Array.of(1, 2, 3) });

describe('deferBatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('returns a pending handle at once, then resolves with the output', async () => {
    const fn = vi.fn(doubler(100));
    const h = deferBatch(batch(), fn);
    expect(h.status).toBe('pending');
    expect(fn).not.toHaveBeenCalled();
    expect(h.id).toMatch(/^batch-\d+-/);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.status).toBe('running');
    await vi.advanceTimersByTimeAsync(100);
    await expect(h.get()).resolves.toEqual({ values: [2, 4, 6], errors: [null, null, null] });
    expect(h.status).toBe('done');
  });

  it('get({ timeout }) rejects with TimeoutError while the work keeps running', async () => {
    const h = deferBatch(batch(), doubler(5000), { id: 'b1' });
    const early = h.get({ timeout: 1 }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const err = await early;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toBe(
      'batch b1 timed out after 1 s (timeout: 1). The work keeps running: call get() again to keep waiting, or cancel() to stop it.',
    );
    expect(h.status).toBe('running');
    const later = h.get({ timeout: 10 });
    await vi.advanceTimersByTimeAsync(4000);
    await expect(later).resolves.toMatchObject({ values: [2, 4, 6] });
  });

  it('cancel() aborts the work; get() rejects with CancelledError', async () => {
    const h = deferBatch(batch(), doubler(5000), { id: 'b2' });
    await vi.advanceTimersByTimeAsync(10);
    h.cancel();
    await expect(h.get()).rejects.toThrow(CancelledError);
    await expect(h.get()).rejects.toThrow('batch b2 cancelled.');
    expect(h.status).toBe('cancelled');
  });

  it('an already-aborted signal cancels before the function runs', async () => {
    const ac = new AbortController();
    ac.abort();
    const fn = vi.fn(doubler(1));
    const h = deferBatch(batch(), fn, { signal: ac.signal });
    await expect(h.get()).rejects.toThrow(CancelledError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('accepts a RecordBatch, checks values against outputType, and isolates failures', async () => {
    const rb = batch().batches[0] as RecordBatch;
    const fn: BatchFunction<unknown> = async (args) => {
      const xs = Array.from(args.getChild('x')?.toArray() as Float64Array);
      if (xs.includes(2)) throw new Error('two is bad');
      return { values: xs.map((x) => (x === 3 ? 'three' : x)) };
    };
    const h = deferBatch(rb, fn, { outputType: new Float32() });
    await vi.runAllTimersAsync();
    await expect(h.get()).resolves.toEqual({
      values: [1, null, 'three'],
      errors: [null, { code: 'ERROR', message: 'two is bad' }, { code: 'OUTPUT_TYPE', message: 'result "three" is not a number' }],
    });
  });

  it("onError 'raise' marks the handle failed", async () => {
    const fn: BatchFunction<number> = async () => ({ values: [1, 2, 3], errors: [null, 'nope', null] });
    const h = deferBatch(batch(), fn, { onError: 'raise' });
    await expect(h.get()).rejects.toThrow(ChunkFailedError);
    expect(h.status).toBe('failed');
  });

  it('an empty batch resolves without calling the function', async () => {
    const fn = vi.fn(doubler(1));
    const h = deferBatch(new Table({ x: makeVector(new Float64Array(0)) }), fn);
    await expect(h.get()).resolves.toEqual({ values: [], errors: [] });
    expect(fn).not.toHaveBeenCalled();
  });

  it('validates options at once and get() timeouts when asked', async () => {
    expect(() => deferBatch(batch(), doubler(1), { retries: -1 })).toThrow(InvalidOptionError);
    const h = deferBatch(batch(), doubler(1));
    await expect(h.get({ timeout: -1 })).rejects.toThrow('Invalid option `timeout`: got -1;');
    await vi.runAllTimersAsync();
    await expect(h.get({ timeout: undefined })).resolves.toMatchObject({ values: [2, 4, 6] });
  });
});
