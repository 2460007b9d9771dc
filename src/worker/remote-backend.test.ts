// The worker's remote backend against a real server (createServer on 127.0.0.1, worker threads):
// jobs run through the backend's EmbedFunction, so RemoteFunction's call-fatal guard applies
// without the backend wrapping anything — a call every chunk would fail the same way stops the
// job with that error after one request instead of being retried and bisected row by row.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { start, type Running } from '../server/test-fixtures/http';
import type { RunSettings } from './api';
import { memoryChunkStore } from './chunk-store';
import { resultReader } from './result-reader';
import { runJob } from './job-runner';
import { createRemoteBackend } from './remote-backend';

const VEC = `export default { handler: async (text) => text.map((t) => { if (t === 'bad') throw new Error('cannot take "bad"'); return [t.length, 1]; }) };`;
const settings: RunSettings = { textColumn: 'body', chunking: { mode: 'chunkSize', chunkSize: 4 }, concurrentChunks: 2, timeout: null, retries: 2 };
const table = (rows: string[]) => new Table({ id: vectorFromArray(rows.map((_, i) => i)), body: vectorFromArray(rows, new Utf8()) });
const job = (rows: string[], jobKey: string) => ({ table: table(rows), settings, jobKey, signal: new AbortController().signal, emit: () => undefined });

let s: Running;
beforeAll(async () => {
  s = await start({
    functions: [
      { definition: { name: 'vec', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 8, maxBufferDuration: 5, retries: 0 }, bundle: VEC },
      { definition: { name: 'needs-body', args: { body: 'string[]' }, output: 'float32[]', maxBatchingSize: 8, maxBufferDuration: 5 }, bundle: VEC },
    ],
  });
});
afterAll(async () => {
  await s?.close();
});

describe('createRemoteBackend', () => {
  test('a job runs through fn.chunkedCall: rows in order, a bad row alone with its status', async () => {
    const backend = await createRemoteBackend({ kind: 'remote', url: s.url, apiKey: '', functionName: 'vec' });
    expect(backend).toMatchObject({ device: 'remote', label: expect.stringContaining('vec @ ') });
    const rows = ['a', 'bb', 'bad', 'dddd', 'eeeee', 'ffffff', 'g', 'hh', 'iii'];
    const store = memoryChunkStore();
    const out = await runJob(job(rows, 'ok'), { store, backend, flushMs: 1 });
    expect(out.dim).toBe(2);
    const reader = await resultReader(store, 'ok', out.plan, out.dim);
    const matrix = await reader.range(0, rows.length);
    rows.forEach((r, i) => expect(matrix[i * 2]).toBe(i === 2 ? 0 : r.length));
    expect(out.failedRows).toBe(1);
    expect(reader.status(2)).toMatch(/cannot take "bad"/);
    expect(await backend.embedTexts(['four', 'xy'])).toEqual([Float32Array.from([4, 1]), Float32Array.from([2, 1])]);
    await expect(backend.embedTexts(['ok', 'bad'])).rejects.toMatchObject({ name: 'EmbedTextError', message: expect.stringMatching(/Text 2 could not be embedded: .*cannot take "bad"/) });
  });

  test('a call-fatal error (the function takes another column) stops the job at once (one request per chunk in flight), with the server\'s message', async () => {
    const backend = await createRemoteBackend({ kind: 'remote', url: s.url, apiKey: '', functionName: 'needs-body' });
    const spy = vi.spyOn(globalThis, 'fetch'); // counts requests only; every one reaches the real server
    try {
      const err = await runJob(job(Array.from({ length: 40 }, (_, i) => `row ${i}`), 'fatal'), { store: memoryChunkStore(), backend, flushMs: 1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'RemoteHttpError', status: 400, message: expect.stringMatching(/body/) });
      const submits = spy.mock.calls.filter(([u, init]) => String(u).includes('/calls') && init?.method === 'POST');
      expect(submits.length).toBeLessThanOrEqual(settings.concurrentChunks); // not 10 chunks × 3 tries × bisection
    } finally {
      spy.mockRestore();
    }
  });

  test('an unknown function is an UnknownFunctionError naming the deployed ones', async () => {
    await expect(createRemoteBackend({ kind: 'remote', url: s.url, apiKey: '', functionName: 'nope' })).rejects.toMatchObject({
      name: 'UnknownFunctionError',
      functionName: 'nope',
      available: expect.arrayContaining(['vec', 'needs-body']),
      message: expect.stringMatching(/"nope".*"(vec|needs-body)", "(vec|needs-body)"/),
    });
  });
});
