import { afterEach, expect, test } from 'vitest';
import { defaultTimers } from '../core/timers';
import { BatchCancelledError, WorkerLostError } from './errors';
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

/** `ms` per batch on purpose (not a wait): keeps a worker busy; a row "kill" exits the worker. */
const slowFn = (ms: number, key = `slow${ms}@1`) => ({
  ...fn,
  key,
  bundleUrl: `data:text/javascript,export default { handler: async (t) => { if (t.includes('kill')) process.exit(7); await new Promise((r) => setTimeout(r, ${ms})); return t.map((x) => x.length); } }`,
});

test('a worker holds the next batch behind the one it runs (prefetch 1); the rest wait in the pool; results keep their batches', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 1 });
  await pool.ready();
  expect(pool.capacity).toBe(2);
  const f = slowFn(150);
  const runs = [['a'], ['bb', 'ccc'], ['dddd']].map((texts) => pool!.run(f, [texts], texts.length, 1));
  expect(pool.busy).toBe(1);
  expect(pool.queued).toBe(1); // the second went to the worker, the third waits here
  const out = await Promise.all(runs);
  expect(out.map((o) => o.values)).toEqual([[1], [2, 3], [4]]);
});

test('prefetch 0: one batch per worker at a time', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 1, prefetch: 0 });
  await pool.ready();
  expect(pool.capacity).toBe(1);
  const f = slowFn(50);
  const runs = [['a'], ['bb']].map((texts) => pool!.run(f, [texts], 1, 1));
  expect(pool.queued).toBe(1);
  expect((await Promise.all(runs)).map((o) => o.values)).toEqual([[1], [2]]);
});

test('a queued batch\'s deadline counts from its own start, not from when it was handed over', async () => {
  // Two 700 ms batches handed over together: the second ends 1,400 ms after hand-over, well past
  // the 1,000 ms deadline, but only 700 ms after it started (300 ms of slack for a loaded machine).
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 1000, maxCrashReruns: 0 });
  await pool.ready();
  const f = slowFn(700);
  await pool.run(f, [['warm']], 1, 1); // the handler is loaded: no load grace hides the deadline below
  const out = await Promise.all([pool.run(f, [['a']], 1, 1), pool.run(f, [['bb']], 1, 1)]);
  expect(out.map((o) => o.values)).toEqual([[1], [2]]);
  expect(pool.restarts).toBe(0);
});

test('when a worker dies, the batch queued behind the lost one runs once on the replacement, not counted as a re-run', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 0 });
  await pool.ready();
  const f = slowFn(20);
  const lost = pool.run(f, [['kill']], 1, 1).catch((e: unknown) => e);
  const behind = pool.run(f, [['after']], 1, 1);
  expect(pool.queued).toBe(0); // both are in the worker
  expect(await lost).toBeInstanceOf(WorkerLostError);
  expect((await behind).values).toEqual([5]);
  expect(pool.restarts).toBe(1);
});

test('a batch that hangs in a worker that has its handler loaded is caught at the batch deadline, not after the load grace', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 400, maxCrashReruns: 0 });
  await pool.ready();
  const hangs = { ...fn, key: 'hang@1', bundleUrl: 'data:text/javascript,export default { handler: async (t) => { if (t.includes("hang")) await new Promise(() => {}); return t.map((x) => x.length); } }' };
  expect((await pool.run(hangs, [['ok']], 1, 1)).values).toEqual([2]);
  const t0 = performance.now();
  const err = await pool.run(hangs, [['hang']], 1, 1).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkerLostError);
  expect((err as Error).message).toMatch(/ran past its deadline of 400 ms/);
  // The load grace is two minutes; a generous bound still tells the two apart on a loaded machine.
  expect(performance.now() - t0).toBeLessThan(30_000);
});

test('after a function version is unloaded, a worker that runs it again is sent its whole definition again', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 0 });
  await pool.ready();
  expect((await pool.run(fn, [['a']], 1, 1)).values).toEqual([1]);
  expect((await pool.run(fn, [['bb']], 1, 1)).values).toEqual([2]); // by key only
  pool.unload(fn.key);
  expect((await pool.run(fn, [['ccc']], 1, 1)).values).toEqual([3]);
  expect(pool.restarts).toBe(0);
  // The worker had imported the bundle: it was replaced (the only way to drop an ES module).
  expect(pool.recycled).toBe(1);
});

test('a cancelled batch waiting in the worker behind the running one is skipped there; a cancelled running batch\'s worker is replaced', async () => {
  pool = new WorkerPool({ size: 1, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 0 });
  await pool.ready();
  const f = slowFn(300);
  const running = pool.run(f, [['a']], 1, 1);
  const behind = new AbortController();
  // Had it run, 'kill' would have ended the worker (process.exit): restarts stays 0 only if skipped.
  const skipped = pool.run(f, [['kill']], 1, 1, { signal: behind.signal }).catch((e: unknown) => e);
  expect(pool.queued).toBe(0); // both are in the worker
  behind.abort();
  expect(await skipped).toBeInstanceOf(BatchCancelledError);
  expect((await running).values).toEqual([1]);
  expect((await pool.run(f, [['bb']], 1, 1)).values).toEqual([2]);
  expect(pool.restarts).toBe(0);

  const stop = new AbortController();
  const hung = pool.run({ ...f, key: 'spin@1', bundleUrl: 'data:text/javascript,export default { handler: () => { for (;;) {} } }' }, [['x']], 1, 1, { signal: stop.signal }).catch((e: unknown) => e);
  await expect.poll(() => pool!.busy).toBe(1);
  stop.abort();
  expect(await hung).toBeInstanceOf(BatchCancelledError);
  expect((await pool.run(f, [['ccc']], 1, 1)).values).toEqual([3]); // the replacement serves
  expect(pool.restarts).toBe(0);
  expect(pool.recycled).toBe(1);
});

test('with two functions deployed, one holds at most all workers but one, and a free worker goes to the function holding fewer', async () => {
  pool = new WorkerPool({ size: 2, threadsPerWorker: 1, timers: defaultTimers, batchTimeoutMs: 30_000, maxCrashReruns: 0 });
  await pool.ready();
  expect(pool.maxWorkersPerFunction).toBe(1);
  expect(pool.workerCap).toBe(2); // one function deployed: it may use every worker
  pool.setFunctionCount(2);
  expect(pool.workerCap).toBe(1);
  const f = { ...slowFn(200), name: 'f' };
  const g = { ...slowFn(200, 'g@1'), name: 'g' };
  const fRuns = [['a'], ['b'], ['c'], ['d']].map((t) => pool!.run(f, [t], 1, 1));
  // f: one batch runs and one waits in its worker; the other two wait in the pool, not in the
  // second worker, which stays free for g.
  expect(pool.busy).toBe(1);
  expect(pool.queued).toBe(2);
  const gRun = pool.run(g, [['gg']], 1, 1);
  expect(pool.busy).toBe(2);
  expect(pool.queued).toBe(2);
  expect((await gRun).values).toEqual([2]);
  expect((await Promise.all(fRuns)).map((o) => o.values)).toEqual([[1], [1], [1], [1]]);
});
