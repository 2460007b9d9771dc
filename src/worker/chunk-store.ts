// Where a run's results live: each finished chunk is written here as it completes (vectors in one
// record, its statuses and explorer sample in a small `meta` record), and everything that reads
// results (preview, explorer, search, export, resume after a reload) reads them back from here.
// The worker holds no result matrix. IndexedDB in the browser (idb-chunk-store.ts), in-memory in
// tests; the dataset file itself is kept in OPFS (dataset-files.ts).
import { EmbedbookError } from '../core/errors';
import type { BackendSpec, DatasetInfo, RunSettings } from './api';

/** The browser refused to store a finished chunk: the origin's storage quota is used up. */
export class StorageFullError extends EmbedbookError {
  override readonly name = 'StorageFullError';
  constructor(readonly chunk: number, readonly bytes: number) {
    super(
      `This browser's storage for the app is full: chunk ${chunk} (${(bytes / 1048576).toFixed(1)} MiB) could not be saved. ` +
        'A private window keeps storage in memory with a small quota — use a normal window; otherwise free disk space. The chunks saved so far are kept (Resume continues after them).',
    );
  }
  override details(): Record<string, unknown> {
    return { chunk: this.chunk, bytes: this.bytes };
  }
}

/** A finished chunk's small part: statuses, where it sits, and its rows of the explorer sample. */
export interface ChunkMeta {
  index: number;
  offset: number;
  rows: number;
  /** Embedding size (0 when no row of the chunk has one). */
  dim: number;
  /** Chunk-local rows that have no embedding, with their status (NULL_STATUS or the error message) and its code. */
  errorRows: Int32Array;
  errors: string[];
  /** The row error's code per entry of `errors` (NULL_TEXT for a null text); absent in chunks saved before codes. */
  codes?: string[];
  /** Global row numbers of the explorer sample that fall in this chunk and have an embedding. */
  sampleRows: Int32Array;
  /** Their embeddings, row-major [sampleRows.length, dim]. */
  sample: Float32Array;
}

/** One finished chunk: meta + row-major [rows, dim] vectors (zeros for rows without one). */
export interface StoredChunk {
  meta: ChunkMeta;
  vectors: Float32Array;
}

/** The unfinished run remembered for "resume after reload" (its file is in DatasetFiles). */
export interface SavedSession {
  jobKey: string;
  fingerprint: string;
  fileName: string;
  /** The CSV delimiter the file was read with (a resume reads it the same way). */
  delimiter?: string;
  rows: number;
  totalChunks: number;
  settings: RunSettings;
  backend: BackendSpec | null;
  savedAt: number;
}

export interface ChunkStore {
  /** Writes a chunk's vectors and meta together (one transaction): both or neither. */
  put(jobKey: string, chunk: StoredChunk): Promise<void>;
  /** The vectors of one chunk, or undefined. */
  vectors(jobKey: string, index: number): Promise<Float32Array | undefined>;
  /** Every chunk meta of the job, by chunk index. */
  metas(jobKey: string): Promise<ChunkMeta[]>;
  /** Indices of the job's saved chunks, ascending. */
  indices(jobKey: string): Promise<number[]>;
  clearJob(jobKey: string): Promise<void>;
  /** Deletes every job's chunks but those of the jobs in `keep` (the jobs live tabs hold: job-leases.ts). */
  clearOthers(keep?: ReadonlySet<string>): Promise<void>;
  getSession(): Promise<SavedSession | undefined>;
  putSession(session: SavedSession): Promise<void>;
  clearSession(): Promise<void>;
}

/**
 * Chunks computed under other settings cannot be reused: the key covers the data, the text
 * column, the chunk plan and the model/backend identity (not concurrency, timeout or retries,
 * which do not change results).
 */
export function jobKey(dataset: Pick<DatasetInfo, 'fingerprint'>, backend: BackendSpec, settings: RunSettings): string {
  const chunking = settings.chunking.mode === 'chunkSize' ? `cs${settings.chunking.chunkSize}` : `nc${settings.chunking.numChunks}`;
  const model =
    backend.kind === 'remote'
      ? `remote:${backend.url}:${backend.functionName}`
      : backend.model.kind === 'default'
        ? `local:default${backend.model.dtype ? `|${backend.model.dtype}` : ''}`
        : backend.model.kind === 'url'
          ? `local:url:${backend.model.url}`
          : backend.model.kind === 'hub'
            ? `local:hub:${backend.model.endpoint}|${backend.model.id}|${backend.model.prompt ?? ''}|${backend.model.dtype ?? ''}`
            : `local:files:${backend.model.files.map((f) => `${f.name}/${f.size}`).join(',')}`;
  return [dataset.fingerprint, settings.textColumn, chunking, model].join('|');
}

/** In-memory ChunkStore for unit tests (same contract as the IndexedDB one). */
export function memoryChunkStore(): ChunkStore {
  const jobs = new Map<string, Map<number, StoredChunk>>();
  let session: SavedSession | undefined;
  const job = (key: string) => jobs.get(key) ?? jobs.set(key, new Map()).get(key)!;
  const sorted = (key: string) => [...(jobs.get(key)?.values() ?? [])].sort((a, b) => a.meta.index - b.meta.index);
  return {
    async put(key, chunk) {
      job(key).set(chunk.meta.index, { meta: chunk.meta, vectors: chunk.vectors.slice() });
    },
    async vectors(key, index) {
      return jobs.get(key)?.get(index)?.vectors.slice();
    },
    async metas(key) {
      return sorted(key).map((c) => c.meta);
    },
    async indices(key) {
      return sorted(key).map((c) => c.meta.index);
    },
    async clearJob(key) {
      jobs.delete(key);
    },
    async clearOthers(keep) {
      for (const k of [...jobs.keys()]) if (!keep?.has(k)) jobs.delete(k);
    },
    async getSession() {
      return session;
    },
    async putSession(s) {
      session = s;
    },
    async clearSession() {
      session = undefined;
    },
  };
}
