// Fault injection: 429 bursts, network failures and error mapping, which a real server cannot be
// made to produce on demand. Responses are canned per route; timers are manual so waits are exact.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { RemoteAuthError, RemoteNetworkError, UnknownFunctionError, QueueStayedFullError, ServerUnavailableError } from './errors';
import { faultFetch, flush, jsonResponse, manualTimers, resultIpc, type Recorded } from './fault-fetch.test-helpers';
import { parseRetryAfter, type FetchLike } from './http-transport';
import { Remote } from './remote';

const URL = 'http://127.0.0.1:1';
const texts = (n: number) => new Table({ text: vectorFromArray(Array.from({ length: n }, (_, i) => `t${i}`), new Utf8()) });

/** A fetch that must not be reached: every request has to be answered by the fault function. */
const unreachable: FetchLike = async (url) => {
  throw new Error(`unexpected pass-through to ${url}`);
};

function okCall(req: Recorded, rows: number): Response | undefined {
  if (req.method === 'GET' && req.url.includes('/calls/c1')) {
    return new Response(resultIpc(Array.from({ length: rows }, (_, i) => [i, 1])) as unknown as BodyInit, { status: 200, headers: { 'content-type': 'application/vnd.apache.arrow.stream' } });
  }
  return undefined;
}

describe('429 and Retry-After', () => {
  test('waits exactly Retry-After before resubmitting, halves the limit, and succeeds', async () => {
    const timers = manualTimers();
    let posts = 0;
    const { fetch, log } = faultFetch(unreachable, (req) => {
      if (req.method === 'POST') {
        posts++;
        return posts <= 2 ? jsonResponse(429, { error: { name: 'QueueFullError', message: 'full' } }, { 'retry-after': '3' }) : jsonResponse(202, { callId: 'c1', rows: 2 });
      }
      return okCall(req, 2);
    });
    const remote = new Remote({ url: URL, fetch, timers, maxConcurrency: 8 });
    const waits: number[] = [];
    const fn = remote.function('embed', { onRateLimited: (i) => waits.push(i.retryAfterMs) });
    const handle = fn.deferBatch(texts(2));
    await flush();
    expect(posts).toBe(1);
    expect(timers.pending()).toEqual([3000]);
    expect(remote.limiter('embed')?.limit).toBe(1); // one call was in flight when the 429 came: halved to the floor
    await timers.advance(2999);
    expect(posts).toBe(1); // not a millisecond early
    await timers.advance(1);
    expect(posts).toBe(2);
    await timers.advance(3000);
    const out = await handle.get();
    expect(posts).toBe(3);
    expect(waits).toEqual([3000, 3000]);
    expect(out.values.map((v) => Array.from(v as Float32Array))).toEqual([[0, 1], [1, 1]]);
    expect(handle.status).toBe('done');
    expect(log.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'GET']);
  });

  test('a queue that stays full fails with QueueStayedFullError after maxRateLimitWaits', async () => {
    const timers = manualTimers();
    const { fetch } = faultFetch(unreachable, () => jsonResponse(429, {}, { 'retry-after': '1' }));
    const fn = new Remote({ url: URL, fetch, timers }).function('embed', { maxRateLimitWaits: 2 });
    const handle = fn.deferBatch(texts(1));
    const settled = handle.get().catch((e: unknown) => e);
    await flush();
    await timers.advance(1000);
    await timers.advance(1000);
    const err = await settled;
    expect(err).toBeInstanceOf(QueueStayedFullError);
    expect((err as QueueStayedFullError).waits).toBe(2);
    expect((err as Error).message).toContain('"embed"');
    expect(handle.status).toBe('failed');
  });

  test('parseRetryAfter reads seconds and HTTP dates, and defaults to 1 s', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter(null, 0)).toBe(1000);
    expect(parseRetryAfter('soon', 0)).toBe(1000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
  });
});

