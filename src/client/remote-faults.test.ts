// Fault injection: 429 bursts, network failures and error mapping, which a real server cannot be
// made to produce on demand. Responses are canned per route; timers are manual so waits are exact.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { RemoteAuthError, RemoteNetworkError, UnknownFunctionError, QueueFullError } from './errors';
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

  test('a queue that stays full fails with QueueFullError after maxRateLimitWaits', async () => {
    const timers = manualTimers();
    const { fetch } = faultFetch(unreachable, () => jsonResponse(429, {}, { 'retry-after': '1' }));
    const fn = new Remote({ url: URL, fetch, timers }).function('embed', { maxRateLimitWaits: 2 });
    const handle = fn.deferBatch(texts(1));
    const settled = handle.get().catch((e: unknown) => e);
    await flush();
    await timers.advance(1000);
    await timers.advance(1000);
    const err = await settled;
    expect(err).toBeInstanceOf(QueueFullError);
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
    expect((err as Error).message).toBe(`No function "embedd" on ${URL}. Available: "embed", "upper".`);
  });
});
