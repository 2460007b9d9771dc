// Fair admission under a full queue, over real HTTP and without timing: a 429 carries a ticket and
// a Retry-After that grows with the place in line; room that frees up goes to the oldest ticket,
// not to a newer one or a ticketless newcomer that asks first; the Remote client sends its ticket back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Remote } from '../client/remote';
import type { FetchLike } from '../client/http-transport';
import { ARROW, callId, start, textTable, type Running } from './test-fixtures/http';

/** Never finishes within a test: the rows it holds keep the queue's depth fixed. */
const HOLD_BUNDLE = `export default { handler: async (text) => { await new Promise((r) => setTimeout(r, 120_000)); return text.map((t) => t.length); } };`;

let s: Running;
beforeAll(async () => {
  s = await start({
    maxQueuedRows: 4,
    admissionHoldMs: 0, // answer 429 at once: this file checks the tickets (parking: see below)
    shutdownGraceMs: 50,
    functions: [
      { definition: { name: 'hold', maxBatchingSize: 1, maxBufferDuration: 0, retries: 0, output: 'float64' }, bundle: HOLD_BUNDLE },
    ],
  });
});
afterAll(async () => s?.close());

function post(texts: string[], ticket?: string): Promise<Response> {
  return fetch(`${s.url}/functions/hold/calls`, {
    method: 'POST',
    headers: { 'content-type': ARROW, ...(ticket ? { 'x-queue-ticket': ticket } : {}) },
    body: tableToIPC(textTable(texts), 'stream') as unknown as BodyInit,
  });
}

async function refused(res: Response): Promise<{ ticket: string; retryAfter: number; message: string }> {
  expect(res.status).toBe(429);
  const body = (await res.json()) as { error: { name: string; message: string } };
  expect(body.error.name).toBe('QueueFullError');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1); // whole seconds, as HTTP has it
  return { ticket: res.headers.get('x-queue-ticket') ?? '', retryAfter: Number(res.headers.get('x-retry-after-ms')), message: body.error.message };
}

test('freed room goes to the oldest ticket; newer tickets and newcomers wait, with Retry-After growing with position', async () => {
  await callId(await post(['a', 'b'])); // running + prefetched in the one worker: never finishes
  const blocker = await callId(await post(['c', 'd'])); // queued: the queue (4 rows) is full

  const x = await refused(await post(['x1', 'x2']));
  const y = await refused(await post(['y1', 'y2']));
  expect(x.ticket).toMatch(/^\d+\.[0-9a-f]{16}$/);
  expect(y.ticket).not.toBe(x.ticket);
  expect(x.message).toMatch(/number 1 in line/);
  expect(y.message).toMatch(/number 2 in line/);
  expect(y.retryAfter).toBeGreaterThan(x.retryAfter);

  // Two rows of room free up: exactly one 2-row call fits.
  expect((await fetch(`${s.url}/calls/${blocker}`, { method: 'DELETE' })).status).toBe(204);

  // Y asks first, but X is older: Y keeps its ticket and place.
  const yAgain = await refused(await post(['y1', 'y2'], y.ticket));
  expect(yAgain.ticket).toBe(y.ticket);
  expect(yAgain.message).toMatch(/number 2 in line/);
  // A newcomer without a ticket (or with a made-up one) queues behind both.
  const z = await refused(await post(['z1', 'z2']));
  expect(z.message).toMatch(/number 3 in line/);
  expect(z.retryAfter).toBeGreaterThan(yAgain.retryAfter);
  expect((await refused(await post(['w1', 'w2'], '1.0000000000000000'))).message).toMatch(/number 4 in line/);
  // X, the oldest, gets the room.
  const admitted = await post(['x1', 'x2'], x.ticket);
  expect(admitted.status).toBe(202);
  // The queue is full again: Y is now first in line.
  expect((await refused(await post(['y1', 'y2'], y.ticket))).message).toMatch(/number 1 in line/);
  // X's ticket was used up: presenting it again is a new place at the back.
  expect((await refused(await post(['x3'], x.ticket))).message).toMatch(/number 4 in line/);
});