describe('503 StoreUnavailableError (queue store down)', () => {
  const down = () => jsonResponse(503, { error: { name: 'StoreUnavailableError', message: 'queue store unavailable: connect ECONNREFUSED 127.0.0.1:6379' } }, { 'retry-after': '5' });

  test('submit and poll wait Retry-After and ask again, without spending the chunk\'s retries', async () => {
    const timers = manualTimers();
    let n = 0;
    const { fetch, log } = faultFetch(unreachable, (req) => {
      n++;
      if (req.method === 'POST') return n === 1 ? down() : jsonResponse(202, { callId: 'c1', rows: 2 });
      if (n === 3) return down(); // the first poll
      return okCall(req, 2);
    });
    const remote = new Remote({ url: URL, fetch, timers, maxConcurrency: 8 });
    const statuses: string[] = [];
    const handle = remote.function('embed').deferBatch(texts(2), { retries: 0, onProgress: (e) => statuses.push(e.status) });
    await flush();
    expect(timers.pending()).toEqual([5000]);
    await timers.advance(4999);
    expect(log).toHaveLength(1); // not a millisecond early
    await timers.advance(1);
    expect(timers.pending()).toEqual([5000]); // the poll got a 503 too
    await timers.advance(5000);
    const out = await handle.get();
    expect(out.values.map((v) => Array.from(v as Float32Array))).toEqual([[0, 1], [1, 1]]);
    expect(log.map((r) => r.method)).toEqual(['POST', 'POST', 'GET', 'GET']);
    expect(statuses).not.toContain('retrying'); // retries: 0 and it still succeeded: the waits were no tries
    expect(statuses).toContain('done');
    expect(remote.limiter('embed')?.limit).toBeGreaterThan(1); // a store outage is not a full queue: no AIMD halving
  });

  test('a store that stays down fails the call with ServerUnavailableError after maxStoreWaits', async () => {
    const timers = manualTimers();
    const { fetch, log } = faultFetch(unreachable, () => down());
    const handle = new Remote({ url: URL, fetch, timers }).function('embed', { maxStoreWaits: 3 }).deferBatch(texts(1), { retries: 2 });
    const settled = handle.get().catch((e: unknown) => e);
    await flush();
    for (let i = 0; i < 3; i++) await timers.advance(5000);
    const err = await settled;
    expect(err).toBeInstanceOf(ServerUnavailableError);
    expect((err as Error).message).toContain('through 3 waits (15 s)');
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect((err as Error).message).toContain(`${URL}/health`);
    expect(log).toHaveLength(4); // the first try and 3 waits; no engine retries of a call-fatal error
    expect(handle.status).toBe('failed');
  });

  // The first submit answers 503 with `error` and `retryAfter`; the chunk waits `waitMs` on the
  // client's clock, re-submits once and goes through.
  test.each([
    { what: 'a huge Retry-After is capped at 30 s per wait', error: { name: 'StoreUnavailableError', message: 'down' }, retryAfter: '3600', waitMs: 30_000 },
    {
      what: "a 503 StreamRetiredError (the server's registry one redeploy behind) is waited out for its Retry-After, then the call goes through",
      error: { name: 'StreamRetiredError', message: 'The function version "embed@1" was replaced' },
      retryAfter: '1',
      waitMs: 1000,
    },
  ])('$what', async ({ error, retryAfter, waitMs }) => {
    const timers = manualTimers();
    let posts = 0;
    const { fetch } = faultFetch(unreachable, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? jsonResponse(503, { error }, { 'retry-after': retryAfter }) : jsonResponse(202, { callId: 'c1', rows: 1 });
      return okCall(req, 1);
    });
    const handle = new Remote({ url: URL, fetch, timers }).function('embed').deferBatch(texts(1));
    await flush();
    expect(timers.pending()).toEqual([waitMs]);
    await timers.advance(waitMs);
    expect((await handle.get()).values).toHaveLength(1);
    expect(posts).toBe(2);
  });
});

