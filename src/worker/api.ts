// The ONE typed interface between the page and the Web Worker (comlink). Both sides import
// only types from here: the worker implements WorkerApi, the page holds Remote<WorkerApi>.
// Arrow data crosses as transferred IPC bytes; errors cross as plain { name, message }.
import type { ChunkPlan, ChunkProgressEvent } from '../core/types';
import type { ModelLoadProgress, ResolvedDevice } from '../model/types';
import type { Dtype } from '../model/dtype';

/** Errors never cross as class instances: a stable name plus an actionable message. */
export interface PlainError {
  name: string;
  message: string;
}

export type DatasetFormat = 'csv' | 'parquet';

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
}

export type LocalDevice = 'auto' | 'webgpu' | 'wasm';

export type ModelChoice =
  | { kind: 'default' }
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

export interface RunSummary {
  rows: number;
  failedRows: number;
  dimension: number;
  chunks: number;
  elapsedMs: number;
  cancelled: boolean;
  /** Row errors (first 200) with the rows they hit. */
  errors: RowErrorGroup[];
}

export interface RowErrorGroup {
  message: string;
  rows: number[];
}

/** A saved, unfinished run found in IndexedDB after a reload. */
export interface ResumeOffer {
  fileName: string;
  rows: number;
  doneChunks: number;
  totalChunks: number;
  settings: RunSettings;
  backend: BackendSpec | null;
  savedAt: number;
}

export interface Projection {
  xs: Float32Array;
  ys: Float32Array;
  /** Explained variance share of the two components. */
  explained: [number, number];
  /** Row index of each point (a sample when the table is large). */
  rows: Int32Array;
}

export interface SearchHit {
  row: number;
  score: number;
  text: string;
}

export interface ExportInfo {
  fileName: string;
  bytes: number;
  rows: number;
  withStatus: boolean;
}

export interface WorkerApi {
  /** Parses a CSV/Parquet file and holds it as an Arrow table in the worker. */
  openDataset(file: File, onProgress: (p: ReadProgress) => void): Promise<DatasetInfo>;
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
  /** A saved unfinished run (after a reload), if any. */
  resumeOffer(): Promise<ResumeOffer | null>;
  /** Re-opens the saved file of a resume offer (same as openDataset on it). */
  reopenSaved(onProgress: (p: ReadProgress) => void): Promise<DatasetInfo>;
  discardSaved(): Promise<void>;
  /** Result rows [start, start+count): input text, status, embedding head, as Arrow IPC bytes. */
  previewResults(start: number, count: number, dims: number): Promise<Uint8Array>;
  project(maxPoints: number): Promise<Projection>;
  search(query: string, k: number): Promise<SearchHit[]>;
  /** Streams the Parquet file to `onPart` (bytes transferred); resolves once written. */
  exportParquet(onPart: (part: Uint8Array) => void): Promise<ExportInfo>;
}
