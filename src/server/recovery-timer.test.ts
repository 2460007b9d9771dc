// The recovery timer's schedule with manual timers: it reclaims and wakes every batcher each tick
// with no traffic at all, keeps ticking through store failures, and stops. (The real thing — a
// killed node's rows coming back on a real redis-server — is in recovery.test.ts.)
import { describe, expect, test } from 'vitest';
import { manualTimers } from '../client/fault-fetch.test-helpers';
import { MemoryQueueStore } from './memory-store';
import { RecoveryTimer, recoveryTickMs } from './recovery-timer';
import type { QueueStore } from './store';

/** A shared store whose reclaim() records its calls, and fails while `down` is set. */
function sharedStore(): { store: QueueStore; calls: string[][]; setDown(v: boolean): void } {
  const calls: string[][] = [];
  let down = false;
  const store = Object.assign(new MemoryQueueStore(), {
    shared: true,
    reclaimIdleMs: 400,
    reclaim: async (streams: string[]) => {
      calls.push(streams);
      if (down) throw new Error('connect ECONNREFUSED');
      return 0;
    },
  }) as unknown as QueueStore;
  return { store, calls, setDown: (v) => void (down = v) };
}

describe('RecoveryTimer', () => {
  test('ticks every reclaimIdleMs / 4 (25 ms … 5 s)', () => {
    expect(recoveryTickMs(400)).toBe(100);
    expect(recoveryTickMs(30_000)).toBe(5_000);
    expect(recoveryTickMs(40)).toBe(25);
  });

  test('each tick reclaims every stream, then wakes each batcher; a failed tick is reported and the next one runs', async () => {
    const timers = manualTimers();
    const { store, calls, setDown } = sharedStore();
    const woken: string[] = [];
    const errors: unknown[] = [];
    const t = new RecoveryTimer({ store, timers, streams: () => ['a@1', 'b@2'], wake: (s) => woken.push(s), onStoreError: (e) => errors.push(e) }).start();
    expect(timers.pending()).toEqual([100]);
    await timers.advance(99);
    expect(calls).toEqual([]);
    await timers.advance(1);
    expect(calls).toEqual([['a@1', 'b@2']]);
    expect(woken).toEqual(['a@1', 'b@2']);
    setDown(true);
    await timers.advance(100);
    expect(errors).toHaveLength(1);
    expect(woken).toHaveLength(4); // still woken: rows may wait with no batcher timer armed
    setDown(false);
    await timers.advance(100);
    expect(calls).toHaveLength(3);
    await t.stop();
    expect(timers.pending()).toEqual([]);
    await timers.advance(1_000);
    expect(calls).toHaveLength(3);
  });

  test('a private store (in-memory) gets no timer', () => {
    const timers = manualTimers();
    new RecoveryTimer({ store: new MemoryQueueStore(), timers, streams: () => ['a@1'], wake: () => undefined }).start();
    expect(timers.pending()).toEqual([]);
  });
});
