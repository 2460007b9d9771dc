// Handler isolation over real HTTP with real worker threads (docs/server.md, "Handler isolation"):
// a handler that allocates without end or hangs costs its own rows, never the server or another
// function; cancelling a running batch's only call stops it; a hung function cannot hold every
// worker; bad output (NaN, ±Infinity, ragged vectors, a wrong row count) fails the rows it concerns.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';
import { callId, column, deploy, result, start, submit, textTable, type Running } from './test-fixtures/http';

/** Rows whose text is 'hog' allocate until the worker's heap limit; the others return their length. */
const HOG_BUNDLE = `export default { handler: (text) => {
  if (text.includes('hog')) { const keep = []; for (;;) keep.push(new Array(4096).fill(keep.length)); }
  return text.map((t) => t.length);
} };`;
/** Rows whose text is 'hang' spin forever (a synchronous loop: the worker cannot even answer). */
const SPIN_BUNDLE = `export default { handler: (text) => {
  if (text.includes('hang')) for (;;) {}
  return text.map((t) => t.length);
} };`;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  if (!m) throw new Error(`no metric ${name}`);
  return Number(m[1]);
}

async function run(url: string, fn: string, texts: string[]): Promise<{ result: unknown[]; status: string[] }> {
  const { table } = await result(url, await callId(await submit(url, fn, textTable(texts))));
  return { result: column(table, 'result'), status: column(table, 'status') as string[] };
}

describe('two workers', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start({
      workers: 2,
      functions: [
        { definition: { name: 'len', maxBatchingSize: 8, maxBufferDuration: 5, output: 'float64' }, bundle: LENGTH_BUNDLE },
        { definition: { name: 'hog', maxBatchingSize: 4, maxBufferDuration: 20, retries: 3, output: 'float64', resources: { memory: '64Mi' } }, bundle: HOG_BUNDLE },
        { definition: { name: 'spin', maxBatchingSize: 4, maxBufferDuration: 20, retries: 3, output: 'float64', batchTimeoutMs: 1500 }, bundle: SPIN_BUNDLE },
      ],
    });
  });
  afterAll(async () => s?.close());

  // Each out-of-memory death fills 64 MiB and starts a fresh worker: seconds apiece on a loaded machine.
  test('a handler that allocates without end fails its own row with its memory limit named; the neighbours, the server and other functions go on', { timeout: 300_000 }, async () => {
    const restarts = await metric(s.url, 'embedbook_worker_restarts_total');
    const hog = await run(s.url, 'hog', ['a', 'hog', 'ccc', 'dd']);
    expect(hog.result).toEqual([1, null, 3, 2]);
    expect(hog.status[1]).toMatch(/^WorkerOutOfMemoryError: .*memory limit of 64 MiB of JavaScript heap \(resources\.memory\)/);
    expect([hog.status[0], hog.status[2], hog.status[3]]).toEqual(['ok', 'ok', 'ok']);
    // Out of memory is not retried whole: the batch, then its half with the row, then the row: 3.
    expect(await metric(s.url, 'embedbook_worker_restarts_total')).toBe(restarts + 3);

    // Repeated out-of-memory deaths (the process used to die at the 7th) while another function serves.
    for (let i = 0; i < 5; i++) {
      const [again, other] = await Promise.all([run(s.url, 'hog', ['hog']), run(s.url, 'len', ['four', 'fives'])]);
      expect(again.status[0]).toMatch(/^WorkerOutOfMemoryError: /);
      expect(other).toEqual({ result: [4, 5], status: ['ok', 'ok'] });
    }
    expect(await metric(s.url, 'embedbook_worker_restarts_total')).toBe(restarts + 8);
    const health = (await (await fetch(`${s.url}/health`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);
  });

  test('one hanging row in a 4-row batch costs two deadlines: the batch, then the row alone', async () => {
    const restarts = await metric(s.url, 'embedbook_worker_restarts_total');
    const out = await run(s.url, 'spin', ['a', 'hang', 'ccc', 'dd']);
    expect(out.result).toEqual([1, null, 3, 2]);
    expect(out.status[1]).toMatch(/^BatchTimeoutError: .*ran past its deadline of 1500 ms .*terminated and replaced/);
    expect([out.status[0], out.status[2], out.status[3]]).toEqual(['ok', 'ok', 'ok']);
    expect(await metric(s.url, 'embedbook_worker_restarts_total')).toBe(restarts + 2);
  });
});

/**
 * A server with `len` and `stuck` (rows 'hang' spin; a deadline of 10 min, far beyond any test's
 * timeout: only a cancel or another worker gets past them).
 */