describe('error mapping', () => {
  test('a network failure names the URL', async () => {
    const { fetch } = faultFetch(unreachable, () => {
      throw new TypeError('fetch failed');
    });
    const remote = new Remote({ url: 'http://127.0.0.1:9/', fetch });
    const err = await remote.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteNetworkError);
    expect((err as Error).message).toContain('http://127.0.0.1:9/health');
    expect((err as Error).message).toContain('fetch failed');
  });

  test('401 says the API key is wrong (or missing)', async () => {
    const { fetch } = faultFetch(unreachable, () => jsonResponse(401, { error: { name: 'UnauthorizedError', message: 'bad key' } }));
    const withKey = await new Remote({ url: URL, apiKey: 'nope', fetch }).listFunctions().catch((e: unknown) => e);
    expect(withKey).toBeInstanceOf(RemoteAuthError);
    expect((withKey as Error).message).toMatch(/API key was rejected/);
    const without = await new Remote({ url: URL, fetch }).listFunctions().catch((e: unknown) => e);
    expect((without as Error).message).toMatch(/requires an API key/);
  });

  test('404 on submit lists the deployed functions', async () => {
    const { fetch } = faultFetch(unreachable, (req) => {
      if (req.method === 'POST') return jsonResponse(404, { error: { name: 'UnknownFunctionError', message: 'no such function' } });
      if (req.url.endsWith('/functions')) return jsonResponse(200, [{ name: 'embed' }, { name: 'upper' }]);
      return undefined;
    });
    const err = await new Remote({ url: URL, fetch }).function('embedd').deferBatch(texts(1)).get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownFunctionError);
    expect((err as Error).message).toBe(`No function named "embedd" is deployed on ${URL}. Deployed: "embed", "upper"; deploy it with \`embedbook deploy <file>.function.ts\`.`);
  });
});

describe('410 CallLostError (the server store restarted empty)', () => {
  const lostAnswer = () => jsonResponse(410, { error: { name: 'CallLostError', message: 'Call "c1" was lost by the queue store' } });

  test('the chunk is submitted again (not a try of it) and its result kept', async () => {
    const timers = manualTimers();
    let posts = 0;
    const { fetch, log } = faultFetch(unreachable, (req) => {
      if (req.method === 'POST') return jsonResponse(202, { callId: `c${++posts}`, rows: 2 });
      if (req.method === 'DELETE') return jsonResponse(410, {});
      if (req.url.includes('/calls/c1')) return lostAnswer();
      if (req.url.includes('/calls/c2')) return new Response(resultIpc([[0, 1], [1, 1]]) as unknown as BodyInit, { status: 200, headers: { 'content-type': 'application/vnd.apache.arrow.stream' } });
      return undefined;
    });
    const statuses: string[] = [];
    const out = await new Remote({ url: URL, fetch, timers }).function('embed').chunkedCall(texts(2), { numChunks: 1, retries: 0, onProgress: (e) => void statuses.push(e.status) });
    expect(out.table.numRows).toBe(2);
    expect(out.failedRows).toBe(0);
    expect(log.filter((r) => r.method !== 'DELETE').map((r) => `${r.method} ${r.url.replace(URL, '').split('?')[0]}`)).toEqual(['POST /functions/embed/calls', 'GET /calls/c1', 'POST /functions/embed/calls', 'GET /calls/c2']);
    expect(statuses).not.toContain('retrying');
  });

  test('a call lost on every try fails with CallLostTooOftenError after maxLostResubmits', async () => {
    const timers = manualTimers();
    const { fetch, log } = faultFetch(unreachable, (req) => (req.method === 'POST' ? lostAnswer() : undefined));
    const handle = new Remote({ url: URL, fetch, timers }).function('embed', { maxLostResubmits: 2 }).deferBatch(texts(1), { retries: 0 });
    const out = await handle.get();
    expect(out.values).toEqual([null]);
    expect(out.errors?.[0]).toEqual({ code: 'CALL_LOST_TOO_OFTEN', message: expect.stringMatching(/^CallLostTooOftenError: .*lost the call for a chunk of "embed" 3 times/) });
    expect(log).toHaveLength(3);
  });
});
