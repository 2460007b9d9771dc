// The remote client against a REAL function-queue server on 127.0.0.1 (src/server's createServer,
// worker threads and all). Fetch is only wrapped to record requests (to see the DELETE a cancel
// sends); faults that a real server cannot produce on demand live in remote-faults.test.ts.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CancelledError, ChunkFailedError, TimeoutError } from '../core/errors';
import type { ChunkProgressEvent } from '../core/types';
import { createServer, type EmbedbookServer } from '../server/create-server';
import { RemoteAuthError, RemoteNetworkError, UnknownFunctionError } from './errors';
import { faultFetch } from './fault-fetch.test-helpers';
import type { FetchLike } from './http-transport';
import { Remote } from './remote';

const KEY = 'test-key';

/** Row "r<i>" → [i, length]; a random 0-15 ms per batch (on purpose, not a wait) makes chunks finish out of order. */
const TOY = `export default {
  name: 'toy', args: { text: 'string[]' }, output: 'float32[]',
  async handler(text) {
    await new Promise((r) => setTimeout(r, Math.random() * 15));
    return text.map((t) => { if (t === 'bad') throw new Error('bad row'); return [Number(t.slice(1)), t.length]; });
  },
};`;
/** 250 ms per batch (on purpose, not a wait): slow enough to cancel or time out mid-run. */
const SLOW = `export default {
  name: 'slow', args: { text: 'string[]' }, output: 'float32[]',
  async handler(text) { await new Promise((r) => setTimeout(r, 250)); return text.map((t) => [t.length]); },
};`;
/** Throws for the row "bad" only: the server isolates it, its neighbours keep their results. */
const PICKY = `export default {
  name: 'picky', args: { text: 'string[]' }, output: 'float32[]', retries: 0,
  async handler(text) {
    if (text.includes('bad')) throw new Error('cannot embed "bad"');
    return text.map((t) => [t.length]);
  },
};`;

const defs = (src: string, spec: Record<string, unknown>) => ({ definition: spec, bundle: src });

let server: EmbedbookServer;
let url: string;

beforeAll(async () => {
  server = createServer({
    // With createServer's default (forceCloseConnections: 'idle') close() waits out the keep-alive
    // timeout (~72 s) after a client aborted a long-poll; reported to the server's owner.
    app: Fastify({ forceCloseConnections: true, bodyLimit: 32 << 20 }),
    port: 0,
    apiKey: KEY,
    workers: 2,
    functions: [
      defs(TOY, { name: 'toy', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 8, maxBufferDuration: 5 }),
      defs(SLOW, { name: 'slow', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 4, maxBufferDuration: 5 }),
      defs(PICKY, { name: 'picky', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 16, maxBufferDuration: 5, retries: 0 }),
    ],
  });
  ({ url } = await server.listen());
});

afterAll(async () => {
  await server?.close();
});

const texts = (n: number, f = (i: number) => `r${i}`) => new Table({ text: vectorFromArray(Array.from({ length: n }, (_, i) => f(i)), new Utf8()) });
const rowsOf = (t: Table) => Array.from({ length: t.numRows }, (_, i) => {
  const v = t.getChild('result')?.get(i) as { toArray(): Float32Array } | null;
  return v ? Array.from(v.toArray()) : null;
});
const globalFetch: FetchLike = (u, init) => fetch(u, init);

