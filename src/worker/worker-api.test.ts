// The worker API as the page uses it, built by its factory over in-memory storage and a
// deterministic backend (real CSV parsing, real engine, real Parquet): run → results read from
// storage → export; cancel → resume; reload (a new API over the same storage) → offer, reopen the
// file kept in DatasetFiles, resume only the rest; errors cross as plain { name, message }.
import { decompress } from 'fzstd';
import { parquetReadObjects } from 'hyparquet';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { functionFromBatch } from '../core/embed-function';
import type { BatchFunction } from '../core/types';
import { embeddingType } from '../client/remote';
import type { BackendSpec, RunEvent, RunSettings } from './api';
import { memoryChunkStore, type ChunkStore } from './chunk-store';
import { memoryWorkerFiles, type WorkerFiles } from './dataset-files';
import type { EmbedBackend } from './embed-backend';
import { memoryLeases, type JobLeases } from './job-leases';
import { createWorkerApi, guarded } from './worker-api';

const ROWS = 57;
const csv = `id,text\n${Array.from({ length: ROWS }, (_, i) => `${i},"text number ${i}${i === 13 ? ' FAIL' : ''}"`).join('\n')}\n`;
const file = new File([csv], 'docs.csv');
const spec: BackendSpec = { kind: 'remote', url: 'http://x', apiKey: 'k', functionName: 'embed' };
const settings: RunSettings = { textColumn: 'text', chunking: { mode: 'chunkSize', chunkSize: 5 }, concurrentChunks: 3, timeout: null, retries: 0 };

/** [id, length, 1] per text; "FAIL" rows fail; `hold` makes chunks ≥ 4 wait until released. */
function testBackend(calls: number[], hold?: Promise<void>): EmbedBackend {
  const embedBatch: BatchFunction<Float32Array> = async (args, ctx) => {
    calls.push(ctx.chunkIndex);
    if (hold && ctx.chunkIndex >= 4) await hold;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const texts = args.getChild('text')!.toArray() as string[];
    const errors = texts.map((t) => (t.endsWith('FAIL') ? 'cannot embed this' : null));
    const values = texts.map((t, i) => (errors[i] ? null : Float32Array.from([Number(t.split(' ')[2]), t.length, 1])));
    return errors.some((e) => e) ? { values, errors } : { values };
  };
  return { label: 'test', device: 'remote', reason: 'test', fn: functionFromBatch(embedBatch, { name: 'embed', outputType: embeddingType() }), embedTexts: async (t) => t.map(() => Float32Array.from([20, 14, 1])), dispose: async () => undefined };
}

function api(store: ChunkStore, files: WorkerFiles, backend: EmbedBackend, leases?: JobLeases) {
  return guarded(createWorkerApi({ store, files, makeBackend: async () => backend, backendKey: () => 'test', leases }));
}

async function exported(a: ReturnType<typeof api>) {
  const parts: Uint8Array[] = [];
  const info = await a.exportParquet((p) => void parts.push(p));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) bytes.set(p, (at += p.byteLength) - p.byteLength);
  const rows = (await parquetReadObjects({ file: bytes.buffer, compressors: { ZSTD: (b: Uint8Array) => decompress(b) } })) as Array<Record<string, unknown>>;
  return { info, rows };
}