function startWithStuck(workers: number, maxBatchingSize: number): Promise<Running> {
  return start({
    workers,
    functions: [
      { definition: { name: 'len', maxBatchingSize: 8, maxBufferDuration: 5, output: 'float64' }, bundle: LENGTH_BUNDLE },
      { definition: { name: 'stuck', maxBatchingSize, maxBufferDuration: 0, retries: 0, output: 'float64', batchTimeoutMs: 600_000 }, bundle: SPIN_BUNDLE },
    ],
  });
}

test('a hung function holds at most all workers but one: another function\'s call goes through, and cancelling the hung calls frees their workers', async () => {
  // Deadline far beyond the test's timeout: if the hung rows could hold both workers, `len` would
  // wait for it and the test would time out.
  const s = await startWithStuck(2, 1);
  try {
    const hung = await Promise.all([callId(await submit(s.url, 'stuck', textTable(['hang']))), callId(await submit(s.url, 'stuck', textTable(['hang'])))]);
    await expect.poll(() => metric(s.url, 'embedbook_workers_busy'), { timeout: 20_000 }).toBe(1);
    expect(await run(s.url, 'len', ['abc', 'de'])).toEqual({ result: [3, 2], status: ['ok', 'ok'] });

    // Cancel both: the running batch's worker is terminated and replaced, the waiting one dropped.
    for (const id of hung) expect((await fetch(`${s.url}/calls/${id}`, { method: 'DELETE' })).status).toBe(204);
    for (const id of hung) expect(column((await result(s.url, id)).table, 'status')).toEqual(['cancelled']);
    // The running one was terminated (the other too if it had started on a worker by then).
    expect(s.server.queue.pool.recycled).toBeGreaterThanOrEqual(1);
    await expect.poll(() => metric(s.url, 'embedbook_workers_busy'), { timeout: 20_000 }).toBe(0);
    expect(await metric(s.url, 'embedbook_worker_restarts_total')).toBe(0); // replaced on purpose, not lost
    expect(await run(s.url, 'stuck', ['ok'])).toEqual({ result: [2], status: ['ok'] });
  } finally {
    await s.close();
  }
});

