import { afterEach, expect, test } from 'vitest';
import { defaultTimers } from '../core/timers';
import { WorkerLostError } from './errors';
import { WorkerPool } from './worker-pool';

let pool: WorkerPool | undefined;
afterEach(async () => pool?.close());

const fn = { key: 'f@1', name: 'f', version: 1, input: 'columns' as const, args: { text: 'string[]' as const }, bundleUrl: 'data:text/javascript,export default { handler: (t) => t.map((x) => x.length) }' };

test('runs a batch on a worker thread and returns its values and handler time', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 1 });
  const out = await pool.run(fn, [['a', 'bbb']], 2, 1);
  expect(out.values).toEqual([1, 3]);
  expect(out.handlerMs).toBeGreaterThanOrEqual(0);
});

test('workers that die before they start make the pool fail work with the reason, not respawn forever', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 1, bootUrl: new URL('./test-fixtures/broken-boot.mjs', import.meta.url) });
  const err = await pool.run(fn, [['a']], 1, 1).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkerLostError);
  expect((err as Error).message).toMatch(/fail to start \(5 in a row\): worker threw: boom at boot/);
  expect(pool.restarts).toBe(5);
  await expect(pool.run(fn, [['a']], 1, 1)).rejects.toThrow(/fail to start/);
});
