// Whole result rows (every input column) fetched from the worker on demand and cached per
// results version, shared by the tooltip, the details panel and every rows table.
import { useEffect, useState } from 'react';
import type { RowRecord } from '../../../worker/api';
import { workerApi } from '../../lib/worker-client';

/** The worker's limit on rows per call. */
const PER_CALL = 1000;

let cacheVersion = -1;
const cache = new Map<number, RowRecord>();
const pending = new Set<number>();

export function useRowRecords(version: number, wanted: readonly number[]): (row: number) => RowRecord | undefined {
  const [, setTick] = useState(0);
  if (cacheVersion !== version) {
    cacheVersion = version;
    cache.clear();
    pending.clear();
  }
  const key = wanted.join(',');
  useEffect(() => {
    const missing = wanted.filter((r) => !cache.has(r) && !pending.has(r));
    if (!missing.length) return;
    let live = true;
    for (let i = 0; i < missing.length; i += PER_CALL) {
      const part = missing.slice(i, i + PER_CALL);
      part.forEach((r) => pending.add(r));
      workerApi()
        .rowsOf(Int32Array.from(part))
        .then((records) => {
          if (cacheVersion !== version) return;
          for (const rec of records) cache.set(rec.row, rec);
          if (live) setTick((t) => t + 1);
        })
        .catch(() => undefined)
        .finally(() => part.forEach((r) => pending.delete(r)));
    }
    return () => {
      live = false;
    };
    // `key` stands for `wanted`'s contents, so a new array with the same rows fetches nothing.
  }, [key, version]);
  return (row) => cache.get(row);
}
