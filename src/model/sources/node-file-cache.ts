// Node's model file cache: `EMBEDBOOK_CACHE`, else ~/.cache/embedbook (XDG_CACHE_HOME respected),
// one file per URL under hub/<host>/<org>/<name>/<revision>/<file>; an absent file is an empty
// `<file>.absent` marker. Writes go to a temp name and are renamed, so a killed download never
// leaves a partial file that a later offline load would trust.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileCache } from './file-cache';

export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.EMBEDBOOK_CACHE?.trim()) return env.EMBEDBOOK_CACHE.trim();
  return join(env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache'), 'embedbook');
}

/** The cache path of a URL, or undefined when the URL has a segment we would not write ('..'). */
function cachePath(root: string, key: string): string | undefined {
  const url = new URL(key);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  // {org}/{name}/resolve/{revision}/{file…}: drop 'resolve', keep the revision as one segment.
  if (parts.length < 5 || parts[2] !== 'resolve') return undefined;
  const segments = [url.host.replace(/[^A-Za-z0-9.-]/g, '_'), parts[0], parts[1], encodeURIComponent(parts[3]), ...parts.slice(4)];
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) return undefined;
  return join(root, 'hub', ...segments);
}

export function nodeFileCache(root = defaultCacheDir()): FileCache {
  const tmp = (p: string) => `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  return {
    label: root,
    async get(key) {
      const path = cachePath(root, key);
      if (!path) return undefined;
      try {
        const buf = await readFile(path);
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch {
        // not cached as a file: maybe as "absent"
      }
      try {
        await readFile(`${path}.absent`);
        return null;
      } catch {
        return undefined;
      }
    },
    async put(key, bytes) {
      const path = cachePath(root, key);
      if (!path) return;
      const target = bytes ? path : `${path}.absent`;
      try {
        await mkdir(dirname(target), { recursive: true });
        const t = tmp(target);
        await writeFile(t, bytes ?? new Uint8Array());
        await rename(t, target);
      } catch {
        // A read-only or full disk only costs a download next time.
      }
    },
  };
}
