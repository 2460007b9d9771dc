// The Web Worker's API, built by a factory (no module-level state): it holds the dataset (an Arrow
// table) and the description of the last finished run; the run's results are in the ChunkStore
// and the dataset file of an interrupted run in DatasetFiles. worker.ts wires it to IndexedDB,
// OPFS and comlink; the unit tests wire it to in-memory stores and a test backend.
import { Field, Float32, List, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { BackendSpec, DatasetInfo, OpenOptions, PlainError, ReadProgress, RunEvent, RunSummary, WorkerApi } from './api';
import { jobKey as keyOf, type ChunkStore } from './chunk-store';
import type { WorkerFiles } from './dataset-files';
import type { EmbedBackend } from './embed-backend';
import type { ModelLoadProgress } from '../model/types';
import { readDataset } from './dataset-reader';
import { runJob, type JobOutput, type Engine } from './job-runner';
import { exportParquet } from './parquet-export';
import { columnCodes, explorerInfo, rowsOf, sampleVectors, searchHits, similarTo, vectorsOf, type ResultView } from './explorer-queries';
import { resultReader, type ResultReader } from './result-reader';
import { syntheticResults } from './synthetic-results';
import { storeMatrix } from './chunk-records';
import { planChunks } from '../core/plan-chunks';
import { textReader, textVector } from '../io/text-column';
import { memoryLeases, type JobLeases } from './job-leases';

export interface WorkerDeps {
  store: ChunkStore;
  /** The dataset file of an interrupted run and the export, on disk (OPFS). */
  files: WorkerFiles;
  /** Builds the backend for a spec (model load progress reported through `onModel`). */
  makeBackend(spec: BackendSpec, onModel: (p: ModelLoadProgress) => void): Promise<EmbedBackend>;
  /** Identity of a spec's backend: same key → the backend (and its loaded model) is reused. */
  backendKey(spec: BackendSpec): string;
  engine?: Engine;
  /** Which jobs live tabs hold (their chunks are never garbage); default: this tab's only. */
  leases?: JobLeases;
  /** Makes a transferable value cross without a copy (comlink's transfer); identity in tests. */
  transfer?<T>(value: T, buffers: ArrayBuffer[]): T;
}

interface Dataset {
  file: Blob;
  info: DatasetInfo;
  table: Table;
}

interface Results {
  job: JobOutput;
  reader: ResultReader;
  textColumn: string;
  backend: BackendSpec;
}

/** Rows timed by estimate(): enough to average over lengths, few enough to take seconds. */
const ESTIMATE_ROWS = 32;
/** Rows per stored chunk of the synthetic results. */
const SYNTHETIC_CHUNK = 10_000;

/** A view that owns its whole buffer, so transferring it detaches nothing else. */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Errors cross as plain { name, message } (structured-clone safe, stable name). */
function plainError(err: unknown): PlainError {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const e = err as { name?: unknown; message?: unknown };
    return { name: typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'Error', message: String(e.message) };
  }
  return { name: 'Error', message: String(err) };
}

function fail(name: string, message: string): never {
  throw { name, message } satisfies PlainError;
}