describe('Remote against a real server', () => {
  test('health and listFunctions', async () => {
    const remote = new Remote({ url, apiKey: KEY });
    expect((await remote.health()).ok).toBe(true);
    expect((await remote.listFunctions()).map((f) => f.name).sort()).toEqual(['picky', 'slow', 'toy']);
  });

  test('chunkedCall keeps input order whatever order chunks finish in (chunkSize and numChunks)', async () => {
    const fn = new Remote({ url, apiKey: KEY }).function('toy');
    const n = 301;
    const events: ChunkProgressEvent[] = [];
    const bySize = await fn.chunkedCall(texts(n), { chunkSize: 7, concurrentChunks: 6, onProgress: (e) => events.push(e) });
    const expected = Array.from({ length: n }, (_, i) => [i, `r${i}`.length]);
    expect(bySize.table.numRows).toBe(n);
    expect(rowsOf(bySize.table)).toEqual(expected);
    expect(bySize.failedRows).toBe(0);
    expect(bySize.chunks).toBe(43);
    const doneOrder = events.filter((e) => e.status === 'done').map((e) => e.chunk);
    expect(new Set(doneOrder).size).toBe(43);

    const byCount = await fn.chunkedCall(texts(n), { numChunks: 5, concurrentChunks: 5 });
    expect(rowsOf(byCount.table)).toEqual(expected);
  });

  test('a bad row fails alone: its status says why, its neighbours keep their results', async () => {
    const fn = new Remote({ url, apiKey: KEY }).function('picky');
    const out = await fn.chunkedCall(texts(40, (i) => (i === 17 ? 'bad' : `r${i}`)), { chunkSize: 20, concurrentChunks: 2 });
    expect(out.failedRows).toBe(1);
    const status = out.table.getChild('status');
    expect(status?.get(17)).toMatch(/cannot embed "bad"/);
    expect(status?.get(16)).toBe('ok');
    expect(rowsOf(out.table)[17]).toBeNull();
    expect(rowsOf(out.table)[18]).toEqual([3]);
  });

  test('cancel: DELETE is sent for in-flight calls and the finished chunks are kept', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const fn = new Remote({ url, apiKey: KEY, fetch }).function('slow');
    const ac = new AbortController();
    const err = await fn
      .chunkedCall(texts(40), {
        chunkSize: 4,
        concurrentChunks: 2,
        signal: ac.signal,
        onProgress: (e) => {
          if (e.status === 'done') ac.abort(); // the other chunk is still in flight
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    const kept = (err as CancelledError).completedChunks;
    expect(kept.size).toBeGreaterThanOrEqual(1);
    expect(kept.size).toBeLessThan(10);
    expect([...kept.values()][0].values.length).toBe(4);
    // The DELETE is fire-and-forget, sent once the in-flight POST ?wait answers: with three
    // functions deployed `slow` holds one of the two workers, so its second chunk may still run.
    await expect.poll(() => log.some((r) => r.method === 'DELETE' && r.url.startsWith(`${url}/calls/`)), { timeout: 10_000 }).toBe(true);
    // Nothing after the cancel: no chunk beyond those in flight was submitted.
    expect(log.filter((r) => r.method === 'POST').length).toBeLessThanOrEqual(kept.size + 2);
  });

  test('per-chunk timeout cancels the server call and fails the chunk (onError: raise)', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const fn = new Remote({ url, apiKey: KEY, fetch }).function('slow');
    const err = await fn.chunkedCall(texts(2), { chunkSize: 2, timeout: 0.05, onError: 'raise' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChunkFailedError);
    expect((err as Error).message).toMatch(/timed out after 0.05 s/);
    await expect.poll(() => log.filter((r) => r.method === 'DELETE').length, { timeout: 10_000 }).toBe(1);
  });

  test('deferBatch: handle at once, get({ timeout }) times out without cancelling, get() later succeeds', async () => {
    const fn = new Remote({ url, apiKey: KEY }).function('slow');
    const handle = fn.deferBatch(texts(3));
    expect(['pending', 'running']).toContain(handle.status);
    await expect(handle.get({ timeout: 0.01 })).rejects.toBeInstanceOf(TimeoutError);
    const out = await handle.get();
    expect(out.values.map((v) => Array.from(v as Float32Array))).toEqual([[2], [2], [2]]);
    expect(handle.status).toBe('done');
  });

  test('deferBatch cancel sends DELETE and get() rejects with CancelledError', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const handle = new Remote({ url, apiKey: KEY, fetch }).function('slow').deferBatch(texts(3));
    // Cancel once the POST is on its way (its id, hence the DELETE, comes only when it answers).
    await expect.poll(() => log.map((r) => r.method), { timeout: 10_000 }).toEqual(['POST']);
    handle.cancel();
    await expect(handle.get()).rejects.toBeInstanceOf(CancelledError);
    expect(handle.status).toBe('cancelled');
    // The POST carried ?wait: its id (hence the DELETE) comes when it answers, here once the 250 ms batch ends.
    await expect.poll(() => log.map((r) => r.method), { timeout: 10_000 }).toEqual(['POST', 'DELETE']);
  });

  test('a fast call is ONE request: POST ?wait answers with the result', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const out = await new Remote({ url, apiKey: KEY, fetch }).function('toy').deferBatch(texts(3)).get();
    expect(out.values.map((v) => Array.from(v as Float32Array))).toEqual([[0, 2], [1, 2], [2, 2]]);
    expect(log).toHaveLength(1);
    expect(log[0].method).toBe('POST');
    expect(log[0].url).toMatch(/\/functions\/toy\/calls\?wait=30$/);
  });

  test('the ?wait is capped by the chunk timeout left', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const out = await new Remote({ url, apiKey: KEY, fetch }).function('toy').chunkedCall(texts(4), { chunkSize: 4, timeout: 5 });
    expect(out.table.numRows).toBe(4);
    expect(log).toHaveLength(1);
    const wait = Number(/\?wait=([\d.]+)$/.exec(log[0].url)?.[1]);
    expect(wait).toBeGreaterThan(4);
    expect(wait).toBeLessThanOrEqual(5);
  });

  test('a call slower than the ?wait goes on with the long-poll GET', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const fn = new Remote({ url, apiKey: KEY, fetch }).function('slow', { submitWaitSeconds: 0.05 });
    const out = await fn.deferBatch(texts(3)).get();
    expect(out.values.map((v) => Array.from(v as Float32Array))).toEqual([[2], [2], [2]]);
    expect(log.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(log[0].url).toMatch(/\?wait=0\.05$/);
    expect(log[1].url).toMatch(/\/calls\/[^/?]+\?timeout=30$/);
  });
});

