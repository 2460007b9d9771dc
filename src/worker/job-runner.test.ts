import { Table, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { functionFromBatch } from '../core/embed-function';
import type { BatchFunction } from '../core/types';
import { embeddingType } from '../client/remote';
import type { RunEvent, RunSettings } from './api';
import { memoryChunkStore, type ChunkStore } from './chunk-store';
import { resultReader } from './result-reader';
import { readDataset } from './dataset-reader';
import type { EmbedBackend } from './embed-backend';
import { runJob, type JobOutput } from './job-runner';

/** The run's results read back from storage: the row-major matrix and per-row statuses. */
async function readBack(store: ChunkStore, out: JobOutput): Promise<{ matrix: Float32Array; errors: Array<string | null> }> {
  const reader = await resultReader(store, out.jobKey, out.plan, out.dim);
  return { matrix: await reader.range(0, reader.rows), errors: Array.from({ length: reader.rows }, (_, i) => reader.status(i)) };
}

/** A deterministic 3-d "embedding": [row id parsed from the text, length, 1]. */
function backend(opts: { failText?: string; calls?: number[]; gate?: Promise<void> } = {}): EmbedBackend {
  const embedBatch: BatchFunction<Float32Array> = async (args, ctx) => {
    opts.calls?.push(ctx.chunkIndex);
    if (opts.gate && ctx.chunkIndex >= 2) await opts.gate;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const texts = args.getChild('text')!.toArray() as Array<string | null>;
    const values = texts.map((t) => (t === null || t === opts.failText ? null : Float32Array.from([Number(t.split(':')[0]), t.length, 1])));
    const errors = texts.map((t) => (t === null ? 'text is null' : t === opts.failText ? 'bad row' : null));
    return errors.some((e) => e) ? { values, errors } : { values };
  };
  return { label: 'test', device: 'cpu', reason: 'test', fn: fnOf(embedBatch), embedTexts: async () => [], dispose: async () => undefined };
}

const fnOf = (b: BatchFunction<Float32Array>) => functionFromBatch(b, { name: 'embed', outputType: embeddingType() });

function table(rows: number, nullAt = -1): Table {
  const text = Array.from({ length: rows }, (_, i) => (i === nullAt ? null : `${i}:row ${'x'.repeat(i % 5)}`));
  return new Table({ id: vectorFromArray(Array.from({ length: rows }, (_, i) => i)), body: vectorFromArray(text) });
}

const settings: RunSettings = { textColumn: 'body', chunking: { mode: 'chunkSize', chunkSize: 10 }, concurrentChunks: 2, timeout: null, retries: 0 };

describe('runJob', () => {
  test('every row comes back in input order, row errors grouped with their rows', async () => {
    const events: RunEvent[] = [];
    const store = memoryChunkStore();
    const out = await runJob(
      { table: table(45, 7), settings, jobKey: 'k', signal: new AbortController().signal, emit: (e) => events.push(...e) },
      { store, backend: backend(), flushMs: 1 },
    );
    expect(out.cancelled).toBe(false);
    expect(out.dim).toBe(3);
    const { matrix } = await readBack(store, out);
    for (let i = 0; i < 45; i++) if (i !== 7) expect(matrix[i * 3]).toBe(i);
    expect(out.failedRows).toBe(1);
    expect(out.groups).toEqual([{ code: 'ROW_ERROR', message: 'text is null', rows: [7], count: 1 }]);
    expect(events[0]).toMatchObject({ type: 'plan', cachedChunks: [] });
    expect(events.filter((e) => e.type === 'chunk' && e.event.status === 'done')).toHaveLength(5);
  });

  test('cancel keeps finished chunks; a resume runs only the rest and loses or duplicates nothing', async () => {
    const cache = memoryChunkStore();
    const calls: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const ctl = new AbortController();
    const first = runJob(
      { table: table(50), settings: { ...settings, concurrentChunks: 1 }, jobKey: 'k', signal: ctl.signal, emit: () => undefined },
      { store: cache, backend: backend({ calls, gate }), flushMs: 1 },
    );
    // Chunks 0 and 1 finish; chunk 2 waits at the gate until we cancel.
    await expect.poll(() => calls.includes(2)).toBe(true);
    ctl.abort();
    open();
    expect((await first).cancelled).toBe(true);
    expect(await cache.indices('k')).toEqual([0, 1]);

    const resumedCalls: number[] = [];
    const events: RunEvent[] = [];
    const out = await runJob(
      { table: table(50), settings: { ...settings, concurrentChunks: 1 }, jobKey: 'k', signal: new AbortController().signal, emit: (e) => events.push(...e) },
      { store: cache, backend: backend({ calls: resumedCalls }), flushMs: 1 },
    );
    expect(events[0]).toMatchObject({ type: 'plan', cachedChunks: [0, 1] });
    expect(resumedCalls).toEqual([2, 3, 4]);
    const { matrix } = await readBack(cache, out);
    expect(Array.from({ length: 50 }, (_, i) => matrix[i * 3])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(out.failedRows).toBe(0);
  });

  test('an output spanning several Arrow record batches lands row for row in the matrix', async () => {
    const store = memoryChunkStore();
    const out = await runJob(
      { table: table(40_000, 39_999), settings: { ...settings, chunking: { mode: 'numChunks', numChunks: 3 } }, jobKey: 'big', signal: new AbortController().signal, emit: () => undefined },
      { store, backend: backend(), flushMs: 1 },
    );
    const { matrix, errors } = await readBack(store, out);
    for (const i of [0, 16_383, 16_384, 32_768, 39_998]) expect(matrix[i * 3]).toBe(i);
    expect(matrix[39_999 * 3]).toBe(0);
    expect(errors[39_999]).toMatch(/null/);
    expect(out.failedRows).toBe(1);
  });

  test('a CSV\'s empty text, quoted or not, embeds; a JSONL null gets status `null`, counted apart from failures', async () => {
    // An empty CSV cell in a text column is "" (pyarrow's default, src/io): rows 1 and 2 both embed.
    const csv = 'id,body\n0,"hello, world"\n1,\n2,""\n3,bye\n';
    const { table: t, info } = await readDataset(new Blob([csv]), 'docs.csv', () => undefined);
    expect(info.columns.find((c) => c.name === 'body')).toMatchObject({ isText: true, nullCount: 0 });
    // A backend that reports a null row exactly as the real embedder does (src/model/pipeline/embedder.ts).
    const embedBatch: BatchFunction<Float32Array> = async (args) => {
      const texts = args.getChild('text')!.toArray() as Array<string | null>;
      const values = texts.map((x) => (typeof x === 'string' ? Float32Array.from([x.length, 1, 1]) : null));
      const errors = texts.map((x, i) => (typeof x === 'string' ? null : { code: 'NULL_TEXT', message: `row ${i}: expected a string, got null` }));
      return errors.some((e) => e) ? { values, errors } : { values };
    };
    const store = memoryChunkStore();
    const run = async (table: typeof t, key: string) => {
      const o = await runJob(
        { table, settings: { ...settings, chunking: { mode: 'chunkSize', chunkSize: 2 } }, jobKey: key, signal: new AbortController().signal, emit: () => undefined },
        { store, backend: { ...backend(), fn: fnOf(embedBatch) }, flushMs: 1 },
      );
      return { ...o, ...(await readBack(store, o)) };
    };
    const out = await run(t, 'csv');
    expect(out.errors).toEqual([null, null, null, null]);
    expect(out.failedRows).toBe(0);
    expect(Array.from(out.matrix.subarray(3, 9))).toEqual([0, 1, 1, 0, 1, 1]); // both empties embedded (length 0)
    expect(out.matrix[0]).toBe('hello, world'.length);

    const jsonl = '{"id":0,"body":"a"}\n{"id":1,"body":null}\n{"id":2}\n{"id":3,"body":"bye"}\n';
    const { table: j } = await readDataset(new Blob([jsonl]), 'docs.jsonl', () => undefined);
    const nulls = await run(j, 'jsonl');
    expect(nulls.errors).toEqual([null, 'null', 'null', null]);
    expect(nulls.nullRows).toBe(2);
    expect(nulls.failedRows).toBe(0);
    expect(nulls.groups).toEqual([]);
  });

  test('a missing text column is a clear error', async () => {
    await expect(
      runJob({ table: table(3), settings: { ...settings, textColumn: 'nope' }, jobKey: 'k', signal: new AbortController().signal, emit: () => undefined }, { store: memoryChunkStore(), backend: backend() }),
    ).rejects.toThrow(/"nope"/);
  });
});

test('rows are told apart by their error code, never by their wording; groups are by code', async () => {
  const { summarize } = await import('./job-runner');
  const { chunkRecord } = await import('./chunk-records');
  const statuses = [
    { code: 'NULL_TEXT', message: 'row 0: expected a string, got null' },
    // The same words under another code are a failure (no text matching decides what a row is).
    { code: 'ROW_ERROR', message: 'row 1: expected a string, got null' },
    { code: 'TIMEOUT', message: 'TimeoutError: chunk 0 (rows 2-2) timed out after 1 s' },
    { code: 'TIMEOUT', message: 'TimeoutError: chunk 0 (rows 3-3) timed out after 1 s' },
    { code: 'ROW_ERROR', message: 'too long' },
    { code: 'ROW_ERROR', message: 'too short' },
  ];
  const meta = chunkRecord({ index: 0, offset: 0, rows: 6 }, (i) => ({ vector: null, status: statuses[i] }), 6, 2).meta;
  expect(meta.errors[0]).toBe('null');
  expect(meta.codes).toEqual(['NULL_TEXT', 'ROW_ERROR', 'TIMEOUT', 'TIMEOUT', 'ROW_ERROR', 'ROW_ERROR']);
  const s = summarize([meta]);
  expect(s).toMatchObject({ nullRows: 1, failedRows: 5 });
  expect(s.groups.map((g) => [g.code, g.message, g.rows])).toEqual([
    ['ROW_ERROR', 'expected a string, got null', [1]],
    ['TIMEOUT', 'TimeoutError: chunk 0 (rows 2-2) timed out after 1 s', [2, 3]],
    ['ROW_ERROR', 'too long', [4]],
    ['ROW_ERROR', 'too short', [5]],
  ]);
  // A chunk saved before codes existed: its null status is still a null row.
  const { codes: _dropped, ...old } = meta;
  expect(summarize([old])).toMatchObject({ nullRows: 1, failedRows: 5 });
});

test('error groups count every row but list at most 1,000 of them', async () => {
  const { summarize } = await import('./job-runner');
  const { chunkRecord } = await import('./chunk-records');
  const metas = [0, 1, 2].map((c) => chunkRecord({ index: c, offset: c * 500, rows: 500 }, (i) => (i % 2 ? { vector: null, status: { code: 'BAD', message: 'bad' } } : { vector: [1, 2], status: null }), 1500).meta);
  const s = summarize(metas);
  expect(s).toMatchObject({ dim: 2, failedRows: 750, nullRows: 0 });
  expect(s.groups).toHaveLength(1);
  expect(s.groups[0].count).toBe(750);
  expect(s.groups[0].rows).toHaveLength(750);
  const big = summarize([...Array(5).keys()].map((c) => chunkRecord({ index: c, offset: c * 500, rows: 500 }, () => ({ vector: null, status: { code: 'BAD', message: 'bad' } }), 2500).meta));
  expect(big.groups[0]).toMatchObject({ code: 'BAD', message: 'bad', count: 2500 });
  expect(big.groups[0].rows).toHaveLength(1000);
  expect(big.groups[0].rows[999]).toBe(999);
});

test('chunk messages name the file\'s data rows (from 1), not the row inside the chunk', async () => {
  const { fileRows } = await import('./job-runner');
  expect(fileRows('row 2: expected a string, got number 7', 400)).toBe('row 403: expected a string, got number 7');
  expect(fileRows('rows row 0 and row 9 failed', 0)).toBe('rows row 1 and row 10 failed');
});
