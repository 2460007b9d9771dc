// Held results: a read that returns a result frees it at once, and unread results are expired by a
// timer (not by the next submit). Real server, real HTTP.
import { tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';
import { callId, result, start, submit, textTable, type Running } from './test-fixtures/http';

describe('result lifetime', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start({
      resultTtlMs: 300,
      functions: [{ definition: { name: 'len', args: { text: 'string[]' }, output: 'float64', maxBatchingSize: 8, maxBufferDuration: 1 }, bundle: LENGTH_BUNDLE }],
    });
  });
  afterAll(async () => {
    await r?.close();
  });

  test('the read that returns the result frees it (submit ?wait and long-poll alike)', async () => {
    const waited = await fetch(`${r.url}/functions/len/calls?wait=20`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
      body: tableToIPC(textTable(['ab', 'c']), 'stream') as unknown as BodyInit,
    });
    expect(waited.status).toBe(200);
    const id = waited.headers.get('x-call-id')!;
    await waited.arrayBuffer();
    expect(await r.server.queue.store.getCall(id)).toBeUndefined();
    expect((await fetch(`${r.url}/calls/${id}?timeout=0`)).status).toBe(404);

    const polled = await callId(await submit(r.url, 'len', textTable(['xyz'])));
    await result(r.url, polled);
    expect(await r.server.queue.store.getCall(polled)).toBeUndefined();
  });

  test('an unread result is expired by the timer after resultTtlMs, with no further submit', async () => {
    const id = await callId(await submit(r.url, 'len', textTable(['unread'])));
    await expect.poll(async () => (await r.server.queue.store.getCall(id))?.finishedAt, { timeout: 20_000 }).toBeDefined();
    await expect.poll(async () => r.server.queue.store.getCall(id), { timeout: 20_000, interval: 100 }).toBeUndefined();
  });
});
