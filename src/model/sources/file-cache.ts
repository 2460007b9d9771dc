// A cache of model files keyed by their full hub URL (endpoint + repo + revision + file), so a
// model downloads once and then loads offline. Files a repo does not have are remembered too
// (`null`), so an offline load never needs to ask again. Runtime-neutral: Node keeps files under
// ~/.cache/embedbook (node-file-cache.ts), the browser in Cache Storage (browserFileCache).
import type { ModelLoadProgress } from '../types';

export interface FileCache {
  /** For messages, e.g. the cache folder. */
  readonly label: string;
  /** The bytes; null when the file is known to be absent; undefined when not cached. */
  get(key: string): Promise<Uint8Array | null | undefined>;
  /** Stores bytes, or null for "the repo has no such file". Failures are the cache's to swallow. */
  put(key: string, bytes: Uint8Array | null): Promise<void>;
}

export interface CachableSource {
  readonly label: string;
  read(path: string, onProgress?: (p: ModelLoadProgress) => void): Promise<Uint8Array | undefined>;
}

/**
 * `inner` read through `cache`: a hit (file or known absence) never touches the network, a miss is
 * downloaded with byte progress and stored. `keyOf(path)` is the file's URL.
 */
export function cachedSource<S extends CachableSource>(inner: S, cache: FileCache, keyOf: (path: string) => string): S {
  return {
    ...inner,
    label: inner.label,
    async read(path, onProgress) {
      const key = keyOf(path);
      const hit = await cache.get(key);
      if (hit === null) return undefined;
      if (hit !== undefined) {
        onProgress?.({ status: 'download', file: path, loaded: hit.byteLength, total: hit.byteLength, cached: true });
        return hit;
      }
      const bytes = await inner.read(path, onProgress);
      await cache.put(key, bytes ?? null);
      return bytes;
    },
  };
}

const ABSENT_HEADER = 'x-embedbook-absent';

/** Cache Storage (browser): one cache, the file URL as the request key. */
export function browserFileCache(storage: CacheStorage, name = 'embedbook-models'): FileCache {
  const open = () => storage.open(name);
  return {
    label: `Cache Storage "${name}"`,
    async get(key) {
      try {
        const res = await (await open()).match(key);
        if (!res) return undefined;
        if (res.headers.get(ABSENT_HEADER)) return null;
        return new Uint8Array(await res.arrayBuffer());
      } catch {
        return undefined; // storage unavailable (private mode, quota): behave as uncached
      }
    },
    async put(key, bytes) {
      try {
        const res = bytes
          ? new Response(bytes as BodyInit, { headers: { 'content-length': String(bytes.byteLength) } })
          : new Response('', { headers: { [ABSENT_HEADER]: '1' } });
        await (await open()).put(key, res);
      } catch {
        // A full or unavailable cache only costs a download next time.
      }
    },
  };
}