/** Wraps every method so errors leave the worker as plain { name, message }. */
export function guarded<T extends object>(api: T): T {
  const out = {} as Record<string, unknown>;
  for (const [k, f] of Object.entries(api)) {
    out[k] = async (...args: unknown[]) => {
      try {
        return await (f as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        throw plainError(err);
      }
    };
  }
  return out as T;
}

/**
 * What a resume may reuse: never the API key (storage outlives the tab; the page keeps the key
 * in sessionStorage instead), and not dropped model files (the page must offer them again).
 */
function savedBackend(spec: BackendSpec): BackendSpec | null {
  if (spec.kind === 'remote') return { ...spec, apiKey: '' };
  return spec.model.kind === 'files' ? null : spec;
}

export function createWorkerApi(deps: WorkerDeps): WorkerApi {
  const { store, files } = deps;
  const transfer = deps.transfer ?? (<T>(v: T) => v);
  const leases = deps.leases ?? memoryLeases();
  /** Deletes the chunks of every job no live tab holds (this tab's own included in `live`). */
  const collectGarbage = async () => store.clearOthers(await leases.live());
  let dataset: Dataset | undefined;
  let results: Results | undefined;
  let controller: AbortController | undefined;
  let backend: { key: string; value: Promise<EmbedBackend> } | undefined;

  const needDataset = (): Dataset => dataset ?? fail('NoDatasetError', 'No dataset is loaded: drop a CSV or Parquet file on the Dataset cell first.');
  const needResults = (): Results => results ?? fail('NoResultsError', 'There are no results yet: run the job in the Run cell first.');
  const view = (): ResultView => {
    const r = needResults();
    return { table: needDataset().table, reader: r.reader, missingRows: r.job.failedRows + r.job.nullRows, textColumn: r.textColumn };
  };

  /** Same backend spec → same backend object, so the model session is loaded once and reused. */
  const getBackend = (spec: BackendSpec, emit: (e: RunEvent[]) => void): Promise<EmbedBackend> => {
    const key = deps.backendKey(spec);
    if (backend?.key === key) return backend.value;
    const old = backend;
    const value = deps.makeBackend(spec, (p) => emit([{ type: 'model', progress: p }]));
    backend = { key, value };
    value.catch(() => {
      if (backend?.value === value) backend = undefined;
    });
    void old?.value.then((b) => b.dispose()).catch(() => undefined);
    return value;
  };

  const open = async (file: Blob, name: string, onProgress: (p: ReadProgress) => void, opts: OpenOptions = {}): Promise<DatasetInfo> => {
    dataset = undefined;
    results = undefined;
    const { table, info } = await readDataset(file, name, onProgress, opts);
    dataset = { file, info, table };
    return info;
  };

  return {
    async openDataset(file, onProgress, opts) {
      return open(file, file.name, onProgress, opts);
    },

    async previewInput(start, count) {
      const { table } = needDataset();
      const bytes = owned(tableToIPC(table.slice(start, start + count), 'stream'));
      return transfer(bytes, [bytes.buffer as ArrayBuffer]);
    },

    async cachedChunks(spec, settings) {
      if (!dataset) return 0;
      const key = keyOf(dataset.info, spec, settings);
      // A finished run's chunks are its results, not something to resume.
      if (results?.job.jobKey === key) return 0;
      return (await store.indices(key).catch(() => [])).length;
    },

    async run(spec, settings, onEvent, fresh): Promise<RunSummary> {
      const ds = needDataset();
      textVector(ds.table, settings.textColumn, ds.info.fileName);
      controller?.abort();
      const ctl = new AbortController();
      controller = ctl;
      const started = Date.now();
      const key = keyOf(ds.info, spec, settings);
      // Running the finished job again recomputes it; one job's chunks are kept at a time.
      if (fresh || results?.job.jobKey === key) await store.clearJob(key);
      results = undefined;
      await leases.hold(key);
      await collectGarbage();
      const plan = planChunks(ds.info.rows, settings.chunking.mode === 'chunkSize' ? { chunkSize: settings.chunking.chunkSize } : { numChunks: settings.chunking.numChunks });
      // Remember the run (its file in OPFS) so a reload can offer to resume it; a resumed run's file
      // is already there (it was read from it).
      const prior = await store.getSession().catch(() => undefined);
      if (prior?.fingerprint !== ds.info.fingerprint || (await files.dataset.load().catch(() => undefined))?.size !== ds.info.fileSize) {
        await files.dataset.save(ds.file, ds.info.fingerprint).catch(() => undefined);
      }
      await store
        .putSession({ jobKey: key, fingerprint: ds.info.fingerprint, fileName: ds.info.fileName, delimiter: ds.info.delimiter, rows: ds.info.rows, totalChunks: plan.length, settings, backend: savedBackend(spec), savedAt: Date.now() })
        .catch(() => undefined);
      let out: JobOutput;
      try {
        const b = await getBackend(spec, onEvent);
        onEvent([{ type: 'backend', label: b.label, device: b.device, reason: b.reason }]);
        out = await runJob({ table: ds.table, settings, jobKey: key, signal: ctl.signal, emit: onEvent }, { store, backend: b, engine: deps.engine });
      } catch (err) {
        // A run that failed before saving anything (bad key, model that will not load) leaves
        // nothing worth resuming after a reload.
        if ((await store.indices(key).catch(() => [])).length === 0) {
          await store.clearSession().catch(() => undefined);
          await files.dataset.clear().catch(() => undefined);
        }
        throw err;
      } finally {
        if (controller === ctl) controller = undefined;
      }
      if (!out.cancelled) {
        results = { job: out, reader: await resultReader(store, key, out.plan, out.dim), textColumn: settings.textColumn, backend: spec };
        // Finished: the chunks stay (they are the results); the resume offer and its file go.
        await store.clearSession().catch(() => undefined);
        await files.dataset.clear().catch(() => undefined);
      }
      return { rows: ds.info.rows, failedRows: out.failedRows, nullRows: out.nullRows, dimension: out.dim, chunks: out.chunks, elapsedMs: Date.now() - started, cancelled: out.cancelled, errors: out.groups };
    },

    async cancel() {
      controller?.abort();
    },

    async estimate(spec, settings) {
      const ds = needDataset();
      const text = textVector(ds.table, settings.textColumn, ds.info.fileName);
      const b = await getBackend(spec, () => undefined);
      // Rows spread over the file (lengths vary along it), nulls skipped; one untimed warm-up call.
      const n = ds.info.rows;
      const pick = Array.from({ length: Math.min(ESTIMATE_ROWS, n) }, (_, i) => Math.floor(((i + 0.5) * n) / Math.min(ESTIMATE_ROWS, n)));
      const texts = pick.map((r) => text.get(r) as string | null).filter((t): t is string => typeof t === 'string');
      if (!texts.length) fail('NoTextError', 'The sampled rows have no text to time.');
      await b.embedTexts(texts.slice(0, 2));
      const t0 = performance.now();
      await b.embedTexts(texts);
      const rowsPerSec = texts.length / Math.max(1e-3, (performance.now() - t0) / 1000);
      return { sampleRows: texts.length, rowsPerSec, seconds: n / rowsPerSec, device: b.device };
    },

    async resumeOffer() {
      const s = await store.getSession().catch(() => undefined);
      if (!s) {
        // Nothing to resume: chunks left from a finished run of an earlier visit are garbage.
        if (!results) await collectGarbage().catch(() => undefined);
        return null;
      }
      const done = (await store.indices(s.jobKey)).length;
      return { fileName: s.fileName, rows: s.rows, doneChunks: done, totalChunks: s.totalChunks, settings: s.settings, backend: s.backend, savedAt: s.savedAt };
    },

    async reopenSaved(onProgress) {
      const s = (await store.getSession()) ?? fail('NoSavedRunError', 'No interrupted run is saved in this browser.');
      const file = (await files.dataset.load()) ?? fail('NoSavedRunError', `The file of the interrupted run ("${s.fileName}") is no longer in this browser's storage: drop it again.`);
      return open(file, s.fileName, onProgress, { delimiter: s.delimiter });
    },

    async discardSaved() {
      const s = await store.getSession();
      if (s) await store.clearJob(s.jobKey);
      await store.clearSession();
      await files.dataset.clear();
    },

    async previewResults(start, count, dims) {
      const { reader, textColumn } = view();
      const ds = needDataset();
      const from = Math.max(0, Math.min(start, reader.rows));
      const end = Math.min(from + Math.max(0, count), reader.rows);
      const text = textReader(ds.table, textColumn);
      const vectors = await reader.range(from, end);
      const head = Math.min(dims, reader.dim);
      const texts: Array<string | null> = [];
      const status: string[] = [];
      const heads: Array<number[] | null> = [];
      for (let i = from; i < end; i++) {
        const s = reader.status(i);
        texts.push(text(i));
        status.push(s ?? 'ok');
        const base = (i - from) * reader.dim;
        heads.push(s === null ? Array.from(vectors.subarray(base, base + head)) : null);
      }
      const t = new Table({
        text: vectorFromArray(texts, new Utf8()),
        status: vectorFromArray(status, new Utf8()),
        embedding: vectorFromArray(heads, new List(new Field('item', new Float32(), true))),
      });
      const bytes = owned(tableToIPC(t, 'stream'));
      return transfer(bytes, [bytes.buffer as ArrayBuffer]);
    },

    async search(query, k) {
      const r = needResults();
      const b = await getBackend(r.backend, () => undefined);
      const [q] = await b.embedTexts([query]);
      return searchHits(view(), await r.reader.nearest(q, k));
    },

    async explorerInfo() {
      return explorerInfo(view());
    },

    async vectorsOf(rows) {
      const b = await vectorsOf(view(), rows);
      return transfer(b, [b.data.buffer as ArrayBuffer, b.ok.buffer as ArrayBuffer]);
    },

    async sampleVectors(max) {
      const s = sampleVectors(view(), max);
      return transfer(s, [s.rows.buffer as ArrayBuffer, s.data.buffer as ArrayBuffer]);
    },

    async rowsOf(rows) {
      return rowsOf(view(), rows);
    },

    async columnCodes(column) {
      const c = columnCodes(view(), column);
      return transfer(c, [c.codes.buffer as ArrayBuffer]);
    },

    async similarTo(row, k) {
      return similarTo(view(), row, k);
    },

    async loadSyntheticResults(rows, dim) {
      const v = syntheticResults(rows, dim);
      const fingerprint = `synthetic-${rows}x${dim}`;
      const info: DatasetInfo = { fileName: 'synthetic', fileSize: 0, format: 'csv', rows, columns: [], defaultTextColumn: v.textColumn, fingerprint, parseMs: 0 };
      const spec: BackendSpec = { kind: 'remote', url: '', apiKey: '', functionName: 'synthetic' };
      const settings = { textColumn: v.textColumn, chunking: { mode: 'chunkSize' as const, chunkSize: SYNTHETIC_CHUNK }, concurrentChunks: 1, timeout: null, retries: 0 };
      const key = keyOf(info, spec, settings);
      const plan = planChunks(rows, { chunkSize: SYNTHETIC_CHUNK });
      await leases.hold(key);
      await collectGarbage();
      await storeMatrix(store, key, plan, v);
      dataset = { file: new Blob([]), info, table: v.table };
      const job: JobOutput = { jobKey: key, plan, rows, dim, failedRows: 0, nullRows: 0, chunks: plan.length, cancelled: false, groups: [] };
      results = { job, reader: await resultReader(store, key, plan, dim), textColumn: v.textColumn, backend: spec };
      info.columns = explorerInfo(view()).columns;
      return { summary: { rows, failedRows: 0, nullRows: 0, dimension: dim, chunks: plan.length, elapsedMs: 0, cancelled: false, errors: [] }, dataset: info };
    },

    async exportParquet(onPart) {
      const v = view();
      return exportParquet({ table: v.table, reader: v.reader, missingRows: v.missingRows, fileName: needDataset().info.fileName }, async (part) => {
        const own = owned(part);
        await onPart(transfer(own, [own.buffer as ArrayBuffer]));
      });
    },

    async exportParquetFile(onBytes) {
      const v = view();
      const out = await files.export.open();
      let bytes = 0;
      try {
        const info = await exportParquet({ table: v.table, reader: v.reader, missingRows: v.missingRows, fileName: needDataset().info.fileName }, async (part) => {
          await out.write(part);
          bytes += part.byteLength;
          onBytes(bytes);
        });
        return { info, file: await out.close() };
      } catch (err) {
        await out.abort().catch(() => undefined);
        throw err;
      }
    },
  };
}
