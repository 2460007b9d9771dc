// Real HTTP on 127.0.0.1 (ephemeral ports), real worker threads, small handlers.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { streamKey } from './store';
import { armedTimers } from './test-fixtures/armed-timers';
import { ADD_BUNDLE, LENGTH_BUNDLE, POISON_BUNDLE, ROW_ERRORS_BUNDLE, slowBundle } from './test-fixtures/handlers';
import { ARROW, auth, callId, column, deploy, numbersTable, result, start, submit, TEST_ADMIN_KEY, textTable, type Running } from './test-fixtures/http';

const TINY_MODEL = new URL('./test-fixtures/tiny-model.ts', import.meta.url).href;
const fn = (definition: Record<string, unknown>, bundle?: string) => ({ definition, bundle });

let s: Running;
beforeAll(async () => {
  s = await start({
    bodyLimit: 64 * 1024,
    maxQueuedRows: 50,
    admissionHoldMs: 0, // a full queue answers 429 at once (waiting in line: admission.test.ts)
    models: { tiny: { module: TINY_MODEL }, broken: { folder: '/nonexistent/model-folder' } },
    functions: [
      fn({ name: 'len', maxBatchingSize: 4, maxBufferDuration: 20, output: 'float64' }, LENGTH_BUNDLE),
      fn({ name: 'pair', maxBatchingSize: 4, maxBufferDuration: 60_000, output: 'float64' }, LENGTH_BUNDLE),
      fn({ name: 'add', args: { a: 'number[]', b: 'number[]' }, maxBatchingSize: 8, maxBufferDuration: 5 }, ADD_BUNDLE),
      fn({ name: 'rowerr', maxBatchingSize: 8, maxBufferDuration: 5 }, ROW_ERRORS_BUNDLE),
      fn({ name: 'poison', maxBatchingSize: 8, maxBufferDuration: 5, retries: 1 }, POISON_BUNDLE),
      fn({ name: 'slow', maxBatchingSize: 2, maxBufferDuration: 5, output: 'float64' }, slowBundle(300)),
      fn({ name: 'tiny-embed', model: 'tiny', maxBatchingSize: 16, maxBufferDuration: 5 }),
      fn(
        { name: 'weighted-norm', args: { vec: 'number[][]', meta: 'json[]' }, maxBatchingSize: 8, maxBufferDuration: 5, output: 'float64' },
        'export default { handler: (vec, meta) => vec.map((v, i) => meta[i].w * Math.hypot(...v)) };',
      ),
      fn(
        { name: 'table-in', input: 'table', maxBatchingSize: 8, maxBufferDuration: 5, output: 'utf8' },
        'export default { handler: (table, ctx) => Array.from({ length: table.numRows }, (_, i) => ctx.rows + ":" + table.getChild("text").get(i)) };',
      ),
    ],
  });
});
afterAll(async () => s?.close());

async function errorOf(res: Response): Promise<{ name: string; message: string }> {
  return ((await res.json()) as { error: { name: string; message: string } }).error;
}

