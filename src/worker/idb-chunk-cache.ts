// IndexedDB implementation of ChunkCache (browser and worker). One database, two stores:
// `chunks` keyed by [jobKey, index], `session` holding the single unfinished run.
import type { ChunkCache, SavedChunk, SavedSession } from './chunk-cache';

const DB_NAME = 'embedbook';
const VERSION = 1;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function open(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB_NAME, VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains('chunks')) db.createObjectStore('chunks', { keyPath: ['jobKey', 'index'] });
    if (!db.objectStoreNames.contains('session')) db.createObjectStore('session');
  };
  return request(req);
}

type StoredChunk = SavedChunk & { jobKey: string };

export function idbChunkCache(): ChunkCache {
  let dbPromise: Promise<IDBDatabase> | undefined;
  const db = () => (dbPromise ??= open());
  const store = async (name: 'chunks' | 'session', mode: IDBTransactionMode) => (await db()).transaction(name, mode).objectStore(name);
  const range = (key: string) => IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
  return {
    async get(key, index) {
      const found = (await request((await store('chunks', 'readonly')).get([key, index]))) as StoredChunk | undefined;
      if (!found) return undefined;
      const { jobKey: _k, ...chunk } = found;
      return chunk;
    },
    async put(key, chunk) {
      await request((await store('chunks', 'readwrite')).put({ ...chunk, jobKey: key } satisfies StoredChunk));
    },
    async count(key) {
      return request((await store('chunks', 'readonly')).count(range(key)));
    },
    async clearJob(key) {
      await request((await store('chunks', 'readwrite')).delete(range(key)));
    },
    async getSession() {
      return (await request((await store('session', 'readonly')).get('current'))) as SavedSession | undefined;
    },
    async putSession(s) {
      await request((await store('session', 'readwrite')).put(s, 'current'));
    },
    async clearSession() {
      await request((await store('session', 'readwrite')).delete('current'));
    },
  };
}
