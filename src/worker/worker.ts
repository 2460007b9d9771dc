// The Web Worker: holds the dataset (an Arrow table) and the results, runs jobs, and answers the
// page through the one typed comlink interface in api.ts. Nothing here touches the DOM.
import * as Comlink from 'comlink';
import { Field, Float32, List, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { BackendSpec, DatasetInfo, OpenOptions, PlainError, ReadProgress, RunEvent, RunSummary, WorkerApi } from './api';
import { jobKey, type ChunkCache } from './chunk-cache';
import { idbChunkCache } from './idb-chunk-cache';
import type { EmbedBackend } from './embed-backend';
import type { ModelLoadProgress } from '../model/types';
import { readDataset } from './dataset-reader';
import { createLocalBackend, localBackendKey } from './local-backend';
import { createRemoteBackend } from './remote-backend';
import { runJob, type JobOutput } from './job-runner';
import { nearest } from './vector-math';
import { exportParquet } from './parquet-export';
import { columnCodes, explorerInfo, rowsOf, similarTo, vectorsOf, type ResultView } from './explorer-queries';
import { syntheticResults } from './synthetic-results';
import { setParquetWasmSource } from '../io/parquet-wasm';
import { textReader, textVector } from '../io/text-column';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { errorCode, serializeError } from '../core/errors';

// Vite gives the .wasm a hashed same-origin URL; parquet-wasm's own default breaks in bundles.
setParquetWasmSource(parquetWasmUrl);

interface Dataset {
  file: Blob;
  info: DatasetInfo;
  table: Table;
}

interface Results extends JobOutput {
  textColumn: string;
  backend: BackendSpec;
}

/** Rows timed by estimate(): enough to average over lengths, few enough to take seconds. */
const ESTIMATE_ROWS = 32;

let dataset: Dataset | undefined;
let results: Results | undefined;
let controller: AbortController | undefined;
let backend: { key: string; value: Promise<EmbedBackend> } | undefined;
const cache: ChunkCache = idbChunkCache();

/** A view that owns its whole buffer, so transferring it detaches nothing else. */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Errors cross as serializeError's plain data (structured-clone safe, stable name and code). */
function plain(err: unknown): PlainError {
  const { stack: _stack, ...data } = serializeError(err);
  return data;
}

function fail(name: string, message: string): never {
  throw { name, code: errorCode(name), message } satisfies PlainError;
}

function needDataset(): Dataset {
  return dataset ?? fail('NoDatasetError', 'No dataset is loaded: drop a CSV or Parquet file on the Dataset cell first.');
}

function needResults(): Results {
  return results ?? fail('NoResultsError', 'There are no results yet: run the job in the Run cell first.');
}

/** The finished results as the explorer reads them (src/worker/explorer-queries.ts). */
function resultView(): ResultView {
  const r = needResults();
  return { table: needDataset().table, matrix: r.matrix, dim: r.dim, errors: r.errors, textColumn: r.textColumn };
}

/** Same backend spec → same backend object, so the model session is loaded once and reused. */
function getBackend(spec: BackendSpec, emit: (e: RunEvent[]) => void): Promise<EmbedBackend> {
  const key = spec.kind === 'remote' ? `remote|${spec.url}|${spec.apiKey}|${spec.functionName}` : localBackendKey(spec);
  if (backend?.key === key) return backend.value;
  const old = backend;
  const value = spec.kind === 'remote' ? createRemoteBackend(spec) : createLocalBackend(spec, (p: ModelLoadProgress) => emit([{ type: 'model', progress: p }]));
  backend = { key, value };
  value.catch(() => {
    if (backend?.value === value) backend = undefined;
  });
  void old?.value.then((b) => b.dispose()).catch(() => undefined);
  return value;
}

async function open(file: Blob, name: string, onProgress: (p: ReadProgress) => void, opts: OpenOptions = {}): Promise<DatasetInfo> {
  dataset = undefined;
  results = undefined;
  const { table, info } = await readDataset(file, name, onProgress, opts);
  dataset = { file, info, table };
  return info;
}

/**
 * What a resume may reuse: never the API key (IndexedDB outlives the tab; the page keeps the key
 * in sessionStorage instead), and not dropped model files (the page must offer them again).
 */
function savedBackend(spec: BackendSpec): BackendSpec | null {
  if (spec.kind === 'remote') return { ...spec, apiKey: '' };
  return spec.model.kind === 'files' ? null : spec;
}

/** Wraps every method so errors leave the worker as plain { name, message }. */
function guarded<T extends object>(api: T): T {
  const out = {} as Record<string, unknown>;
  for (const [k, f] of Object.entries(api)) {
    out[k] = async (...args: unknown[]) => {
      try {
        return await (f as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        throw plain(err);
      }
    };
  }
  return out as T;
}

const api: WorkerApi = {
  async openDataset(file, onProgress, opts) {
    return open(file, file.name, onProgress, opts);
  },

  async previewInput(start, count) {
    const { table } = needDataset();
    const bytes = owned(tableToIPC(table.slice(start, start + count), 'stream'));
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  async cachedChunks(spec, settings) {
    if (!dataset) return 0;
    return cache.count(jobKey(dataset.info, spec, settings)).catch(() => 0);
  },

  async run(spec, settings, onEvent, fresh): Promise<RunSummary> {
    const ds = needDataset();
    textVector(ds.table, settings.textColumn, ds.info.fileName);
    controller?.abort();
    const ctl = new AbortController();
    controller = ctl;
    results = undefined;
    const started = Date.now();
    const key = jobKey(ds.info, spec, settings);
    if (fresh) await cache.clearJob(key);
    const plan = settings.chunking.mode === 'chunkSize' ? Math.ceil(ds.info.rows / settings.chunking.chunkSize) : Math.min(settings.chunking.numChunks, ds.info.rows);
    // Remember the run (file included) so a reload can offer to resume it.
    await cache
      .putSession({ jobKey: key, fingerprint: ds.info.fingerprint, file: ds.file, fileName: ds.info.fileName, delimiter: ds.info.delimiter, rows: ds.info.rows, totalChunks: plan, settings, backend: savedBackend(spec), savedAt: Date.now() })
      .catch(() => undefined);
    let out;
    try {
      const b = await getBackend(spec, onEvent);
      onEvent([{ type: 'backend', label: b.label, device: b.device, reason: b.reason }]);
      out = await runJob({ table: ds.table, settings, jobKey: key, signal: ctl.signal, emit: onEvent }, { cache, backend: b });
    } catch (err) {
      // A run that failed before saving anything (bad key, model that will not load) leaves
      // nothing worth resuming after a reload.
      if ((await cache.count(key).catch(() => 0)) === 0) await cache.clearSession().catch(() => undefined);
      throw err;
    }
    if (controller === ctl) controller = undefined;
    if (!out.cancelled) {
      results = { ...out, textColumn: settings.textColumn, backend: spec };
      // Finished: the saved chunks and the resume offer are no longer needed.
      await cache.clearJob(key).catch(() => undefined);
      await cache.clearSession().catch(() => undefined);
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
    const s = await cache.getSession().catch(() => undefined);
    if (!s) return null;
    const done = await cache.count(s.jobKey);
    return { fileName: s.fileName, rows: s.rows, doneChunks: done, totalChunks: s.totalChunks, settings: s.settings, backend: s.backend, savedAt: s.savedAt };
  },

  async reopenSaved(onProgress) {
    const s = (await cache.getSession()) ?? fail('NoSavedRunError', 'No interrupted run is saved in this browser.');
    return open(s.file, s.fileName, onProgress, { delimiter: s.delimiter });
  },

  async discardSaved() {
    const s = await cache.getSession();
    if (s) await cache.clearJob(s.jobKey);
    await cache.clearSession();
  },

  async previewResults(start, count, dims) {
    const r = needResults();
    const ds = needDataset();
    const end = Math.min(start + count, r.errors.length);
    const text = textReader(ds.table, r.textColumn);
    const texts: Array<string | null> = [];
    const status: string[] = [];
    const heads: Array<Float32Array | null> = [];
    for (let i = start; i < end; i++) {
      texts.push(text(i));
      status.push(r.errors[i] ?? 'ok');
      heads.push(r.errors[i] ? null : r.matrix.slice(i * r.dim, i * r.dim + Math.min(dims, r.dim)));
    }
    const t = new Table({
      text: vectorFromArray(texts, new Utf8()),
      status: vectorFromArray(status, new Utf8()),
      embedding: vectorFromArray(heads.map((h) => (h ? Array.from(h) : null)), new List(new Field('item', new Float32(), true))),
    });
    const bytes = owned(tableToIPC(t, 'stream'));
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  async search(query, k) {
    const r = needResults();
    const ds = needDataset();
    const b = await getBackend(r.backend, () => undefined);
    const [q] = await b.embedTexts([query]);
    const skip = Uint8Array.from(r.errors, (e) => (e ? 1 : 0));
    const text = textReader(ds.table, r.textColumn);
    return nearest({ data: r.matrix, rows: r.errors.length, dim: r.dim }, q, k, skip).map((h) => ({ row: h.index, score: h.score, text: text(h.index) ?? '' }));
  },

  async explorerInfo() {
    return explorerInfo(resultView());
  },

  async vectorsOf(rows) {
    const b = vectorsOf(resultView(), rows);
    return Comlink.transfer(b, [b.data.buffer, b.ok.buffer]);
  },

  async rowsOf(rows) {
    return rowsOf(resultView(), rows);
  },

  async columnCodes(column) {
    const c = columnCodes(resultView(), column);
    return Comlink.transfer(c, [c.codes.buffer]);
  },

  async similarTo(row, k) {
    return similarTo(resultView(), row, k);
  },

  async loadSyntheticResults(rows, dim) {
    const v = syntheticResults(rows, dim);
    const info: DatasetInfo = { fileName: 'synthetic', fileSize: 0, format: 'csv', rows, columns: explorerInfo(v).columns, defaultTextColumn: v.textColumn, fingerprint: `synthetic-${rows}x${dim}`, parseMs: 0 };
    dataset = { file: new Blob([]), info, table: v.table };
    results = { matrix: v.matrix, dim, errors: v.errors as Array<string | null>, failedRows: 0, nullRows: 0, chunks: 1, cancelled: false, groups: [], textColumn: v.textColumn, backend: { kind: 'remote', url: '', apiKey: '', functionName: 'synthetic' } };
    return { rows, failedRows: 0, nullRows: 0, dimension: dim, chunks: 1, elapsedMs: 0, cancelled: false, errors: [] };
  },

  async exportParquet(onPart) {
    const r = needResults();
    const ds = needDataset();
    return exportParquet({ table: ds.table, matrix: r.matrix, dim: r.dim, errors: r.errors, fileName: ds.info.fileName }, async (part) => {
      const own = owned(part);
      await onPart(Comlink.transfer(own, [own.buffer]));
    });
  },
};

Comlink.expose(guarded(api));