describe('calls', () => {
  test('health and the function list with config and stats', async () => {
    const health = (await (await fetch(`${s.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, functions: 9, workers: 1 });
    const list = (await (await fetch(`${s.url}/functions`)).json()) as Array<Record<string, unknown>>;
    const len = list.find((f) => f.name === 'len');
    expect(len).toMatchObject({ version: 1, args: { text: 'string[]' }, maxBatchingSize: 4, maxBufferDuration: 20, retries: 3, resources: {} });
    expect(len?.stats).toMatchObject({ calls: expect.any(Number), rows: expect.any(Number) });
  });

  test('submit answers 202 with a call id at once; the result has one row per input row, in order', async () => {
    const texts = Array.from({ length: 23 }, (_, i) => 'x'.repeat((i * 7) % 13));
    const res = await submit(s.url, 'len', textTable(texts));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { callId: string; rows: number };
    expect(body.rows).toBe(23);
    const { table, res: got } = await result(s.url, body.callId);
    expect(got.headers.get('content-type')).toContain(ARROW);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['result', 'status', 'error_code']);
    expect(column(table, 'result')).toEqual(texts.map((t) => t.length));
    expect(column(table, 'status')).toEqual(texts.map(() => 'ok'));
  });

  test('POST ?wait=S answers with the result itself when the call finishes in time', async () => {
    const res = await fetch(`${s.url}/functions/len/calls?wait=30`, {
      method: 'POST',
      headers: { 'content-type': ARROW },
      body: (await import('apache-arrow')).tableToIPC(textTable(['abc', 'de']), 'stream') as unknown as BodyInit,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-call-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('server-timing')).toMatch(/^handler;dur=\d+(\.\d+)?$/);
    const { tableFromIPC } = await import('apache-arrow');
    expect(column(tableFromIPC(new Uint8Array(await res.arrayBuffer())), 'result')).toEqual([3, 2]);
    const slow = await fetch(`${s.url}/functions/slow/calls?wait=0`, {
      method: 'POST',
      headers: { 'content-type': ARROW },
      body: (await import('apache-arrow')).tableToIPC(textTable(['x']), 'stream') as unknown as BodyInit,
    });
    expect(slow.status).toBe(202);
    const pending = (await slow.json()) as { callId: string; status: string };
    expect(pending.status).toBe('pending');
    await result(s.url, pending.callId);
  });

  test('rows of two calls are batched together (size trigger) and routed back to each call', async () => {
    const [a, b] = await Promise.all([callId(await submit(s.url, 'pair', textTable(['a', 'bb']))), callId(await submit(s.url, 'pair', textTable(['ccc', 'dddd'])))]);
    // maxBufferDuration is 60 s: only the 4 rows from both calls together can trigger the batch.
    const [ra, rb] = await Promise.all([result(s.url, a), result(s.url, b)]);
    expect(column(ra.table, 'result')).toEqual([1, 2]);
    expect(column(rb.table, 'result')).toEqual([3, 4]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('embedbook_batch_size_rows_count{function="pair"} 1');
    expect(metrics).toContain('embedbook_batch_size_rows_sum{function="pair"} 4');
  });

  test('several argument columns, matched by name whatever their order in the batch', async () => {
    const table = new Table({ b: vectorFromArray([10, 20, 30], new Float64()), a: vectorFromArray([1, 2, 3], new Float64()) });
    const { table: out } = await result(s.url, await callId(await submit(s.url, 'add', table)));
    expect(column(out, 'result')).toEqual([11, 22, 33]);
  });

  test('list and JSON argument columns, and a handler that takes the whole Arrow table', async () => {
    const { Field, List, Float64: F64 } = await import('apache-arrow');
    const vec = vectorFromArray([[3, 4], [1, 1, 1, 1], []], new List(new Field('item', new F64(), true)));
    const meta = vectorFromArray(['{"w":2}', '{"w":0.5}', '{"w":1}'], new Utf8());
    const { table: out } = await result(s.url, await callId(await submit(s.url, 'weighted-norm', new Table({ vec, meta }))));
    expect(column(out, 'result')).toEqual([10, 1, 0]);
    const { table: t2 } = await result(s.url, await callId(await submit(s.url, 'table-in', textTable(['ab', 'c']))));
    expect(column(t2, 'result')).toEqual(['2:ab', '2:c']);
  });

  test('per-row errors from a handler become row statuses', async () => {
    const { table, res } = await result(s.url, await callId(await submit(s.url, 'rowerr', textTable(['a', 'bad', 'c']))));
    expect(column(table, 'result')).toEqual(['A', null, 'C']);
    expect(column(table, 'status')).toEqual(['ok', 'cannot handle "bad"', 'ok']);
    expect(res.headers.get('x-failed-rows')).toBe('1');
  });

  test('a batch that keeps throwing is split: only the poison row fails, neighbours succeed', async () => {
    const texts = ['aa', 'b', 'poison', 'dddd', 'e'];
    const { table } = await result(s.url, await callId(await submit(s.url, 'poison', textTable(texts))));
    expect(column(table, 'result')).toEqual([2, 1, null, 4, 1]);
    expect(column(table, 'status')).toEqual(['ok', 'ok', 'RangeError: poison row in batch', 'ok', 'ok']);
    expect(column(table, 'error_code')).toEqual([null, null, 'RANGE', null, null]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/embedbook_retries_total\{function="poison"\} [1-9]/);
    expect(metrics).toContain('embedbook_rows_failed_total{function="poison"} 1');
  });

  test('the built-in model handler runs a real onnxruntime-node session in the worker', async () => {
    const { table } = await result(s.url, await callId(await submit(s.url, 'tiny-embed', textTable(['hello', null, 'world']))));
    const [v0, v1, v2] = column(table, 'result') as Array<number[] | null>;
    expect(v0).toHaveLength(8);
    expect(Math.hypot(...(v0 as number[]))).toBeCloseTo(1, 5);
    expect(v1).toBeNull();
    expect(v2).not.toEqual(v0);
    expect(column(table, 'status')[1]).toMatch(/expected a string/);
    expect(column(table, 'error_code')).toEqual([null, 'NULL_TEXT', null]);
    expect(String(table.schema.fields[0].type)).toMatch(/List<Float32>/i);
  });

  test('long-poll: timeout=0 answers 202 with progress while the call runs', async () => {
    const id = await callId(await submit(s.url, 'slow', textTable(['a', 'b', 'c'])));
    const res = await fetch(`${s.url}/calls/${id}?timeout=0`);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'pending', rows: 3 });
    expect(column((await result(s.url, id)).table, 'result')).toEqual([1, 1, 1]);
  });

  test('cancel drops rows not yet handed to a worker and stops the running batch and the one queued behind it (their only call)', async () => {
    const id = await callId(await submit(s.url, 'slow', textTable(['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'ggggggg'])));
    // One worker: the first batch of 2 runs (300 ms), the second waits in the worker (prefetch 1).
    // Cancel once the first batch has left the stream for the worker.
    await expect.poll(async () => (await s.server.queue.store.pending(streamKey('slow', 1))).rows, { timeout: 10_000 }).toBeLessThanOrEqual(5);
    const del = await fetch(`${s.url}/calls/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    const { table, res } = await result(s.url, id);
    expect(res.headers.get('x-call-status')).toBe('cancelled');
    expect(column(table, 'status')).toEqual(Array(7).fill('cancelled'));
    expect(column(table, 'result')).toEqual(Array(7).fill(null));
  });

  test('a full queue answers 429 with Retry-After, and accepts again once it drains', async () => {
    const big = await callId(await submit(s.url, 'slow', textTable(Array.from({ length: 45 }, () => 'x'))));
    const res = await submit(s.url, 'len', textTable(Array.from({ length: 10 }, () => 'y')));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(res)).toMatchObject({ name: 'QueueFullError', code: 'QUEUE_FULL', limit: 50, incoming: 10, message: expect.stringContaining('maxQueuedRows 50') });
    await fetch(`${s.url}/calls/${big}`, { method: 'DELETE' });
    await result(s.url, big);
    expect((await submit(s.url, 'len', textTable(['ok']))).status).toBe(202);
  });
});

describe('bad input', () => {
  test('unknown function → 404 naming the deployed ones', async () => {
    const res = await submit(s.url, 'nope', textTable(['a']));
    expect(res.status).toBe(404);
    const err = await errorOf(res);
    expect(err.name).toBe('UnknownFunctionError');
    expect(err).toMatchObject({ code: 'UNKNOWN_FUNCTION', functionName: 'nope' });
    expect(err.message).toContain('"nope"');
    expect(err.message).toContain('"len"');
  });

  test('missing and extra columns → 400 naming them', async () => {
    const res = await submit(s.url, 'add', numbersTable({ a: [1], c: [2] }));
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.name).toBe('SchemaMismatchError');
    expect(err.message).toContain('missing column(s) "b"');
    expect(err.message).toContain('unexpected column(s) "c"');
  });

  test('a column of the wrong type → 400 naming the column and both types', async () => {
    const res = await submit(s.url, 'len', numbersTable({ text: [1, 2] }));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/column "text" is Float64 but the function declares string\[\]/);
  });

  test('malformed or empty IPC → 400; a non-Arrow content type → 415', async () => {
    const junk = await submit(s.url, 'len', new TextEncoder().encode('this is not arrow at all'));
    expect(junk.status).toBe(400);
    expect((await errorOf(junk)).name).toBe('MalformedIpcError');
    const empty = await submit(s.url, 'len', new Uint8Array(0));
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toContain('empty');
    const json = await fetch(`${s.url}/functions/len/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: ['a'] }) });
    expect(json.status).toBe(415);
    expect((await errorOf(json)).message).toContain(ARROW);
  });

  test('a body over the limit → 413', async () => {
    const res = await submit(s.url, 'len', textTable(['x'.repeat(100 * 1024)]));
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ name: 'PayloadTooLargeError', message: expect.stringContaining(String(64 * 1024)) });
  });

  test('unknown call → 404; bad long-poll timeout → 400', async () => {
    expect((await fetch(`${s.url}/calls/not-a-call`)).status).toBe(404);
    const id = await callId(await submit(s.url, 'len', textTable(['a'])));
    const res = await fetch(`${s.url}/calls/${id}?timeout=abc`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('timeout');
  });
});

describe('deploy', () => {
  test('a scalar handler is refused with the reason', async () => {
    const scalar = await deploy(s.url, { name: 'one', args: { text: 'string' } }, LENGTH_BUNDLE);
    expect(scalar.status).toBe(400);
    const err = await errorOf(scalar);
    expect(err.name).toBe('ScalarHandlerError');
    expect(err.message).toContain('One row per call defeats batching');
    const noBatch = await deploy(s.url, { name: 'one', batch: false }, LENGTH_BUNDLE);
    expect(noBatch.status).toBe(400);
    expect((await errorOf(noBatch)).name).toBe('ScalarHandlerError');
  });

  test('bad definitions and bundles → 400 naming the problem', async () => {
    const bad = await deploy(s.url, { name: 'x', maxBatchingSize: 0 }, LENGTH_BUNDLE);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain('maxBatchingSize');
    const noHandler = await deploy(s.url, { name: 'x' }, 'export default { nothing: 1 };');
    expect(noHandler.status).toBe(400);
    expect(await errorOf(noHandler)).toMatchObject({ name: 'InvalidBundleError', message: expect.stringContaining('no handler') });
    const syntax = await deploy(s.url, { name: 'x' }, 'export default {{{');
    expect(syntax.status).toBe(400);
    expect((await errorOf(syntax)).name).toBe('InvalidBundleError');
  });

  test('a built-in model that cannot load → 400 naming the model and why', async () => {
    const res = await deploy(s.url, { name: 'ghost', model: 'missing-model' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('"missing-model" is not a built-in model; available: "default", "tiny", "broken"');
    const broken = await deploy(s.url, { name: 'ghost', model: 'broken' });
    expect(broken.status).toBe(400);
    expect(await errorOf(broken)).toMatchObject({ name: 'InvalidDefinitionError', message: expect.stringMatching(/"broken" could not be loaded in a worker: ModelSourceError: .*\/nonexistent\/model-folder/) });
  });

  test('a GPU no worker has → 409', async () => {
    const res = await deploy(s.url, { name: 'gpu-fn', resources: { gpu: 'nvidia-l4' } }, LENGTH_BUNDLE);
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ name: 'UnsatisfiableResourcesError', message: expect.stringContaining('--allow-cpu-fallback') });
  });

  test('redeploy drains the old version: calls already queued finish on it, new calls use the new one', async () => {
    // Slow on purpose (not a wait): v1's batches are still queued when v2 is deployed.
    const v1 = 'export default { handler: async (t) => { await new Promise((r) => setTimeout(r, 200)); return t.map(() => "v1"); } };';
    const v2 = 'export default { handler: async (t) => t.map(() => "v2") };';
    expect((await deploy(s.url, { name: 'ver', maxBatchingSize: 2, maxBufferDuration: 5 }, v1)).status).toBe(201);
    const old = await callId(await submit(s.url, 'ver', textTable(['a', 'b', 'c', 'd', 'e'])));
    const res = await deploy(s.url, { name: 'ver', maxBatchingSize: 2, maxBufferDuration: 5 }, v2);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'ver', version: 2 });
    const fresh = await callId(await submit(s.url, 'ver', textTable(['f'])));
    expect(column((await result(s.url, old)).table, 'result')).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
    expect(column((await result(s.url, fresh)).table, 'result')).toEqual(['v2']);
    const del = await fetch(`${s.url}/functions/ver`, { method: 'DELETE', headers: auth(TEST_ADMIN_KEY) });
    expect(del.status).toBe(204);
    expect((await submit(s.url, 'ver', textTable(['g']))).status).toBe(404);
  });

  test('/metrics exposes queue depth, batch sizes, handler latency, retries and failures', async () => {
    const res = await fetch(`${s.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of ['embedbook_queue_depth_rows', 'embedbook_batch_size_rows_bucket', 'embedbook_handler_seconds_bucket', 'embedbook_retries_total', 'embedbook_rows_failed_total', 'embedbook_worker_restarts_total']) {
      expect(text).toContain(`# TYPE ${name.replace(/_bucket$/, '')}`);
    }
    expect(text).toMatch(/embedbook_handler_seconds_count\{function="len"\} [1-9]/);
  });
});

describe('auth, admin key, CORS and CPU fallback', () => {
  let a: Running;
  beforeAll(async () => {
    a = await start({
      apiKey: 'user-key',
      adminKey: 'admin-key',
      corsOrigins: ['http://app.example'],
      allowCpuFallback: true,
      functions: [fn({ name: 'len', maxBatchingSize: 2, maxBufferDuration: 5 }, LENGTH_BUNDLE)],
    });
  });
  afterAll(async () => a?.close());

  test('every route needs the API key', async () => {
    for (const path of ['/health', '/functions', '/metrics', '/calls/x']) {
      const res = await fetch(`${a.url}${path}`);
      expect(res.status, path).toBe(401);
      expect((await errorOf(res)).name).toBe('UnauthorizedError');
    }
    expect((await fetch(`${a.url}/health`, { headers: auth('wrong') })).status).toBe(401);
    expect((await fetch(`${a.url}/health`, { headers: auth('user-key') })).status).toBe(200);
    expect((await submit(a.url, 'len', textTable(['a']))).status).toBe(401);
    const id = await callId(await submit(a.url, 'len', textTable(['a', 'bb']), 'user-key'));
    expect(column((await result(a.url, id, 'user-key')).table, 'result')).toEqual([1, 2]);
  });

  test('deploy and remove need the admin key', async () => {
    const asUser = await deploy(a.url, { name: 'two' }, LENGTH_BUNDLE, 'user-key');
    expect(asUser.status).toBe(401);
    expect((await errorOf(asUser)).message).toContain('admin key');
    expect((await deploy(a.url, { name: 'two' }, LENGTH_BUNDLE, 'admin-key')).status).toBe(201);
    expect((await fetch(`${a.url}/functions/two`, { method: 'DELETE', headers: auth('user-key') })).status).toBe(401);
    expect((await fetch(`${a.url}/functions/two`, { method: 'DELETE', headers: auth('admin-key') })).status).toBe(204);
  });

  test('with allowCpuFallback a GPU function deploys and runs on a CPU worker', async () => {
    expect((await deploy(a.url, { name: 'gpu-fn', resources: { gpu: 'nvidia-l4' } }, LENGTH_BUNDLE, 'admin-key')).status).toBe(201);
    const id = await callId(await submit(a.url, 'gpu-fn', textTable(['abc']), 'user-key'));
    expect(column((await result(a.url, id, 'user-key')).table, 'result')).toEqual([3]);
  });

  test('CORS answers only configured origins', async () => {
    const pre = await fetch(`${a.url}/functions/len/calls`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://app.example');
    const other = await fetch(`${a.url}/health`, { headers: { origin: 'http://evil.example', ...auth('user-key') } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('GPU workers', () => {
  test('one worker per GPU; a function asking for a GPU kind runs only on workers of that kind', async () => {
    const g = await start({ gpus: ['gpu-a', 'gpu-b'] });
    try {
      expect((await (await fetch(`${g.url}/health`)).json()) as object).toMatchObject({ workers: 2 });
      // Each batch takes a moment on purpose (not a wait): the three calls queue on gpu-b's worker.
      const where = 'export default { handler: async (t, ctx) => { await new Promise((r) => setTimeout(r, 20)); return t.map(() => ctx.device + ":" + ctx.gpu); } };';
      expect((await deploy(g.url, { name: 'on-b', maxBatchingSize: 1, maxBufferDuration: 0, output: 'utf8', resources: { gpu: 'gpu-b' } }, where)).status).toBe(201);
      expect((await deploy(g.url, { name: 'on-c', resources: { gpu: 'gpu-c' } }, where)).status).toBe(409);
      const ids = await Promise.all([0, 1, 2].map(async () => callId(await submit(g.url, 'on-b', textTable(['x', 'y', 'z'])))));
      // GPU workers' device follows the auto rule (CUDA here only when its provider is installed).
      const device = g.server.queue.device.device;
      expect(['cuda', 'cpu']).toContain(device);
      for (const id of ids) expect(column((await result(g.url, id)).table, 'result')).toEqual([`${device}:gpu-b`, `${device}:gpu-b`, `${device}:gpu-b`]);
    } finally {
      await g.close();
    }
  });
});

describe('mounting and shutdown', () => {
  test('the API mounts under a prefix', async () => {
    const p = await start({ prefix: '/api', functions: [fn({ name: 'len', maxBatchingSize: 1 }, LENGTH_BUNDLE)] });
    try {
      expect(p.url).toMatch(/\/api$/);
      expect((await fetch(`${p.url}/health`)).status).toBe(200);
      expect((await fetch(p.url.replace(/\/api$/, '/health'))).status).toBe(404);
      expect(column((await result(p.url, await callId(await submit(p.url, 'len', textTable(['abcd']))))).table, 'result')).toEqual([4]);
    } finally {
      await p.close();
    }
  });

  test('graceful shutdown finishes what it can and hands the rest back with a clear status', async () => {
    const timers = armedTimers();
    const g = await start({
      shutdownGraceMs: 150,
      timers,
      functions: [fn({ name: 'slow', maxBatchingSize: 2, maxBufferDuration: 60_000, output: 'float64' }, slowBundle(400))],
    });
    const quick = await callId(await submit(g.url, 'slow', textTable(['ab', 'c']))); // a full batch: runs now
    expect(column((await result(g.url, quick)).table, 'status')).toEqual(['ok', 'ok']);
    const late = await callId(await submit(g.url, 'slow', textTable(['a', 'bb', 'ccc']))); // one batch of 2 + 1 buffered
    const polling = fetch(`${g.url}/calls/${late}?timeout=57`);
    // Close once the long-poll waits (its 57 s timer is armed) and the batch of 2 has left the stream.
    await expect.poll(() => timers.armed(57_000), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await g.server.queue.store.pending(streamKey('slow', 1))).rows, { timeout: 10_000 }).toBe(1);
    const closing = g.close();
    const res = await polling;
    expect(res.status).toBe(200);
    const { tableFromIPC } = await import('apache-arrow');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    const statuses = column(table, 'status') as string[];
    // Rows still running or waiting when the 150 ms grace ran out are handed back, not lost.
    expect(statuses.filter((x) => x.startsWith('server shutting down'))).toHaveLength(statuses.filter((x) => x !== 'ok').length);
    expect(statuses.some((x) => x.startsWith('server shutting down'))).toBe(true);
    await closing;
    await expect(fetch(`${g.url}/health`)).rejects.toThrow();
  });
});
