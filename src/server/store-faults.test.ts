// The queue store failing at runtime (Redis down), injected with a wrapper around the real
// in-memory store (fault injection is the one allowed use of a stand-in): nothing escapes as an
// unhandled rejection, the outage is logged once, /health and /metrics report it, requests that
// need the store get 503 StoreUnavailableError, and a batch that ran during the outage records its
// outcomes once the store answers again — every row exactly once, in order.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { MemoryQueueStore } from './memory-store';
import type { QueueStore } from './store';
import { slowBundle } from './test-fixtures/handlers';
import { callId, column, result, start, submit, textTable, type Running } from './test-fixtures/http';

/** Delegates to a MemoryQueueStore; while `down`, every call rejects like ioredis with Redis gone. */
class FlakyStore implements QueueStore {
  down = false;
  readonly inner = new MemoryQueueStore();
  readonly shared = false;
  private gate<T>(op: () => Promise<T>): Promise<T> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    return op();
  }
  addCall: QueueStore['addCall'] = (...a) => this.gate(() => this.inner.addCall(...a));
  pending: QueueStore['pending'] = (...a) => this.gate(() => this.inner.pending(...a));
  claim: QueueStore['claim'] = (...a) => this.gate(() => this.inner.claim(...a));
  release: QueueStore['release'] = (...a) => this.gate(() => this.inner.release(...a));
  complete: QueueStore['complete'] = (...a) => this.gate(() => this.inner.complete(...a));
  getCall: QueueStore['getCall'] = (...a) => this.gate(() => this.inner.getCall(...a));
  cancelCall: QueueStore['cancelCall'] = (...a) => this.gate(() => this.inner.cancelCall(...a));
  deleteCall: QueueStore['deleteCall'] = (...a) => this.gate(() => this.inner.deleteCall(...a));
  finishedBefore: QueueStore['finishedBefore'] = (...a) => this.gate(() => this.inner.finishedBefore(...a));
  depth: QueueStore['depth'] = (...a) => this.gate(() => this.inner.depth(...a));
  heldResultBytes: QueueStore['heldResultBytes'] = () => this.gate(() => this.inner.heldResultBytes());
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
let running: Running | undefined;
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await running?.close();
  running = undefined;
});

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

test('a store outage mid-batch: 503s, /health and /metrics report it, logged once; the batch completes after recovery', async () => {
  const store = new FlakyStore();
  const logs: string[] = [];
  const fn = { definition: { name: 'slow', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 4, maxBufferDuration: 10 }, bundle: slowBundle(300) };
  const r = (running = await start({ store, functions: [fn], log: (l) => logs.push(l) }));
  const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff'];
  const id = await callId(await submit(r.url, 'slow', textTable(texts)));
  // The first batch (4 rows) is running in the worker when the store goes away.
  await expect.poll(() => r.server.queue.pool.busy, { timeout: 10_000 }).toBe(1);
  store.down = true;

  const health = await fetch(`${r.url}/health`);
  expect(health.status).toBe(200);
  const body = await json(health);
  expect(body.ok).toBe(false);
  expect(body.store).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/), since: expect.any(String) });

  const refused = await submit(r.url, 'slow', textTable(['x']));
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('5');
  const err = (await json(refused)).error as { name: string; message: string };
  expect(err.name).toBe('StoreUnavailableError');
  expect(err.message).toMatch(/queue store is unavailable \(connect ECONNREFUSED 127\.0\.0\.1:6379\).*Retry in 5 s/);
  expect((await fetch(`${r.url}/calls/${id}?timeout=0`)).status).toBe(503);
  expect((await fetch(`${r.url}/calls/${id}`, { method: 'DELETE' })).status).toBe(503);

  const metrics = await (await fetch(`${r.url}/metrics`)).text();
  expect(metrics).toMatch(/^embedbook_store_up 0$/m);
  expect(metrics).toMatch(/^embedbook_store_outages_total 1$/m);

  // The running batch finishes while the store is down: its outcomes wait and are retried.
  await expect.poll(() => r.server.queue.storeHealth.errors, { timeout: 10_000 }).toBeGreaterThan(4);
  expect(logs.filter((l) => /queue store failed/.test(l))).toHaveLength(1);
  expect(logs[0]).toMatch(/queue store failed \(\w+\): connect ECONNREFUSED.*503/);

  store.down = false;
  const { table } = await result(r.url, id, undefined, 10);
  expect(column(table, 'result')).toEqual(texts.map((t) => t.length));
  expect(column(table, 'status')).toEqual(texts.map(() => 'ok'));
  const [info] = await r.server.queue.list();
  expect(info.stats.doneRows).toBe(texts.length); // each row ran (and was counted) once
  expect(await json(await fetch(`${r.url}/health`))).toMatchObject({ ok: true, store: { ok: true } });
  expect(await (await fetch(`${r.url}/metrics`)).text()).toMatch(/^embedbook_store_up 1$/m);
  expect(logs.filter((l) => /answers again after/.test(l))).toHaveLength(1);
  expect(unhandled).toEqual([]);
}, 30_000);

test('an idle server whose store is down keeps retrying on its own and closes cleanly', async () => {
  const store = new FlakyStore();
  const logs: string[] = [];
  const fn = { definition: { name: 'slow', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 4, maxBufferDuration: 200 }, bundle: slowBundle(10) };
  const r = (running = await start({ store, functions: [fn], log: (l) => logs.push(l), shutdownGraceMs: 200 }));
  const id = await callId(await submit(r.url, 'slow', textTable(['a']))); // waits 200 ms in the buffer
  store.down = true; // the batcher's timer fires into a dead store
  await expect.poll(() => r.server.queue.storeHealth.errors, { timeout: 10_000 }).toBeGreaterThan(1);
  expect(logs).toHaveLength(1);
  store.down = false; // back: the batcher's backoff retry cuts the waiting row without any new event
  const { table } = await result(r.url, id, undefined, 10);
  expect(column(table, 'result')).toEqual([1]);
  store.down = true;
  await r.close(); // handing back with the store down must not throw or hang
  running = undefined;
  expect(unhandled).toEqual([]);
}, 30_000);
