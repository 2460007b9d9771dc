// IndexedDB ChunkStore (worker), through the `idb` library. Three stores: `vectors` and `meta`
// keyed by [jobKey, index] (written together in one transaction, awaited with tx.done, so a reload
// never finds one without the other) and `session` holding the single unfinished run.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { StorageFullError, type ChunkMeta, type ChunkStore, type SavedSession } from './chunk-store';

interface Schema extends DBSchema {
  vectors: { key: [string, number]; value: { jobKey: string; index: number; vectors: Float32Array } };
  meta: { key: [string, number]; value: ChunkMeta & { jobKey: string } };
  session: { key: string; value: SavedSession };
}

/** v2: results moved out of worker memory (v1 kept whole chunks + the file in IndexedDB). */
const VERSION = 2;

export function idbChunkStore(name = 'embedbook'): ChunkStore {
  let dbp: Promise<IDBPDatabase<Schema>> | undefined;
  const db = () =>
    (dbp ??= openDB<Schema>(name, VERSION, {
      upgrade(d, oldVersion) {
        // v1's stores held another shape: drop them rather than misread them.
        for (const s of [...d.objectStoreNames]) if (oldVersion < 2) d.deleteObjectStore(s);
        d.createObjectStore('vectors', { keyPath: ['jobKey', 'index'] });
        d.createObjectStore('meta', { keyPath: ['jobKey', 'index'] });
        d.createObjectStore('session');
      },
    }));
  const range = (key: string) => IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
  const strip = ({ jobKey: _k, ...meta }: ChunkMeta & { jobKey: string }): ChunkMeta => meta;
  return {
    async put(key, { meta, vectors }) {
      const tx = (await db()).transaction(['vectors', 'meta'], 'readwrite');
      try {
        await Promise.all([tx.objectStore('vectors').put({ jobKey: key, index: meta.index, vectors }), tx.objectStore('meta').put({ ...meta, jobKey: key }), tx.done]);
      } catch (err) {
        if ((err as { name?: string }).name === 'QuotaExceededError') throw new StorageFullError(meta.index, vectors.byteLength);
        throw err;
      }
    },
    async vectors(key, index) {
      return (await (await db()).get('vectors', [key, index]))?.vectors;
    },
    async metas(key) {
      return (await (await db()).getAll('meta', range(key))).map(strip);
    },
    async indices(key) {
      return (await (await db()).getAllKeys('meta', range(key))).map(([, i]) => i);
    },
    async clearJob(key) {
      const tx = (await db()).transaction(['vectors', 'meta'], 'readwrite');
      await Promise.all([tx.objectStore('vectors').delete(range(key)), tx.objectStore('meta').delete(range(key)), tx.done]);
    },
    async clearOthers(keep) {
      const tx = (await db()).transaction(['vectors', 'meta'], 'readwrite');
      const jobs = new Set((await tx.objectStore('meta').getAllKeys()).map(([k]) => k));
      for (const k of [...(await tx.objectStore('vectors').getAllKeys())].map(([j]) => j)) jobs.add(k);
      for (const k of keep ?? []) jobs.delete(k);
      await Promise.all([...[...jobs].flatMap((k) => [tx.objectStore('vectors').delete(range(k)), tx.objectStore('meta').delete(range(k))]), tx.done]);
    },
    async getSession() {
      return (await db()).get('session', 'current');
    },
    async putSession(s) {
      await (await db()).put('session', s, 'current');
    },
    async clearSession() {
      await (await db()).delete('session', 'current');
    },
  };
}