describe('network failure mid-run (injected into a real run)', () => {
  test('a dropped connection after the server answered is retried by the engine; every row comes back once, in order', async () => {
    let posts = 0;
    const { fetch, log } = faultFetch(globalFetch, (req) => {
      // The 4th submit dies on the wire: the chunk fails once and its retry goes through.
      if (req.method === 'POST' && ++posts === 4) throw new TypeError('fetch failed: other side closed');
      return undefined;
    });
    const events: ChunkProgressEvent[] = [];
    const fn = new Remote({ url, apiKey: KEY, fetch }).function('toy');
    const out = await fn.chunkedCall(texts(60), { chunkSize: 10, concurrentChunks: 3, retries: 1, backoffMs: 1, onProgress: (e) => events.push(e) });
    expect(out.failedRows).toBe(0);
    expect(rowsOf(out.table)).toEqual(Array.from({ length: 60 }, (_, i) => [i, `r${i}`.length]));
    const retried = events.filter((e) => e.status === 'retrying');
    expect(retried.length).toBe(1);
    expect(retried[0].status === 'retrying' && retried[0].error).toMatch(/RemoteNetworkError: Cannot reach the embedbook server at .*other side closed/);
    expect(log.filter((r) => r.method === 'POST').length).toBe(7); // 6 chunks + 1 retry
  });
});

describe('clear errors from a real server', () => {
  test('wrong API key: RemoteAuthError, and chunkedCall fails fast instead of bisecting', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const remote = new Remote({ url, apiKey: 'wrong', fetch });
    await expect(remote.health()).rejects.toThrow(/API key was rejected/);
    const before = log.length;
    const err = await remote.function('toy').chunkedCall(texts(100), { chunkSize: 10, concurrentChunks: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteAuthError);
    expect(log.length - before).toBeLessThanOrEqual(2);
    await expect(new Remote({ url }).listFunctions()).rejects.toThrow(/requires an API key/);
  });

  test('unknown function names the available ones', async () => {
    const err = await new Remote({ url, apiKey: KEY }).function('toys').chunkedCall(texts(3), { chunkSize: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownFunctionError);
    expect((err as Error).message).toBe(`No function named "toys" is deployed on ${url}. Deployed: "picky", "slow", "toy"; deploy it with \`embedbook deploy <file>.function.ts\`.`);
  });

  test('an unreachable server names the URL', async () => {
    const dead = new Remote({ url: 'http://127.0.0.1:9' });
    const err = await dead.function('toy').chunkedCall(texts(3), { chunkSize: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteNetworkError);
    expect((err as Error).message).toMatch(/Cannot reach the embedbook server at http:\/\/127.0.0.1:9\/functions\/toy\/calls/);
  });

  test('a column the function does not take is a 400 naming it, for the whole call', async () => {
    const wrong = new Table({ body: vectorFromArray(['a', 'b'], new Utf8()) });
    const err = await new Remote({ url, apiKey: KEY }).function('toy').chunkedCall(wrong, { chunkSize: 1 }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('RemoteHttpError');
    expect((err as Error).message).toMatch(/400/);
    expect((err as Error).message).toMatch(/text|body/);
  });
});

describe('429 from a real server', () => {
  let small: EmbedbookServer;
  let smallUrl: string;
  beforeAll(async () => {
    small = createServer({
      port: 0,
      workers: 1,
      maxQueuedRows: 8,
      functions: [defs(SLOW, { name: 'slow', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 4, maxBufferDuration: 5 })],
    });
    ({ url: smallUrl } = await small.listen());
  });
  afterAll(async () => {
    await small?.close();
  });

  test('a full queue slows the client down (AIMD) and every row still comes back in order', async () => {
    const { fetch, log } = faultFetch(globalFetch, () => undefined);
    const remote = new Remote({ url: smallUrl, fetch });
    const waits: number[] = [];
    const fn = remote.function('slow', { onRateLimited: (i) => waits.push(i.retryAfterMs) });
    const out = await fn.chunkedCall(texts(24, (i) => 'x'.repeat(i + 1)), { chunkSize: 4, concurrentChunks: 6 });
    expect(out.failedRows).toBe(0);
    expect(rowsOf(out.table)).toEqual(Array.from({ length: 24 }, (_, i) => [i + 1]));
    expect(waits.length).toBeGreaterThan(0); // the server did answer 429 …
    expect(remote.limiter('slow')!.limit).toBeLessThan(6); // … and the client backed off
    expect(log.filter((r) => r.method === 'POST').length).toBe(6 + waits.length);
  });
});