test('with one worker, cancelling the only call of a hung running batch terminates it and the worker serves the next call', async () => {
  const s = await startWithStuck(1, 4);
  try {
    const id = await callId(await submit(s.url, 'stuck', textTable(['hang', 'x'])));
    await expect.poll(() => metric(s.url, 'embedbook_workers_busy'), { timeout: 20_000 }).toBe(1);
    expect((await fetch(`${s.url}/calls/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(column((await result(s.url, id)).table, 'status')).toEqual(['cancelled', 'cancelled']);
    expect(await run(s.url, 'len', ['abcd'])).toEqual({ result: [4], status: ['ok'] });
    expect(await metric(s.url, 'embedbook_worker_restarts_total')).toBe(0); // replaced on purpose, not lost
  } finally {
    await s.close();
  }
});

test('cancelling one call of a batch shared with another call lets the batch finish for the other', async () => {
  // 400 ms per batch on purpose (not a wait): the cancel lands while the shared batch runs.
  const slow = `export default { handler: async (text) => { await new Promise((r) => setTimeout(r, 400)); return text.map((t) => t.length); } };`;
  const s = await start({
    workers: 1,
    functions: [{ definition: { name: 'slow', maxBatchingSize: 4, maxBufferDuration: 200, retries: 0, output: 'float64' }, bundle: slow }],
  });
  try {
    const [a, b] = await Promise.all([callId(await submit(s.url, 'slow', textTable(['a', 'bb']))), callId(await submit(s.url, 'slow', textTable(['ccc', 'dddd'])))]);
    await expect.poll(() => metric(s.url, 'embedbook_workers_busy'), { timeout: 20_000 }).toBe(1);
    expect((await fetch(`${s.url}/calls/${a}`, { method: 'DELETE' })).status).toBe(204);
    expect(column((await result(s.url, b)).table, 'result')).toEqual([3, 4]);
    expect(s.server.queue.pool.recycled).toBe(0);
  } finally {
    await s.close();
  }
});

describe('handler output is checked before it is stored as ok', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start({ workers: 1 });
    const numbers = `export default { handler: (text) => text.map((t) => t === 'nan' ? NaN : t === 'inf' ? Infinity : t === '-inf' ? -Infinity : t.length) };`;
    const vectors = `export default { handler: (text) => text.map((t) =>
      t === 'ragged' ? new Float32Array([1, 2, 3]) : t === 'vnan' ? new Float32Array([1, NaN, 0, 0]) : t === 'plain-inf' ? [0, 0, -Infinity, 0] : t === 'list' ? [7, 8] : new Float32Array([t.length, 0, 0, 1])) };`;
    const short = `export default { handler: (text) => text.slice(1).map((t) => t.length) };`;
    // Every row a Float32Array of one length: the batch embedding handlers return (packed, then checked in one scan).
    const uniform = `export default { handler: (text) => ({
      values: text.map((t) => t === 'vnan' ? new Float32Array([1, NaN, 0, 0]) : t === 'vinf' ? new Float32Array([0, 0, 0, Infinity]) : t === 'own' ? new Float32Array([NaN, 0, 0, 0]) : new Float32Array([t.length, 0, 0, 1])),
      errors: text.map((t) => (t === 'own' ? 'failed by the handler' : null)) }) };`;
    const deployed = await Promise.all([
      deploy(s.url, { name: 'uniform', maxBatchingSize: 8, maxBufferDuration: 20, retries: 0, output: 'float32[]' }, uniform),
      deploy(s.url, { name: 'uniform-inferred', maxBatchingSize: 8, maxBufferDuration: 20, retries: 0 }, uniform),
      deploy(s.url, { name: 'numbers', maxBatchingSize: 8, maxBufferDuration: 20, retries: 0, output: 'float64' }, numbers),
      deploy(s.url, { name: 'vectors', maxBatchingSize: 8, maxBufferDuration: 20, retries: 0, output: 'float32[]' }, vectors),
      deploy(s.url, { name: 'vectors-inferred', maxBatchingSize: 8, maxBufferDuration: 20, retries: 0 }, vectors),
      deploy(s.url, { name: 'short', maxBatchingSize: 8, maxBufferDuration: 20, retries: 0, output: 'float64' }, short),
    ]);
    expect(deployed.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
  });
  afterAll(async () => s?.close());

  test('NaN and ±Infinity fail their own rows', async () => {
    const out = await run(s.url, 'numbers', ['a', 'nan', 'inf', 'bb', '-inf']);
    expect(out.result).toEqual([1, null, null, 2, null]);
    expect(out.status[0]).toBe('ok');
    expect(out.status[1]).toBe('HandlerOutputError: the handler returned NaN for this row; a result must be a finite number (fail the row with { values, errors } instead).');
    expect(out.status[2]).toMatch(/^HandlerOutputError: the handler returned Infinity for this row/);
    expect(out.status[4]).toMatch(/^HandlerOutputError: the handler returned -Infinity for this row/);
  });

  test.each(['vectors', 'vectors-inferred'])('vectors (%s): NaN/Infinity inside and ragged typed-array vectors fail their own rows; a plain list may differ in length', async (fn) => {
    const out = await run(s.url, fn, ['a', 'ragged', 'bb', 'vnan', 'plain-inf', 'ccc', 'list']);
    expect(out.result).toEqual([[1, 0, 0, 1], null, [2, 0, 0, 1], null, null, [3, 0, 0, 1], [7, 8]]);
    expect(out.status[1]).toBe(
      "HandlerOutputError: the handler returned a vector of 3 dimensions for this row where the other rows of its batch have 4; every row must have the same number of dimensions.",
    );
    expect(out.status[3]).toMatch(/^HandlerOutputError: the handler returned a vector with NaN at position 1 for this row/);
    expect(out.status[4]).toMatch(/^HandlerOutputError: the handler returned a vector with -Infinity at position 2 for this row/);
    expect([out.status[0], out.status[2], out.status[5], out.status[6]]).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  test.each(['uniform', 'uniform-inferred'])('vectors of one length (%s): a NaN or Infinity fails its own row; a row the handler failed keeps its error', async (fn) => {
    const out = await run(s.url, fn, ['a', 'vnan', 'bb', 'vinf', 'own', 'ccc']);
    expect(out.result).toEqual([[1, 0, 0, 1], null, [2, 0, 0, 1], null, null, [3, 0, 0, 1]]);
    expect(out.status[1]).toBe('HandlerOutputError: the handler returned a vector with NaN at position 1 for this row; results must be finite numbers (fail the row with { values, errors } instead).');
    expect(out.status[3]).toMatch(/^HandlerOutputError: the handler returned a vector with Infinity at position 3 for this row/);
    expect(out.status[4]).toBe('failed by the handler');
    expect([out.status[0], out.status[2], out.status[5]]).toEqual(['ok', 'ok', 'ok']);
  });

  test('a wrong number of values fails every row with the count it returned', async () => {
    const out = await run(s.url, 'short', ['a', 'bb', 'ccc']);
    expect(out.result).toEqual([null, null, null]);
    // Split down to single rows, each of which still returns 0 values for 1 row.
    expect(out.status).toEqual(Array(3).fill('HandlerOutputError: handler returned 0 values for a batch of 1 rows'));
  });
});