describe('createWorkerApi', () => {
  test('run → the results are read back from storage (preview, explorer, search) and exported', async () => {
    const store = memoryChunkStore();
    const a = api(store, memoryWorkerFiles(), testBackend([]));
    const info = await a.openDataset(file, () => undefined);
    expect(info).toMatchObject({ rows: ROWS, defaultTextColumn: 'text' });
    const summary = await a.run(spec, settings, () => undefined, false);
    expect(summary).toMatchObject({ rows: ROWS, failedRows: 1, dimension: 3, chunks: 12, cancelled: false, errors: [{ message: 'cannot embed this', rows: [13] }] });
    // No resume is offered for a finished run: its chunks in storage are the results.
    expect(await store.getSession()).toBeUndefined();
    expect(await a.resumeOffer()).toBeNull();
    expect(await a.cachedChunks(spec, settings)).toBe(0);

    const page = tableFromIPC(await a.previewResults(10, 5, 2));
    expect(page.getChild('text')!.toArray()).toEqual(['text number 10', 'text number 11', 'text number 12', 'text number 13 FAIL', 'text number 14']);
    expect(page.getChild('status')!.get(3)).toBe('cannot embed this');
    expect(Array.from(page.getChild('embedding')!.get(0)!.toArray() as Float32Array)).toEqual([10, 14]);
    expect(page.getChild('embedding')!.get(3)).toBeNull();

    expect(await a.explorerInfo()).toMatchObject({ rows: ROWS, dim: 3, failedRows: 1 });
    const s = await a.sampleVectors(100);
    expect(s.rows).toHaveLength(ROWS - 1);
    expect(Array.from(s.rows)).not.toContain(13);
    const v = await a.vectorsOf(Int32Array.of(40, 13, 2));
    expect(Array.from(v.ok)).toEqual([1, 0, 1]);
    expect(v.data[0]).toBe(40);
    expect((await a.search('anything', 3)).map((h) => h.row)).toContain(20);
    expect((await a.similarTo(5, 2)).every((h) => h.row !== 5 && h.row !== 13)).toBe(true);

    const { info: ex, rows } = await exported(a);
    expect(ex).toMatchObject({ fileName: 'docs.embeddings.parquet', rows: ROWS, withStatus: true });
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(rows[13].status).toBe('cannot embed this');
    expect((rows[56].embedding as number[])[0]).toBe(56);

    // The same file written to disk (the OPFS slot) and handed back as a File.
    let reported = 0;
    const { info: onDisk, file: saved } = await a.exportParquetFile((n) => (reported = n));
    expect(onDisk).toEqual(ex);
    expect(saved.size).toBe(ex.bytes);
    expect(reported).toBe(ex.bytes);
  });

  test('cancel keeps the finished chunks in storage; a reload (new API, same storage) offers them, reopens the file and resumes only the rest', async () => {
    const store = memoryChunkStore();
    const files = memoryWorkerFiles();
    const calls: number[] = [];
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const first = api(store, files, testBackend(calls, hold));
    await first.openDataset(file, () => undefined);
    const running = first.run(spec, settings, () => undefined, false);
    await expect.poll(() => calls.filter((c) => c >= 4).length).toBeGreaterThan(0);
    // Chunks 0–3 finished (concurrency 3 keeps at most three in flight); the rest are held.
    await expect.poll(async () => (await store.indices((await store.getSession())!.jobKey)).length).toBe(4);
    await first.cancel();
    release();
    expect((await running).cancelled).toBe(true);
    expect(await first.cachedChunks(spec, settings)).toBe(4);

    // "Reload": a fresh API over the same storage; the dataset comes back from DatasetFiles.
    const resumedCalls: number[] = [];
    const second = api(store, files, testBackend(resumedCalls));
    const offer = await second.resumeOffer();
    expect(offer).toMatchObject({ fileName: 'docs.csv', rows: ROWS, doneChunks: 4, totalChunks: 12, backend: { ...spec, apiKey: '' } });
    expect(await second.reopenSaved(() => undefined)).toMatchObject({ fileName: 'docs.csv', rows: ROWS });
    // The resumed run's file is the one kept: it is not written again.
    let rewrites = 0;
    const save = files.dataset.save.bind(files.dataset);
    files.dataset.save = (f, id) => (rewrites++, save(f, id));
    const events: RunEvent[] = [];
    const summary = await second.run(spec, settings, (e) => events.push(...e), false);
    expect(summary.cancelled).toBe(false);
    expect(events.find((e) => e.type === 'plan')).toMatchObject({ cachedChunks: [0, 1, 2, 3] });
    expect(Math.min(...resumedCalls)).toBe(4);
    expect(rewrites).toBe(0);
    const { rows } = await exported(second);
    expect(rows.map((r) => (r.embedding as number[] | undefined)?.[0] ?? null)).toEqual(Array.from({ length: ROWS }, (_, i) => (i === 13 ? null : i)));
    expect(await files.dataset.load()).toBeUndefined(); // a finished run's file is no longer kept
  });

  test('errors leave as plain { name, message }; storage-less calls say what to do', async () => {
    const a = api(memoryChunkStore(), memoryWorkerFiles(), testBackend([]));
    await expect(a.previewInput(0, 5)).rejects.toEqual({ name: 'NoDatasetError', message: expect.stringMatching(/drop a CSV/) });
    await a.openDataset(file, () => undefined);
    await expect(a.exportParquet(() => undefined)).rejects.toEqual({ name: 'NoResultsError', message: expect.stringMatching(/run the job/) });
    await expect(a.reopenSaved(() => undefined)).rejects.toMatchObject({ name: 'NoSavedRunError' });
    await expect(a.run(spec, { ...settings, textColumn: 'nope' }, () => undefined, false)).rejects.toMatchObject({ message: expect.stringMatching(/nope/) });
  });

  test('two APIs share nothing but the storage they are given', async () => {
    const a = api(memoryChunkStore(), memoryWorkerFiles(), testBackend([]));
    const b = api(memoryChunkStore(), memoryWorkerFiles(), testBackend([]));
    await a.openDataset(file, () => undefined);
    await expect(b.previewInput(0, 1)).rejects.toMatchObject({ name: 'NoDatasetError' });
    const syn = await b.loadSyntheticResults(1_000, 8);
    expect(syn.summary).toMatchObject({ rows: 1_000, dimension: 8 });
    // The page shows the synthetic input like a read file's (the Export cell lists its columns).
    expect(syn.dataset.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['id', 'text', 'topic']));
    expect(syn.dataset.rows).toBe(1_000);
    expect((await b.explorerInfo()).rows).toBe(1_000);
    expect((await b.columnCodes('topic')).codes).toHaveLength(1_000);
    await expect(a.explorerInfo()).rejects.toMatchObject({ name: 'NoResultsError' });
  });

  test("two tabs on one storage: neither deletes the job the other runs or shows; a closed tab's job is garbage", async () => {
    const store = memoryChunkStore();
    const registry = new Map<string, number>();
    const [leasesA, leasesB] = [memoryLeases(registry), memoryLeases(registry)];
    const a = api(store, memoryWorkerFiles(), testBackend([]), leasesA);
    await a.openDataset(file, () => undefined);
    await a.run(spec, settings, () => undefined, false);
    const [keyA] = await leasesA.live();
    const before = await exported(a);
    // Tab B opens (nothing to resume: it collects garbage), then runs another job.
    const b = api(store, memoryWorkerFiles(), testBackend([]), leasesB);
    expect(await b.resumeOffer()).toBeNull();
    await b.openDataset(file, () => undefined);
    const other: RunSettings = { ...settings, chunking: { mode: 'chunkSize', chunkSize: 7 } };
    expect((await b.run(spec, other, () => undefined, false)).cancelled).toBe(false);
    // A's finished results are all still there, and B's too.
    const after = await exported(a);
    expect(after.rows).toEqual(before.rows);
    expect(after.rows.filter((r) => r.embedding).length).toBe(ROWS - 1);
    expect((await exported(b)).rows.filter((r) => r.embedding).length).toBe(ROWS - 1);
    // Tab A closes (the browser releases its lock): its chunks are garbage for the next visit.
    await leasesA.hold(null);
    const c = api(store, memoryWorkerFiles(), testBackend([]), memoryLeases(registry));
    expect(await c.resumeOffer()).toBeNull();
    expect(await store.indices(keyA)).toEqual([]);
    const [keyB] = await leasesB.live();
    expect(keyB).not.toBe(keyA);
    expect(await store.indices(keyB)).toHaveLength(Math.ceil(ROWS / 7));
  });
});