test('the Remote client sends its 429 ticket back on the retry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedbook-admission-'));
  const flag = join(dir, 'release');
  // Holds its rows until the test creates `flag`.
  const gate = `import { existsSync } from 'node:fs';
export default { handler: async (text) => { while (!existsSync(${JSON.stringify(flag)})) await new Promise((r) => setTimeout(r, 20)); return text.map((t) => t.length); } };`;
  const t = await start({
    maxQueuedRows: 2,
    admissionHoldMs: 0,
    shutdownGraceMs: 50,
    functions: [
      { definition: { name: 'hold', maxBatchingSize: 2, maxBufferDuration: 0, retries: 0, output: 'float64' }, bundle: gate },
      { definition: { name: 'len', maxBatchingSize: 4, maxBufferDuration: 0, retries: 0, output: 'float64' }, bundle: 'export default { handler: async (text) => text.map((t) => t.length) };' },
    ],
  });
  try {
    const holder = await fetch(`${t.url}/functions/hold/calls`, { method: 'POST', headers: { 'content-type': ARROW }, body: tableToIPC(textTable(['a', 'b']), 'stream') as unknown as BodyInit });
    await callId(holder);
    const seen: Array<{ status: number; sent?: string; got?: string }> = [];
    const recording: FetchLike = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST') {
        const sent = (init.headers as Record<string, string> | undefined)?.['x-queue-ticket'];
        seen.push({ status: res.status, sent, got: res.headers.get('x-queue-ticket') ?? undefined });
        // After the first 429, make room (the holder's rows finish), so a retry can be admitted.
        if (res.status === 429 && seen.length === 1) writeFileSync(flag, '');
      }
      return res;
    };
    const fn = new Remote({ url: t.url, fetch: recording }).function<number>('len', { outputType: new Float64() });
    const out = await fn.chunkedCall(new Table({ text: vectorFromArray(['abc', 'de'], new Utf8()) }), { chunkSize: 2 });
    expect(Array.from({ length: 2 }, (_, i) => out.table.getChild('result')?.get(i))).toEqual([3, 2]);
    expect(seen[0]).toMatchObject({ status: 429, sent: undefined });
    expect(seen[0].got).toMatch(/^\d+\./);
    expect(seen[1]).toMatchObject({ sent: seen[0].got });
    // Every retry carried the ticket, and the last one was admitted.
    for (const r of seen.slice(1)) expect(r.sent).toBe(seen[0].got);
    expect(seen.at(-1)?.status).not.toBe(429);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test('parked submits are admitted in arrival order as room frees, without a 429', async () => {
  const p = await start({
    maxQueuedRows: 4,
    admissionHoldMs: 60_000,
    shutdownGraceMs: 50,
    functions: [{ definition: { name: 'hold', maxBatchingSize: 1, maxBufferDuration: 0, retries: 0, output: 'float64' }, bundle: HOLD_BUNDLE }],
  });
  const send = (texts: string[]) =>
    fetch(`${p.url}/functions/hold/calls`, { method: 'POST', headers: { 'content-type': ARROW }, body: tableToIPC(textTable(texts), 'stream') as unknown as BodyInit });
  try {
    await callId(await send(['a', 'b'])); // in the worker: never finishes
    const blocker = await callId(await send(['c', 'd'])); // queued: full
    const settled: string[] = [];
    const x = send(['x1', 'x2']).then((r) => (settled.push('x'), r));
    await expect.poll(() => p.server.queue.waitingInLine).toBe(1);
    const y = send(['y1', 'y2']).then((r) => (settled.push('y'), r));
    await expect.poll(() => p.server.queue.waitingInLine).toBe(2);
    expect(settled).toEqual([]);
    // Room for one: X, the first to wait, gets it; Y stays parked.
    await fetch(`${p.url}/calls/${blocker}`, { method: 'DELETE' });
    const xCall = await callId(await x);
    expect(settled).toEqual(['x']);
    expect(p.server.queue.waitingInLine).toBe(1);
    // Room again (X's queued rows cancelled): now Y.
    await fetch(`${p.url}/calls/${xCall}`, { method: 'DELETE' });
    expect((await y).status).toBe(202);
    expect(settled).toEqual(['x', 'y']);
  } finally {
    await p.close();
  }
}, 30_000);
