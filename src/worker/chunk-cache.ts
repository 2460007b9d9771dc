// Finished chunks are saved so a reload or a cancel never loses work. Storage sits behind an
// interface (in-memory for tests, IndexedDB in the browser) passed in by factory.
import type { BackendSpec, DatasetInfo, RunSettings } from './api';

export interface SavedChunk {
  index: number;
  offset: number;
  rows: number;
  dim: number;
  /** Row-major [rows, dim]; rows that failed are zero-filled and named in `errors`. */
  values: Float32Array;
  errors: Array<string | null>;
}

/** The unfinished run remembered for "resume after reload". */
export interface SavedSession {
  jobKey: string;
  fingerprint: string;
  file: File | Blob;
  fileName: string;
  /** The CSV delimiter the file was read with (a resume reads it the same way). */
  delimiter?: string;
  rows: number;
  totalChunks: number;
  settings: RunSettings;
  backend: BackendSpec | null;
  savedAt: number;
}

export interface ChunkCache {
  get(jobKey: string, index: number): Promise<SavedChunk | undefined>;
  put(jobKey: string, chunk: SavedChunk): Promise<void>;
  count(jobKey: string): Promise<number>;
  clearJob(jobKey: string): Promise<void>;
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
        ? 'local:default'
        : backend.model.kind === 'url'
          ? `local:url:${backend.model.url}`
          : backend.model.kind === 'hub'
            ? `local:hub:${backend.model.endpoint}|${backend.model.id}|${backend.model.prompt ?? ''}|${backend.model.dtype ?? ''}`
            : `local:files:${backend.model.files.map((f) => `${f.name}/${f.size}`).join(',')}`;
  return [dataset.fingerprint, settings.textColumn, chunking, model].join('|');
}

export function memoryChunkCache(): ChunkCache {
  const chunks = new Map<string, SavedChunk>();
  let session: SavedSession | undefined;
  return {
    async get(key, index) {
      return chunks.get(`${key}#${index}`);
    },
    async put(key, chunk) {
      chunks.set(`${key}#${chunk.index}`, chunk);
    },
    async count(key) {
      let n = 0;
      for (const k of chunks.keys()) if (k.startsWith(`${key}#`)) n++;
      return n;
    },
    async clearJob(key) {
      for (const k of [...chunks.keys()]) if (k.startsWith(`${key}#`)) chunks.delete(k);
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
