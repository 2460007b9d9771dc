// Regression: close() on a server from createServer used to wait ~70 s (headersTimeout / keep-alive)
// after a client aborted a long-poll and sent DELETE, because a connection that has not sent a
// request yet is not "idle" to Node's closeIdleConnections. Real HTTP; close must finish in a
// bounded time and the long-poll that is still waiting must get its complete answer first.
import { connect, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { armedTimers } from './test-fixtures/armed-timers';
import { slowBundle } from './test-fixtures/handlers';
import { callId, deploy, start, submit, textTable, type Running } from './test-fixtures/http';

let running: Running | undefined;
afterEach(async () => {
  // Not awaited on purpose when a test failed mid-way: the old behaviour would hold the suite ~70 s.
  void running?.close();
  running = undefined;
});

/** Resolves with close()'s duration, or 'hung' after `limitMs`. */
async function timedClose(r: Running, limitMs: number): Promise<number | 'hung'> {
  const t0 = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const out = await Promise.race([
    r.close().then(() => Date.now() - t0),
    new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), limitMs))),
  ]);
  clearTimeout(timer);
  return out;
}

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => resolve(s));
    s.once('error', reject);
  });
}

test('close() after an aborted long-poll + DELETE, with a connection that never sent a request, does not wait for keep-alive', async () => {
  // A long-poll is waiting once its timer (timeout=57 → 57 s, timeout=58 → 58 s) is armed.
  const timers = armedTimers();
  const r = (running = await start({ shutdownGraceMs: 2_000, timers }));
  expect((await deploy(r.url, { name: 'slow', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 4, maxBufferDuration: 5 }, slowBundle(400))).status).toBe(201);

  // 1. A long-poll aborted by its client, then the call cancelled (what Remote does on cancel).
  const aborted = await callId(await submit(r.url, 'slow', textTable(['a', 'b'])));
  const ac = new AbortController();
  const poll = fetch(`${r.url}/calls/${aborted}?timeout=57`, { signal: ac.signal }).catch((e: Error) => e.name);
  await expect.poll(() => timers.armed(57_000), { timeout: 10_000 }).toBe(1);
  ac.abort();
  expect(await poll).toBe('AbortError');
  expect((await fetch(`${r.url}/calls/${aborted}`, { method: 'DELETE' })).status).toBe(204);

  // 2. A connection that is open but has not sent a request (what an agent's fresh socket looks like).
  const bare = await openSocket(r.url);
  const bareClosed = new Promise<void>((res) => bare.once('close', () => res()));

  // 3. A long-poll still waiting when close() starts: it must get a complete answer, not a reset.
  const waiting = await callId(await submit(r.url, 'slow', textTable(['ccc'])));
  const answer = fetch(`${r.url}/calls/${waiting}?timeout=58`);
  await expect.poll(() => timers.armed(58_000), { timeout: 10_000 }).toBe(1);

  const took = await timedClose(r, 15_000);
  expect(took, 'close() hung on an open connection (old behaviour: ~70 s)').not.toBe('hung');
  running = undefined;
  await bareClosed;
  const res = await answer;
  expect(res.status).toBe(200);
  expect(res.headers.get('x-call-status')).toMatch(/^(done|failed)$/);
  expect(new Uint8Array(await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
}, 30_000);
