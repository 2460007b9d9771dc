// The ONE typed interface between the page and the Web Worker (comlink). Both sides import
// only types from here: the worker implements WorkerApi, the page holds Remote<WorkerApi>.
// Arrow data crosses as transferred IPC bytes; errors cross as plain { name, message }.
import type { ChunkPlan, ChunkProgressEvent } from '../core/types';
import type { ModelLoadProgress, ResolvedDevice } from '../model/types';
import type { Dtype } from '../model/dtype';
import type { SerializedError } from '../core/errors';
import type { DatasetFormat } from '../io/read-dataset';

/**
 * Errors never cross as class instances: serializeError's plain data — a stable name and code, an
 * actionable message and the error's plain fields (deserializeError rebuilds the class).
 */
export type PlainError = SerializedError;

export interface ReadProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface ColumnInfo {
  name: string;
  /** Arrow type as text, e.g. "Utf8", "Int64", "Float64". */
  type: string;
  nullCount: number;
  isText: boolean;
}

export interface DatasetInfo {
  fileName: string;
  fileSize: number;
  format: DatasetFormat;
  rows: number;
  columns: ColumnInfo[];
  /** The text column picked by default (most non-empty text per row), or null if none. */
  defaultTextColumn: string | null;
  /** Stable identity of the file's content (size + SHA-256 of head and tail). */
  fingerprint: string;
  parseMs: number;
  /** CSV/TSV: the delimiter used (chosen, or detected). */
  delimiter?: string;
}

export interface OpenOptions {
  /** CSV/TSV delimiter; absent = detect (tab for *.tsv). */
  delimiter?: string;
}

export type LocalDevice = 'auto' | 'webgpu' | 'wasm';

export type ModelChoice =
  /** The built-in model; `dtype: 'q8'` runs its int8 file (model.int8.onnx), absent = fp32 model.onnx. */
  | { kind: 'default'; dtype?: 'q8' }
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: File[] }
  /** A Hugging Face id on `endpoint` (the hub or a mirror); prompt name and dtype optional. */
  | { kind: 'hub'; id: string; endpoint: string; prompt?: string; dtype?: Dtype };

export type BackendSpec =
  | { kind: 'local'; device: LocalDevice; model: ModelChoice }
  | { kind: 'remote'; url: string; apiKey: string; functionName: string };

export type ChunkingChoice = { mode: 'chunkSize'; chunkSize: number } | { mode: 'numChunks'; numChunks: number };

export interface RunSettings {
  textColumn: string;
  chunking: ChunkingChoice;
  concurrentChunks: number;
  /** Seconds per chunk; null waits forever. */
  timeout: number | null;
  retries: number;
}

/** What the worker tells the page during a run; a union keyed on `type`. */
export type RunEvent =
  | { type: 'plan'; chunks: ChunkPlan[]; cachedChunks: number[] }
  | { type: 'model'; progress: ModelLoadProgress }
  | { type: 'backend'; label: string; device: ResolvedDevice | 'remote'; reason: string }
  | { type: 'chunk'; event: ChunkProgressEvent; at: number };

export interface RunEstimate {
  /** Rows embedded in the timed sample. */
  sampleRows: number;
  rowsPerSec: number;
  /** Whole dataset at that rate, for one chunk at a time (concurrency does not help one device). */
  seconds: number;
  device: string;
}

export interface RunSummary {
  rows: number;
  failedRows: number;
  /** Rows with a null text: null embedding, status `null`, not counted as failed. */
  nullRows: number;
  dimension: number;
  chunks: number;
  elapsedMs: number;
  cancelled: boolean;
  /** Row errors (first 200) with the rows they hit. */
  errors: RowErrorGroup[];
}

export interface RowErrorGroup {
  /** The rows' error code (core/row-error.ts): groups are by code (a handler's plain texts, ROW_ERROR, by code and message). */
  code: string;
  /** The first row's message (rows of one code may word it differently, e.g. naming their chunk). */
  message: string;
  /** The rows it hit (the first 1,000). */
  rows: number[];
  /** How many rows it hit. */
  count: number;
}

/** A saved, unfinished run found in storage after a reload (its file in OPFS). */
export interface ResumeOffer {
  fileName: string;
  rows: number;
  doneChunks: number;
  totalChunks: number;
  settings: RunSettings;
  backend: BackendSpec | null;
  savedAt: number;
}

