import { Float32, makeVector, Table } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortGroup } from './abort-group';
import { chunkedCall } from './chunked-call';
import type { BatchFunction } from './types';

describe('AbortGroup', () => {
  it('aborts live children with the reason, skips released ones, pre-aborts late ones', () => {
    const g = new AbortGroup();
    const a = g.child();
    const b = g.child();
    b.release();
    const why = new Error('stop');
    g.abort(why);
    g.abort(new Error('second abort is ignored'));
    expect(g.signal.reason).toBe(why);
    expect(a.signal.reason).toBe(why);
    expect(b.signal.aborted).toBe(false);
    expect(g.child().signal.reason).toBe(why);
  });
});

describe('listeners per signal', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('stays small with many chunks in flight (Node warns past 10 on one signal)', async () => {
    const live = new Map<AbortSignal, number>();
    let max = 0;
    const add = AbortSignal.prototype.addEventListener;
    const remove = AbortSignal.prototype.removeEventListener;
    vi.spyOn(AbortSignal.prototype, 'addEventListener').mockImplementation(function (this: AbortSignal, ...a) {
      live.set(this, (live.get(this) ?? 0) + 1);
      max = Math.max(max, live.get(this) as number);
      return add.apply(this, a as Parameters<typeof add>);
    });
    vi.spyOn(AbortSignal.prototype, 'removeEventListener').mockImplementation(function (this: AbortSignal, ...a) {
      live.set(this, (live.get(this) ?? 1) - 1);
      return remove.apply(this, a as Parameters<typeof remove>);
    });
    const args = new Table({ id: makeVector(Int32Array.from({ length: 60 }, (_, i) => i)) });
    // Each chunk takes 5 ms of fake time, so 30 are in flight at once.
    vi.useFakeTimers();
    let inFlight = 0;
    let peak = 0;
    const fn: BatchFunction<number> = (t) => {
      peak = Math.max(peak, ++inFlight);
      // eslint-disable-next-line no-restricted-syntax -- not a wait: a chunk's latency on the fake clock
      return new Promise((r) => setTimeout(() => (inFlight--, r({ values: Array.from({ length: t.numRows }, () => 1) })), 5));
    };
    const ac = new AbortController();
    const call = chunkedCall(args, fn, { chunkSize: 1, concurrentChunks: 30, timeout: 10, outputType: new Float32(), signal: ac.signal });
    await vi.runAllTimersAsync();
    const res = await call;
    expect(res.table.numRows).toBe(60);
    expect(peak).toBe(30);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(2);
  });
});
