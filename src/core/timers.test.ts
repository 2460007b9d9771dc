import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from './errors';
import { abortReason, defaultTimers, sleep, unrefTimer } from './timers';

describe('sleep and defaultTimers (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('defaultTimers reads the (fake) globals at call time', async () => {
    const t0 = defaultTimers.now();
    let fired = false;
    defaultTimers.setTimeout(() => (fired = true), 50);
    const h = defaultTimers.setTimeout(() => {
      throw new Error('cleared timer fired');
    }, 10);
    defaultTimers.clearTimeout(h);
    await vi.advanceTimersByTimeAsync(50);
    expect(fired).toBe(true);
    expect(defaultTimers.now() - t0).toBe(50);
    const r = defaultTimers.random();
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(1);
  });

  it('sleep resolves after ms, or rejects at once on abort', async () => {
    let done = false;
    void sleep(100, defaultTimers).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);

    const ac = new AbortController();
    const p = sleep(1000, defaultTimers, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(1, defaultTimers, ac.signal)).rejects.toBeInstanceOf(CancelledError);
  });

  it('abortReason keeps an Error reason', () => {
    const ac = new AbortController();
    const why = new Error('why');
    ac.abort(why);
    expect(abortReason(ac.signal)).toBe(why);
  });
});

describe('unrefTimer', () => {
  it("unrefs a Node timer (it no longer keeps the process alive) and leaves handles without unref alone", () => {
    const h = globalThis.setTimeout(() => undefined, 60_000);
    expect(h.hasRef()).toBe(true);
    unrefTimer(h);
    expect(h.hasRef()).toBe(false);
    globalThis.clearTimeout(h);
    expect(() => unrefTimer(42)).not.toThrow();
    expect(() => unrefTimer(null)).not.toThrow();
  });
});
