import { describe, expect, test } from 'vitest';
import { AdaptiveLimiter } from './adaptive-limiter';

describe('AdaptiveLimiter (AIMD)', () => {
  test('admits up to the limit, queues the rest, and hands slots over in FIFO order', async () => {
    const lim = new AdaptiveLimiter({ max: 2 });
    const a = await lim.acquire();
    const b = await lim.acquire();
    const order: string[] = [];
    const c = lim.acquire().then((p) => (order.push('c'), p));
    const d = lim.acquire().then((p) => (order.push('d'), p));
    expect(lim.active).toBe(2);
    expect(lim.queued).toBe(2);
    a.release();
    a.release(); // idempotent: must not free a second slot
    await c;
    expect(lim.active).toBe(2);
    expect(lim.queued).toBe(1);
    b.release();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  test('a 429 halves the effective concurrency once per window, then accepted calls creep it back', async () => {
    const lim = new AdaptiveLimiter({ max: 64 });
    const permits = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => lim.acquire()));
    expect(lim.limit).toBe(64);
    // All eight in flight get a 429 at once: one decrease, to half of what was in flight.
    for (const p of permits) p.rateLimited();
    expect(lim.limit).toBe(4);
    for (const p of permits) p.release();
    // A permit issued after the decrease can decrease again.
    const again = await lim.acquire();
    again.rateLimited();
    expect(lim.limit).toBe(1);
    again.release();
    // Additive increase: +1 per window of `limit` accepted calls.
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const p = await lim.acquire();
      p.accepted();
      p.release();
      seen.push(lim.limit);
    }
    expect(seen.slice(0, 4)).toEqual([2, 2, 3, 3]);
    expect(seen[9]).toBeGreaterThanOrEqual(4);
    expect(seen[9]).toBeLessThanOrEqual(5);
  });

  test('never goes below min and blocks new work while over the reduced limit', async () => {
    const lim = new AdaptiveLimiter({ max: 4, min: 1 });
    const ps = await Promise.all([1, 2, 3, 4].map(() => lim.acquire()));
    ps[0].rateLimited();
    expect(lim.limit).toBe(2);
    let admitted = false;
    const next = lim.acquire().then((p) => ((admitted = true), p));
    ps[0].release();
    ps[1].release();
    await Promise.resolve();
    expect(admitted).toBe(false); // 2 still in flight, limit 2
    ps[2].release();
    (await next).release();
    expect(admitted).toBe(true);
    ps[3].release();
    expect(lim.active).toBe(0);
  });

  test('an aborted waiter leaves the queue and rejects with the signal reason', async () => {
    const lim = new AdaptiveLimiter({ max: 1 });
    const held = await lim.acquire();
    const ac = new AbortController();
    const waiting = lim.acquire(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(lim.queued).toBe(0);
    held.release();
    expect(lim.active).toBe(0);
    await expect(lim.acquire(ac.signal)).rejects.toThrow('stop');
  });

  test('rejects nonsense bounds', () => {
    expect(() => new AdaptiveLimiter({ max: 0 })).toThrow(/1 <= min <= max/);
    expect(() => new AdaptiveLimiter({ max: 2, min: 3 })).toThrow(/min=3, max=2/);
  });
});