export interface SearchHit {
  row: number;
  score: number;
  text: string;
}

/** What the results explorer needs to know about the finished results. */
export interface ExplorerInfo {
  rows: number;
  dim: number;
  failedRows: number;
  textColumn: string;
  columns: ColumnInfo[];
}

/** Embeddings of the rows asked for, row-major; ok[i] = 0 where row i has none (values 0). */
export interface VectorBlock {
  dim: number;
  data: Float32Array;
  ok: Uint8Array;
}

/** The explorer's sample: rows (ascending) with an embedding, and those embeddings row-major. */
export interface SampleBlock {
  dim: number;
  rows: Int32Array;
  data: Float32Array;
}

/** One colour code per row (index into labels) for colouring the explorer by a column. */
export interface ColumnCodes {
  column: string;
  kind: 'category' | 'numeric';
  codes: Uint8Array;
  labels: string[];
}

/** A whole result row: every input column (display-safe values) and its status. */
export interface RowRecord {
  row: number;
  status: string;
  values: Record<string, unknown>;
}

export interface ExportInfo {
  fileName: string;
  bytes: number;
  rows: number;
  withStatus: boolean;
}

export interface WorkerApi {
  /** Parses a CSV/Parquet file and holds it as an Arrow table in the worker (results: in storage). */
  openDataset(file: File, onProgress: (p: ReadProgress) => void, opts?: OpenOptions): Promise<DatasetInfo>;
  /** Rows [start, start+count) of the input as Arrow IPC bytes (transferred). */
  previewInput(start: number, count: number): Promise<Uint8Array>;
  /** Chunks already saved for this dataset + settings (for "resume"). */
  cachedChunks(backend: BackendSpec, settings: RunSettings): Promise<number>;
  /**
   * Runs the job, reusing chunks saved by an earlier run of the same data + settings (resume)
   * unless `fresh`; resolves when finished or cancelled (finished chunks stay saved).
   */
  run(backend: BackendSpec, settings: RunSettings, onEvent: (events: RunEvent[]) => void, fresh: boolean): Promise<RunSummary>;
  cancel(): Promise<void>;
  /** Times a small warm-up sample with this backend and extrapolates to the whole dataset. */
  estimate(backend: BackendSpec, settings: RunSettings): Promise<RunEstimate>;
  /** A saved unfinished run (after a reload), if any. */
  resumeOffer(): Promise<ResumeOffer | null>;
  /** Re-opens the saved file of a resume offer (same as openDataset on it). */
  reopenSaved(onProgress: (p: ReadProgress) => void): Promise<DatasetInfo>;
  discardSaved(): Promise<void>;
  /** Result rows [start, start+count): input text, status, embedding head, as Arrow IPC bytes. */
  previewResults(start: number, count: number, dims: number): Promise<Uint8Array>;
  search(query: string, k: number): Promise<SearchHit[]>;
  /** Results explorer (src/worker/explorer-queries.ts): shape, vectors, rows, colours, neighbours. */
  explorerInfo(): Promise<ExplorerInfo>;
  vectorsOf(rows: Int32Array): Promise<VectorBlock>;
  /**
   * Up to `max` (≤ 10,000) rows evenly spaced over the results, with their embeddings: the sample
   * kept with the stored chunks, so no chunk is read. What the projection should start from.
   */
  sampleVectors(max: number): Promise<SampleBlock>;
  rowsOf(rows: Int32Array): Promise<RowRecord[]>;
  columnCodes(column: string): Promise<ColumnCodes>;
  similarTo(row: number, k: number): Promise<SearchHit[]>;
  /** Test/demo hook: replaces the dataset and results with a synthetic clustered set (no model run). */
  loadSyntheticResults(rows: number, dim: number): Promise<{ summary: RunSummary; dataset: DatasetInfo }>;
  /** Streams the Parquet file to `onPart` (bytes transferred); resolves once written. */
  exportParquet(onPart: (part: Uint8Array) => void): Promise<ExportInfo>;
  /**
   * Writes the Parquet file to disk in the worker (OPFS), reporting the bytes written, and returns
   * it as a disk-backed File for the page to download: the export never sits in memory.
   */
  exportParquetFile(onBytes: (bytes: number) => void): Promise<{ info: ExportInfo; file: File }>;
}
