import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from './errors';
import { isolateFailures } from './isolate';
import { backoffCeilingMs, backoffDelayMs, MAX_BACKOFF_MS, retry, withDeadline } from './retry';
import { defaultTimers } from './timers';

describe('backoff', () => {
  it('doubles per failure, capped, with full jitter in [minMs, minMs + ceiling)', () => {
    expect([1, 2, 3, 4].map((a) => backoffCeilingMs(a, 250))).toEqual([250, 500, 1000, 2000]);
    expect(backoffCeilingMs(40, 250)).toBe(MAX_BACKOFF_MS);
    expect(backoffCeilingMs(40, 250, 5_000)).toBe(5_000);
    expect(backoffDelayMs(3, { baseMs: 250 }, () => 0)).toBe(0);
    expect(backoffDelayMs(3, { baseMs: 250 }, () => 0.999999)).toBe(999);
    expect(backoffDelayMs(3, { baseMs: 250, minMs: 100 }, () => 0)).toBe(100);
  });
});

describe('retry (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('retries with the jittered backoff, waits it for real, and resolves with the first success', async () => {
    const starts: number[] = [];
    const delays: number[] = [];
    const p = retry(
      async (attempt) => {
        starts.push(Date.now());
        if (attempt < 3) throw new Error(`try ${attempt}`);
        return 'ok';
      },
      { policy: { retries: 5, baseMs: 100 }, timers: { ...defaultTimers, random: () => 0.5 }, onRetry: (i) => delays.push(i.delayMs) },
    );
    await vi.runAllTimersAsync();
    await expect(p).resolves.toBe('ok');
    expect(delays).toEqual([50, 100]);
    expect(starts[1] - starts[0]).toBe(50);
    expect(starts[2] - starts[1]).toBe(100);
  });

  it('rethrows the last error once the retries are spent, and at once on "stop"', async () => {
    let tries = 0;
    const spent = retry(async () => {
      tries++;
      throw new Error(`try ${tries}`);
    }, { policy: { retries: 2, baseMs: 10 }, timers: defaultTimers });
    const caught = spent.catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(((await caught) as Error).message).toBe('try 3');

    let stopped = 0;
    await expect(
      retry(async () => {
        stopped++;
        throw new Error('fatal');
      }, { policy: { retries: 9, baseMs: 10 }, timers: defaultTimers, decide: () => 'stop' }),
    ).rejects.toThrow('fatal');
    expect(stopped).toBe(1);
  });

  it('waits a server-given delay without spending retries, and a thrown decision replaces the error', async () => {
    const delays: number[] = [];
    let tries = 0;
    const p = retry(
      async () => {
        tries++;
        throw new Error('busy');
      },
      {
        policy: { retries: 0, baseMs: 10 },
        timers: defaultTimers,
        decide: (_e, failures) => {
          if (failures > 3) throw new Error(`gave up after ${failures - 1} waits`);
          return { delayMs: 1000 };
        },
        onRetry: (i) => delays.push(i.delayMs),
      },
    );
    const caught = p.catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(((await caught) as Error).message).toBe('gave up after 3 waits');
    expect(tries).toBe(4);
    expect(delays).toEqual([1000, 1000, 1000]);
  });

  it('an abort during the wait rejects at once with the signal reason', async () => {
    const ac = new AbortController();
    let tries = 0;
    const p = retry(async () => {
      tries++;
      throw new Error('x');
    }, { policy: { retries: 5, baseMs: 60_000 }, timers: { ...defaultTimers, random: () => 0.9 }, signal: ac.signal });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    ac.abort();
    expect(await caught).toBeInstanceOf(CancelledError);
    expect(tries).toBe(1);
  });

  it('withDeadline rejects with the given error when the promise is too slow, and clears its timer', async () => {
    const slow = withDeadline(new Promise(() => undefined), 500, defaultTimers, () => new Error('no answer within 500 ms'));
    const caught = slow.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    expect(((await caught) as Error).message).toBe('no answer within 500 ms');
    await expect(withDeadline(Promise.resolve(7), 500, defaultTimers, () => new Error('late'))).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('isolateFailures', () => {
  /** A range runner where the rows in `bad` fail any try that contains them; records every try. */
  function rig(bad: Set<number>) {
    const tries: Array<[number, number]> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const run = async (off: number, n: number): Promise<string[]> => {
      tries.push([off, n]);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      inFlight--;
      for (let i = off; i < off + n; i++) if (bad.has(i)) throw new Error(`row ${i} is bad`);
      return Array.from({ length: n }, (_, i) => `ok ${off + i}`);
    };
    return { tries, run, maxInFlight: () => maxInFlight };
  }
  const fail = (off: number, n: number, cause: unknown) => Array.from({ length: n }, () => `failed: ${(cause as Error).message}`);
  const concat = (parts: string[][]) => parts.flat();

  it('halves one after another: one bad row in 16 costs 2·log2(16) tries, never two at once', async () => {
    const r = rig(new Set([21]));
    const out = await isolateFailures(10, 16, new Error('chunk failed'), { run: r.run, fail, concat });
    expect(out).toEqual(Array.from({ length: 16 }, (_, i) => (i + 10 === 21 ? 'failed: row 21 is bad' : `ok ${i + 10}`)));
    expect(r.tries.length).toBe(8);
    expect(r.maxInFlight()).toBe(1);
  });

  it('every row bad costs 2n − 2 tries; "rows" tries each row alone; "stop" fails the range as it is', async () => {
    const all = rig(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(await isolateFailures(0, 8, new Error('x'), { run: all.run, fail, concat })).toEqual(
      Array.from({ length: 8 }, (_, i) => `failed: row ${i} is bad`),
    );
    expect(all.tries.length).toBe(14);

    const one = rig(new Set([2]));
    const out = await isolateFailures(0, 4, new Error('deadline'), { run: one.run, fail, concat, split: () => 'rows' });
    expect(out).toEqual(['ok 0', 'ok 1', 'failed: row 2 is bad', 'ok 3']);
    expect(one.tries).toEqual([[0, 1], [1, 1], [2, 1], [3, 1]]);

    const none = rig(new Set());
    expect(await isolateFailures(0, 3, new Error('stopping'), { run: none.run, fail, concat, split: () => 'stop' })).toEqual([
      'failed: stopping', 'failed: stopping', 'failed: stopping',
    ]);
    expect(none.tries).toEqual([]);
  });

  it('a split decision that throws (cancel) ends the isolation with that error', async () => {
    const r = rig(new Set([0, 3]));
    let failures = 0;
    const p = isolateFailures(0, 4, new Error('x'), {
      run: r.run, fail, concat,
      split: () => {
        if (++failures > 2) throw new CancelledError();
        return 'halves';
      },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });
});
